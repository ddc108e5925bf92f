//! What a held action will do, in the sentence "Confirm access" shows: read from the
//! held form and the workspace as they are when the action is held.

use diesel::QueryResult;

use crate::db::DbConnection;
use crate::domain::Role;
use crate::domain::key_access::KeyAccess;
use crate::domain::scopes::Scopes;
use crate::models::{access_request, api_key, hook, user};
use crate::use_cases::webhooks::{self, Asker};

/// A guarded request, as held: who sent it, the `{id}` of its path, what was typed.
pub struct Asked {
    pub user_id: i32,
    pub id: Option<i32>,
    pub fields: Vec<(String, String)>,
}

impl Asked {
    fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The workspace of the person asking.
    fn workspace_id(&self, conn: &mut DbConnection) -> QueryResult<Option<i32>> {
        Ok(user::find(conn, self.user_id)?.map(|me| me.workspace_id))
    }

    /// `the key "Zapier"` for the path's key of this workspace, or `a key`.
    fn key(&self, conn: &mut DbConnection) -> QueryResult<String> {
        let (Some(workspace_id), Some(id)) = (self.workspace_id(conn)?, self.id) else {
            return Ok("a key".into());
        };
        let scope = api_key::KeyScope {
            workspace_id,
            only_created_by: None,
        };
        Ok(api_key::find_visible(conn, scope, id)?
            .map_or_else(|| "a key".into(), |key| format!("the key \"{}\"", key.name)))
    }

    /// The name of the path's member of this workspace.
    fn member(&self, conn: &mut DbConnection) -> QueryResult<String> {
        let (Some(workspace_id), Some(id)) = (self.workspace_id(conn)?, self.id) else {
            return Ok("a member".into());
        };
        Ok(user::find_in_workspace(conn, workspace_id, id)?
            .map_or_else(|| "a member".into(), |member| member.name))
    }
}

/// Says what a held action will do.
pub type Describe = fn(&mut DbConnection, &Asked) -> QueryResult<String>;

/// "Confirm access" itself holds nothing.
pub fn nothing(_: &mut DbConnection, _: &Asked) -> QueryResult<String> {
    Ok("Continue".into())
}

pub fn generate_key(_: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    Ok(match asked.field("name") {
        "" => "Generate a key".into(),
        name => format!("Generate the key \"{name}\""),
    })
}

pub fn change_key_access(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let key = asked.key(conn)?;
    let scopes = Scopes::parse(
        asked.field("access"),
        asked.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let verify = KeyAccess::parse_verify(asked.field(KeyAccess::VERIFY_FIELD)).unwrap_or(false);
    Ok(match KeyAccess::from_choices(scopes, verify) {
        Ok(access) => format!("Change the access of {key} to {}", access.describe()),
        Err(_) => format!("Change the access of {key}"),
    })
}

pub fn disable_key(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    Ok(format!("Disable {}", asked.key(conn)?))
}

pub fn enable_key(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    Ok(format!("Enable {}", asked.key(conn)?))
}

pub fn delete_key(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    Ok(format!("Delete {}", asked.key(conn)?))
}

pub fn regenerate_key(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let key = asked.key(conn)?;
    Ok(match asked.field("grace_hours").parse::<u32>() {
        Ok(0) | Err(_) => format!("Regenerate {key}; its current secret stops working at once"),
        Ok(1) => format!("Regenerate {key}; its current secret keeps working for 1 hour"),
        Ok(hours) => {
            format!("Regenerate {key}; its current secret keeps working for {hours} hours")
        }
    })
}

pub fn save_key_policy(_: &mut DbConnection, _: &Asked) -> QueryResult<String> {
    Ok("Save the key policy".into())
}

pub fn change_role(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let member = asked.member(conn)?;
    Ok(match Role::parse(asked.field("role")) {
        Ok(role) => format!("Change {member}'s role to {}", role.label()),
        Err(_) => format!("Change {member}'s role"),
    })
}

pub fn set_api_access(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let member = asked.member(conn)?;
    Ok(match (asked.field("enabled"), asked.field("keys")) {
        ("true", _) => format!("Turn on API access for {member}"),
        (_, "disable") => format!("Turn off API access for {member} and disable their keys"),
        (_, "keep") => format!("Turn off API access for {member}; their keys keep working"),
        _ => format!("Turn off API access for {member}"),
    })
}

pub fn remove_member(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let member = asked.member(conn)?;
    Ok(match asked.field("keys") {
        "disable" => format!("Remove {member} from the workspace and disable their keys"),
        "keep" => format!("Remove {member} from the workspace; their keys keep working"),
        _ => format!("Remove {member} from the workspace"),
    })
}

pub fn approve_request(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let (Some(workspace_id), Some(id)) = (asked.workspace_id(conn)?, asked.id) else {
        return Ok("Approve a request for API access".into());
    };
    let Some(request) = access_request::find_in_workspace(conn, workspace_id, id)? else {
        return Ok("Approve a request for API access".into());
    };
    Ok(
        match user::find_in_workspace(conn, workspace_id, request.user_id)? {
            Some(member) => format!("Approve {}'s request for API access", member.name),
            None => "Approve a request for API access".into(),
        },
    )
}

pub fn invite_member(_: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let email = match asked.field("email") {
        "" => "someone".to_string(),
        email => email.to_string(),
    };
    let role = Role::parse(asked.field("role")).unwrap_or(Role::Member);
    let api_access = role == Role::Admin || asked.field("api_access") == "true";
    Ok(format!(
        "Invite {email} as {}{}",
        role.label(),
        if api_access && role != Role::Admin {
            " with API access"
        } else {
            ""
        }
    ))
}

pub fn require_two_factor(_: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    Ok(if asked.field("require") == "true" {
        "Require two-factor authentication for everyone in the workspace".into()
    } else {
        "Stop requiring two-factor authentication in the workspace".into()
    })
}

pub fn open_two_factor_setup(_: &mut DbConnection, _: &Asked) -> QueryResult<String> {
    Ok("Open the set-up of two-factor authentication for your account".into())
}

pub fn turn_on_two_factor(_: &mut DbConnection, _: &Asked) -> QueryResult<String> {
    Ok("Turn on two-factor authentication for your account".into())
}

pub fn new_recovery_codes(_: &mut DbConnection, _: &Asked) -> QueryResult<String> {
    Ok("Make new recovery codes for your account; the current ones stop working".into())
}

pub fn add_webhook(_: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let events = match asked.field("event_type") {
        "" => "every event".to_string(),
        one => format!("{one} events"),
    };
    Ok(format!(
        "Add a webhook that sends {events} to {}",
        asked.field("target_url")
    ))
}

pub fn delete_webhook(conn: &mut DbConnection, asked: &Asked) -> QueryResult<String> {
    let (Some(workspace_id), Some(id)) = (asked.workspace_id(conn)?, asked.id) else {
        return Ok("Delete a webhook".into());
    };
    // Only a hook this person manages is named: another's target may be a secret URL.
    let manager = webhooks::manager(conn, workspace_id, Asker::Person(asked.user_id))?;
    let found = hook::find(conn, id)?
        .filter(|h| h.workspace_id == workspace_id)
        .filter(|h| manager.is_some_and(|m| h.managed_by(m)));
    Ok(match found {
        Some(found) => format!("Delete the webhook that sends to {}", found.target_url),
        None => "Delete a webhook".into(),
    })
}

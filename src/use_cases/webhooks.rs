//! Webhooks: adding and deleting hooks (audited), and putting events in the outbox in
//! the same transaction that records them, so none is lost to a crash. A member manages
//! only the hooks that they or their keys made, admins (and their keys) all of them: who
//! may delete is decided inside the workspace lock, from the role held at that moment.

use diesel::{Connection, QueryResult};

use crate::db::DbConnection;
use crate::domain::webhook;
use crate::models::audit::{self, Action, Actor};
use crate::models::hook::{self, Hook, Manager, NewHook};
use crate::models::{hook_delivery, user, workspace};

/// The event type of "Send test event".
pub const TEST_EVENT: &str = "test";

/// Queues the event of `event_type` for every hook of the workspace that wants it; the
/// payload is built only when one does. Call inside the transaction that records it.
pub fn announce(
    conn: &mut DbConnection,
    workspace_id: i32,
    event_type: &str,
    payload: impl FnOnce(&mut DbConnection) -> QueryResult<serde_json::Value>,
) -> QueryResult<usize> {
    let hooks = hook::matching(conn, workspace_id, event_type)?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let body = payload(conn)?.to_string();
    for hook in &hooks {
        hook_delivery::insert(conn, hook.id, event_type, &body)?;
    }
    Ok(hooks.len())
}

/// Who asks to manage hooks: a person on the page, or a key through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    Person(i32),
    Key { key_id: i32, owner: Option<i32> },
}

/// Whose hooks `asker` manages now: by the role of the person (or of the key's owner);
/// a key whose owner has left manages the hooks it made; `None` for a person no longer
/// in the workspace or without API access.
pub fn manager(
    conn: &mut DbConnection,
    workspace_id: i32,
    asker: Asker,
) -> QueryResult<Option<Manager>> {
    let (user_id, key_id) = match asker {
        Asker::Person(user_id) => (Some(user_id), None),
        Asker::Key { key_id, owner } => (owner, Some(key_id)),
    };
    let person = match user_id {
        Some(id) => user::find_in_workspace(conn, workspace_id, id)?,
        None => None,
    };
    Ok(match (person, key_id) {
        (Some(person), _) if person.is_admin() => Some(Manager::Admin),
        // A member's keys act for them even once their own API access is off (the admin
        // chose to keep those keys working); on the page, the member needs access.
        (Some(person), Some(_)) => Some(Manager::Member(person.id)),
        (Some(person), None) => person
            .can_use_api_keys()
            .then_some(Manager::Member(person.id)),
        (None, Some(key_id)) => Some(Manager::Key(key_id)),
        (None, None) => None,
    })
}

/// Adds a hook with a new secret (returned with it, to be shown once), recording who
/// made it: `actor.user_id` (the person, or the key's owner) and the key if `asker` is
/// one. `None` (nothing added) when `asker` may no longer manage hooks, read under the
/// workspace's write lock: a person removed or whose API access was turned off meanwhile.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    asker: Asker,
    target_url: &str,
    event_type: Option<&str>,
) -> QueryResult<Option<Hook>> {
    let secret = webhook::new_secret();
    let made_by_key = match asker {
        Asker::Person(_) => None,
        Asker::Key { key_id, .. } => Some(key_id),
    };
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        if manager(conn, actor.workspace_id, asker)?.is_none() {
            return Ok(None);
        }
        let hook = hook::insert(
            conn,
            &NewHook {
                workspace_id: actor.workspace_id,
                target_url,
                event_type,
                secret: &secret,
                created_by: &actor.name,
                created_by_user_id: actor.user_id,
                created_by_key_id: made_by_key,
            },
        )?;
        audit::record(
            conn,
            actor,
            Action::WebhookCreated,
            target_url,
            event_type.unwrap_or("every event"),
        )?;
        Ok(Some(hook))
    })
}

/// Which hook to delete: by row id (the page) or public id (the API).
#[derive(Debug, Clone, Copy)]
pub enum HookRef<'a> {
    Id(i32),
    Public(&'a str),
}

/// Deletes the hook and its queued deliveries if `asker` manages it, and returns it;
/// `None` when it is not there, is another workspace's, or is not the asker's to
/// delete (one answer for all three, so nothing is learnt from the difference).
pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    asker: Asker,
    which: HookRef<'_>,
) -> QueryResult<Option<Hook>> {
    let workspace_id = actor.workspace_id;
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, workspace_id)?;
        let Some(manager) = manager(conn, workspace_id, asker)? else {
            return Ok(None);
        };
        let found = match which {
            HookRef::Id(id) => hook::find(conn, id)?.filter(|h| h.workspace_id == workspace_id),
            HookRef::Public(public_id) => hook::find_public(conn, workspace_id, public_id)?,
        };
        let Some(found) = found.filter(|h| h.managed_by(manager)) else {
            return Ok(None);
        };
        hook_delivery::delete_for_hook(conn, found.id)?;
        if hook::delete(conn, found.id)? == 0 {
            return Ok(None);
        }
        audit::record(
            conn,
            actor,
            Action::WebhookDeleted,
            &found.target_url,
            found.event_type.as_deref().unwrap_or("every event"),
        )?;
        Ok(Some(found))
    })
}

/// Queues a test event for one hook ("Send test event").
pub fn send_test(
    conn: &mut DbConnection,
    hook: &Hook,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    hook_delivery::insert(conn, hook.id, TEST_EVENT, &payload.to_string())
}

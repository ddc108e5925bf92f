//! The question asked before a member's API access ends (access turned off, or removed)
//! when they created keys: "Keep them working" (the default) or "Disable them". Without
//! JS it is the answer to the first POST; the page posts again with `keys=keep|disable`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use diesel::QueryResult;

use crate::auth::Viewer;
use crate::db::DbConnection;
use crate::domain::api_key::masked;
use crate::domain::leaver_keys::{KeysChoice, UnknownKeysChoice};
use crate::error::AppError;
use crate::format;
use crate::models::api_key::ApiKey;
use crate::models::audit::Actor;
use crate::models::user::User;
use crate::templates::{PageContext, SettingsTab, render_with_status};
use crate::use_cases::leaver_keys::{self, Leaving};

/// The admin's answer about the keys, from the form's `keys` field: none yet (the first
/// POST), a choice, or something unknown (asked again with a message).
pub struct KeysAnswer(Option<Result<KeysChoice, UnknownKeysChoice>>);

impl KeysAnswer {
    pub fn from_form(raw: Option<&str>) -> Self {
        Self(raw.map(KeysChoice::parse))
    }
}

/// What the keys of a member whose access ends become, inside the change's transaction
/// (after `workspace::lock_for_writing`): `Err` is the question to ask first (no answer
/// yet, or an unknown one; nothing was written); `Ok` the sentence for the flash and the
/// audit entry once the answer is applied (empty when the member has no keys).
pub fn settle_keys(
    conn: &mut DbConnection,
    actor: &Actor,
    by_name: &str,
    member: &User,
    leaving: Leaving,
    answer: &KeysAnswer,
) -> QueryResult<Result<String, KeysQuestion>> {
    let keys = leaver_keys::keys_of(conn, actor.workspace_id, member.id)?;
    if keys.is_empty() {
        return Ok(Ok(String::new()));
    }
    let count = keys.len();
    let their_keys = if count == 1 {
        "Their key".to_string()
    } else {
        format!("Their {count} keys")
    };
    match &answer.0 {
        None => Ok(Err(KeysQuestion::new(member, leaving, &keys, None))),
        Some(Err(unknown)) => Ok(Err(KeysQuestion::new(
            member,
            leaving,
            &keys,
            Some(unknown.to_string()),
        ))),
        Some(Ok(KeysChoice::Keep)) => Ok(Ok(if count == 1 {
            format!("{their_keys} keeps working; admins manage it now.")
        } else {
            format!("{their_keys} keep working; admins manage them now.")
        })),
        Some(Ok(KeysChoice::Disable)) => {
            leaver_keys::disable_all(conn, actor, by_name, &member.name, &keys, leaving)?;
            Ok(Ok(format!(
                "{their_keys} {} disabled.",
                if count == 1 { "was" } else { "were" }
            )))
        }
    }
}

/// One key of the member, as the question lists it.
pub struct LeaverKey {
    pub name: String,
    pub masked: String,
    /// "3 days ago" with the exact time, or `None` for "Never used".
    pub last_used: Option<(String, String)>,
    pub disabled: bool,
}

/// Everything the question page needs, read inside the change's transaction.
pub struct KeysQuestion {
    member_id: i32,
    member_name: String,
    leaving: Leaving,
    keys: Vec<LeaverKey>,
    error: Option<String>,
}

impl KeysQuestion {
    pub fn new(member: &User, leaving: Leaving, keys: &[ApiKey], error: Option<String>) -> Self {
        let now = crate::db::now();
        Self {
            member_id: member.id,
            member_name: member.name.clone(),
            leaving,
            keys: keys
                .iter()
                .map(|k| LeaverKey {
                    name: k.name.clone(),
                    masked: masked(&k.last4),
                    last_used: k
                        .last_used_at
                        .map(|t| (format::relative(t, now), format::exact(t))),
                    disabled: k.disabled_at.is_some(),
                })
                .collect(),
            error,
        }
    }
}

#[derive(Template)]
#[template(path = "settings/leaver_keys.html")]
struct LeaverKeysTemplate {
    ctx: PageContext,
    member_name: String,
    /// Where the form posts again: the same action as the first POST.
    action: String,
    /// The hidden field the access switch needs ("enabled=false"), if any.
    turning_off: bool,
    button: &'static str,
    intro: String,
    keys: Vec<LeaverKey>,
    error: Option<String>,
}

/// The question as a page: 200, or 422 when the answer given was not a choice.
pub fn keys_question_page(
    viewer: &Viewer,
    question: KeysQuestion,
) -> Result<HttpResponse, AppError> {
    let name = &question.member_name;
    let id = question.member_id;
    let count = question.keys.len();
    let keys = if count == 1 {
        "1 API key".to_string()
    } else {
        format!("{count} API keys")
    };
    let (title, action, button, intro) = match question.leaving {
        Leaving::AccessTurnedOff => (
            format!("Turn off API access for {name}?"),
            format!("/settings/team/members/{id}/api-access"),
            "Turn off API access",
            format!(
                "{name} created {keys} that still {}. Once their access is off, {name} can no longer see or manage {}.",
                if count == 1 { "exists" } else { "exist" },
                if count == 1 { "it" } else { "them" }
            ),
        ),
        Leaving::Removed => (
            format!("Remove {name}?"),
            format!("/settings/team/members/{id}/remove"),
            "Remove member",
            format!(
                "{name} is logged out at once. They created {keys} that still {}.",
                if count == 1 { "exists" } else { "exist" }
            ),
        ),
    };
    let status = if question.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with_status(
        &LeaverKeysTemplate {
            ctx: PageContext::new(viewer, &title, SettingsTab::Team)?,
            member_name: question.member_name,
            action,
            turning_off: question.leaving == Leaving::AccessTurnedOff,
            button,
            intro,
            keys: question.keys,
            error: question.error,
        },
        status,
    )
}

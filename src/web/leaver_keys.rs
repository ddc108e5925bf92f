//! The question asked before a member's API access ends (access turned off, or removed)
//! when they created keys: "Keep them working" (the default) or "Disable them". Without
//! JS it is the answer to the first POST; the page posts again with `keys=keep|disable`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::auth::Viewer;
use crate::domain::api_key::masked;
use crate::error::AppError;
use crate::format;
use crate::models::api_key::ApiKey;
use crate::models::user::User;
use crate::templates::{PageContext, SettingsTab, render_with_status};
use crate::use_cases::leaver_keys::Leaving;

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

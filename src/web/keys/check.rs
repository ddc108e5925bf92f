//! "Check a key": does a pasted key work, and which entry is it? The answer never
//! contains the key itself.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::key_scope;
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::{PlainKey, masked};
use crate::error::AppError;
use crate::format;
use crate::models::api_key;
use crate::templates::{PageContext, SettingsTab, render_with_status};

pub struct Verdict {
    pub ok: bool,
    pub title: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "keys/check.html")]
struct CheckTemplate {
    ctx: PageContext,
    verdict: Option<Verdict>,
}

pub async fn check_page(viewer: Viewer) -> Result<HttpResponse, AppError> {
    key_scope(&viewer)?;
    render_with_status(
        &CheckTemplate {
            ctx: PageContext::new(&viewer, "Check a key", SettingsTab::Integrations)?,
            verdict: None,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct CheckForm {
    #[serde(default)]
    key: String,
}

pub async fn check_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<CheckForm>,
) -> Result<HttpResponse, AppError> {
    let scope = key_scope(&viewer)?;
    let verdict = match PlainKey::parse(&form.key) {
        Err(problem) => Verdict {
            ok: false,
            title: "This key would be refused".into(),
            detail: problem.to_string(),
        },
        Ok(plain) => {
            let digest = plain.digest();
            let found = state
                .db(move |conn| Ok(api_key::find_by_digest(conn, &digest)?))
                .await?;
            let now = crate::db::now();
            match found {
                Some((key, previous))
                    if key.workspace_id == scope.workspace_id
                        && scope.only_created_by.is_none_or(|me| key.created_by == Some(me)) =>
                {
                    let used = match key.last_used_at {
                        Some(t) => format!("last used {} ({})", format::relative(t, now), format::exact(t)),
                        None => "never used".into(),
                    };
                    let entry = format!("\"{}\" ({})", key.name, masked(&key.last4));
                    let access = format!("Its access: {}.", key.grants().describe());
                    if let Some(at) = key.disabled_at {
                        Verdict {
                            ok: false,
                            title: format!("{entry} is disabled"),
                            detail: format!(
                                "{} disabled it on {}, so requests with it are refused until it is enabled again. It was {used}. {access}",
                                key.disabled_by_name.as_deref().unwrap_or("An admin"),
                                format::exact(at)
                            ),
                        }
                    } else if key.is_expired(now) {
                        Verdict {
                            ok: false,
                            title: format!("{entry} has expired"),
                            detail: format!(
                                "It expired on {}, so requests with it are refused. Regenerate it to issue a new secret.",
                                key.expires_at.map(format::exact).unwrap_or_default()
                            ),
                        }
                    } else if previous {
                        match key.grace_until(now) {
                            Some(until) => Verdict {
                                ok: true,
                                title: format!("This is the previous secret of {entry}"),
                                detail: format!(
                                    "It still works until {} ({}), then only the new secret does. Update the integration. The key was {used}. {access}",
                                    format::exact(until),
                                    format::relative(until, now)
                                ),
                            },
                            None => Verdict {
                                ok: false,
                                title: format!("This secret of {entry} was replaced"),
                                detail: "The key was regenerated and this old secret no longer works. Use the new secret.".into(),
                            },
                        }
                    } else {
                        Verdict {
                            ok: true,
                            title: format!("This key works: {entry}"),
                            detail: format!("It was {used}. {access}"),
                        }
                    }
                }
                _ => Verdict {
                    ok: false,
                    title: "No key you can see matches".into(),
                    detail: "It was deleted or regenerated, or it belongs to someone else. Generate a new key and update the integration.".into(),
                },
            }
        }
    };
    render_with_status(
        &CheckTemplate {
            ctx: PageContext::new(&viewer, "Check a key", SettingsTab::Integrations)?,
            verdict: Some(verdict),
        },
        StatusCode::OK,
    )
}

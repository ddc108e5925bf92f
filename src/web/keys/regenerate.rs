//! "Regenerate": the same entry gets a new secret, shown once; the old one stops
//! working at once or after a grace period.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::Connection;
use serde::Deserialize;
use time::Duration;

use super::reveal::{RevealTemplate, already_submitted, reveal};
use super::{key_scope, visible_key};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::{PlainKey, masked};
use crate::domain::form_token::FormToken;
use crate::error::AppError;
use crate::format;
use crate::models::api_key;
use crate::models::audit::{self, Action, key_label};
use crate::models::{form_nonce, workspace};
use crate::templates::{PageContext, SettingsTab, render_with_status};

#[derive(Template)]
#[template(path = "keys/regenerate.html")]
struct RegenerateTemplate {
    ctx: PageContext,
    id: i32,
    name: String,
    masked: String,
    form_token: String,
    error: Option<String>,
}

/// The confirmation page of "Regenerate", with a fresh one-time token.
async fn render_regenerate(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(state, viewer, id).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_with_status(
        &RegenerateTemplate {
            ctx: PageContext::new(viewer, "Regenerate key", SettingsTab::Integrations)?,
            id,
            name: key.name,
            masked: masked(&key.last4),
            form_token: FormToken::issue().to_string(),
            error,
        },
        status,
    )
}

pub async fn regenerate_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    render_regenerate(&state, &viewer, id.into_inner(), None).await
}

#[derive(Deserialize)]
pub struct RegenerateForm {
    #[serde(default)]
    grace_hours: String,
    #[serde(default)]
    form_token: String,
}

enum Regenerated {
    Done { name: String, old_last4: String },
    AlreadySubmitted,
    NotFound,
}

pub async fn regenerate_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<RegenerateForm>,
) -> Result<HttpResponse, AppError> {
    let scope = key_scope(&viewer)?;
    let id = id.into_inner();
    let grace_hours: i64 = match form.grace_hours.as_str() {
        "" | "0" => 0,
        "1" => 1,
        "24" => 24,
        _ => return Err(AppError::NotFound),
    };
    let token = match FormToken::parse(&form.form_token) {
        Ok(token) => token,
        Err(stale) => return render_regenerate(&state, &viewer, id, Some(stale.to_string())).await,
    };
    let plain = PlainKey::generate();
    let (digest, last4) = (plain.digest(), plain.last4());
    let actor = viewer.actor();
    let nonce = token.to_string();
    let outcome = state
        .db(move |conn| {
            Ok(
                conn.transaction(|conn| -> Result<Regenerated, diesel::result::Error> {
                    workspace::lock_for_writing(conn, scope.workspace_id)?;
                    let Some(key) = api_key::find_visible(conn, scope, id)? else {
                        return Ok(Regenerated::NotFound);
                    };
                    if !form_nonce::consume(conn, &nonce)? {
                        return Ok(Regenerated::AlreadySubmitted);
                    }
                    let grace_until =
                        (grace_hours > 0).then(|| crate::db::now() + Duration::hours(grace_hours));
                    api_key::regenerate(conn, &key, digest, &last4, grace_until)?;
                    let detail = match grace_until {
                        Some(t) => format!(
                            "New secret {}; the old one ({}) works until {}",
                            masked(&last4),
                            masked(&key.last4),
                            format::exact(t)
                        ),
                        None => format!(
                            "New secret {}; the old one ({}) stopped working at once",
                            masked(&last4),
                            masked(&key.last4)
                        ),
                    };
                    audit::record(
                        conn,
                        &actor,
                        Action::KeyRegenerated,
                        &key_label(&key.name, &key.last4),
                        &detail,
                    )?;
                    Ok(Regenerated::Done {
                        name: key.name,
                        old_last4: key.last4,
                    })
                })?,
            )
        })
        .await?;
    match outcome {
        Regenerated::Done { name, old_last4 } => reveal(&RevealTemplate {
            ctx: PageContext::new(&viewer, "New secret", SettingsTab::Integrations)?,
            key_name: &name,
            secret: plain.expose(),
            regenerated: true,
            old_secret: if grace_hours > 0 {
                format!(
                    "The old secret ({}) keeps working for {} hour{}; update your integration before then.",
                    masked(&old_last4),
                    grace_hours,
                    if grace_hours == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "The old secret ({}) has stopped working.",
                    masked(&old_last4)
                )
            },
        }),
        Regenerated::AlreadySubmitted => already_submitted(&viewer),
        Regenerated::NotFound => Err(AppError::NotFound),
    }
}

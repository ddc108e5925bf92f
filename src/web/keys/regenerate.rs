//! "Regenerate": the same entry gets a new secret, shown once; the old one stops
//! working at once or after a grace period.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use super::reveal::{RevealTemplate, already_submitted, reveal};
use super::{key_scope, visible_key};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::{PlainKey, masked};
use crate::domain::form_token::FormToken;
use crate::domain::key_policy::PolicyRefusal;
use crate::domain::key_settings::Expiry;
use crate::error::AppError;
use crate::format;
use crate::models::api_key;
use crate::models::audit::{self, Action, key_label};
use crate::models::{form_nonce, key_policy};
use crate::templates::{PageContext, SettingsTab, render_with_status};
use crate::use_cases::permitted;

#[derive(Template)]
#[template(path = "keys/regenerate.html")]
struct RegenerateTemplate {
    ctx: PageContext,
    id: i32,
    name: String,
    masked: String,
    form_token: String,
    error: Option<String>,
    /// The key policy's rule, when it limits the lifetime; the form then asks for an expiry.
    lifetime_rule: Option<String>,
    expiry_choices: Vec<(&'static str, &'static str)>,
    expiry: String,
    expiry_error: Option<String>,
}

/// What the confirmation page shows besides the key: a refusal, and the expiry chosen.
#[derive(Default)]
struct Refusal {
    form: Option<String>,
    expiry: Option<String>,
    /// The expiry as submitted, kept when the page is shown again.
    chosen_expiry: Option<String>,
}

/// The confirmation page of "Regenerate", with a fresh one-time token.
async fn render_regenerate(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    refusal: Refusal,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(state, viewer, id).await?;
    let workspace_id = viewer.user.workspace_id;
    let policy = state
        .db(move |conn| Ok(key_policy::of(conn, workspace_id)?))
        .await?;
    let status = if refusal.form.is_some() || refusal.expiry.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // Preselected: what was submitted, else the key's own expiry if the policy allows it,
    // else the longest the policy allows.
    let own = key
        .expires_in_days
        .map_or_else(|| "never".to_string(), |d| d.to_string());
    let choices = policy.expiry_choices();
    let expiry = refusal.chosen_expiry.unwrap_or_else(|| {
        if choices.iter().any(|(value, _)| *value == own) {
            own
        } else {
            policy.default_expiry().to_string()
        }
    });
    render_with_status(
        &RegenerateTemplate {
            ctx: PageContext::new(viewer, "Regenerate key", SettingsTab::Integrations)?,
            id,
            name: key.name,
            masked: masked(&key.last4),
            form_token: FormToken::issue().to_string(),
            error: refusal.form,
            lifetime_rule: policy.lifetime_rule(),
            expiry_choices: choices,
            expiry,
            expiry_error: refusal.expiry,
        },
        status,
    )
}

pub async fn regenerate_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    render_regenerate(&state, &viewer, id.into_inner(), Refusal::default()).await
}

#[derive(Deserialize)]
pub struct RegenerateForm {
    #[serde(default)]
    grace_hours: String,
    /// Shown when the key policy limits the lifetime; empty keeps the key's own expiry.
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    form_token: String,
}

enum Regenerated {
    Done { name: String, old_last4: String },
    AlreadySubmitted,
    OutOfPolicy(PolicyRefusal),
    NotFound,
}

pub async fn regenerate_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<RegenerateForm>,
) -> Result<HttpResponse, AppError> {
    let scope = key_scope(&viewer)?;
    let user_id = viewer.user.id;
    let id = id.into_inner();
    let grace_hours: i64 = match form.grace_hours.as_str() {
        "" | "0" => 0,
        "1" => 1,
        "24" => 24,
        _ => return Err(AppError::NotFound),
    };
    let chosen_expiry = (!form.expiry.is_empty()).then(|| form.expiry.clone());
    let expiry = match form.expiry.as_str() {
        "" => None,
        raw => match Expiry::parse(raw) {
            Ok(expiry) => Some(expiry),
            Err(unknown) => {
                let refusal = Refusal {
                    expiry: Some(unknown.to_string()),
                    ..Refusal::default()
                };
                return render_regenerate(&state, &viewer, id, refusal).await;
            }
        },
    };
    let token = match FormToken::parse(&form.form_token) {
        Ok(token) => token,
        Err(stale) => {
            let refusal = Refusal {
                form: Some(stale.to_string()),
                chosen_expiry,
                ..Refusal::default()
            };
            return render_regenerate(&state, &viewer, id, refusal).await;
        }
    };
    let plain = PlainKey::generate();
    let (digest, last4) = (plain.digest(), plain.last4());
    let actor = viewer.actor();
    let nonce = token.to_string();
    let outcome = state
        .db(move |conn| {
            Ok(permitted::keys(
                conn,
                scope.workspace_id,
                user_id,
                |conn, scope| -> Result<Regenerated, diesel::result::Error> {
                    let Some(key) = api_key::find_visible(conn, scope, id)? else {
                        return Ok(Regenerated::NotFound);
                    };
                    // Checked under the lock: no save of the policy can slip in between.
                    let policy = key_policy::of(conn, scope.workspace_id)?;
                    let expiry = expiry.unwrap_or(Expiry(
                        key.expires_in_days.and_then(|d| u16::try_from(d).ok()),
                    ));
                    if let Err(refusal) = policy.check_expiry(expiry) {
                        return Ok(Regenerated::OutOfPolicy(refusal));
                    }
                    if !form_nonce::consume(conn, &nonce)? {
                        return Ok(Regenerated::AlreadySubmitted);
                    }
                    let grace_until =
                        (grace_hours > 0).then(|| crate::db::now() + Duration::hours(grace_hours));
                    api_key::regenerate(
                        conn,
                        &key,
                        digest,
                        &last4,
                        grace_until,
                        expiry.0.map(i32::from),
                    )?;
                    let mut detail = match grace_until {
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
                    let new_days = expiry.0.map(i32::from);
                    if new_days != key.expires_in_days {
                        detail.push_str(&match new_days {
                            Some(days) => format!("; now expires {days} days after regenerating"),
                            None => "; now never expires".into(),
                        });
                    }
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
                },
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?;
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
        Regenerated::OutOfPolicy(refusal) => {
            let refusal = Refusal {
                expiry: Some(refusal.to_string()),
                chosen_expiry,
                ..Refusal::default()
            };
            render_regenerate(&state, &viewer, id, refusal).await
        }
        Regenerated::NotFound => Err(AppError::NotFound),
    }
}

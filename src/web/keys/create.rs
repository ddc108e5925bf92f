//! "Generate" → "Create Key": the form, and the one page that shows the new secret, once.
//! "Regenerate" (in `regenerate.rs`) ends on that same page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::Connection;
use rand::distr::{Alphanumeric, SampleString};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::key_scope;
use crate::auth::Viewer;
use crate::domain::Name;
use crate::domain::api_key::PlainKey;
use crate::domain::key_settings::{AccessLevel, AllowedIps, Expiry, parse_note};
use crate::error::AppError;
use crate::format;
use crate::models::api_key::{self, NewApiKey, key_label};
use crate::models::audit::{self, Action};
use crate::startup::AppState;
use crate::templates::{PageContext, SettingsTab, render_with_status};

/// Keys a workspace may hold.
pub const MAX_KEYS_PER_WORKSPACE: i64 = 500;
/// A "Create Key" or "Regenerate" form older than this must be reopened.
const FORM_TOKEN_MAX_AGE: i64 = 24 * 3600;

/// A one-time token for a form: issue time and randomness. It is recorded when
/// used, so a reload or a second click is recognised and creates nothing.
pub(super) fn new_form_token() -> String {
    format!(
        "{}.{}",
        OffsetDateTime::now_utc().unix_timestamp(),
        Alphanumeric.sample_string(&mut rand::rng(), 24)
    )
}

pub(super) fn form_token_is_fresh(token: &str) -> bool {
    let Some((issued, random)) = token.split_once('.') else {
        return false;
    };
    let Ok(issued) = issued.parse::<i64>() else {
        return false;
    };
    let age = OffsetDateTime::now_utc().unix_timestamp() - issued;
    random.len() == 24
        && random.chars().all(|c| c.is_ascii_alphanumeric())
        && (-60..FORM_TOKEN_MAX_AGE).contains(&age)
}

pub(super) const STALE_FORM: &str =
    "This form was open for more than a day. Check the details and click the button again.";

#[derive(Default, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub allowed_ips: String,
    #[serde(default)]
    pub expiry: String,
    #[serde(default)]
    pub form_token: String,
}

#[derive(Default)]
pub struct KeyFormErrors {
    pub name: Option<String>,
    pub note: Option<String>,
    pub access: Option<String>,
    pub allowed_ips: Option<String>,
    pub expiry: Option<String>,
    pub form: Option<String>,
}

#[derive(Template)]
#[template(path = "keys/new.html")]
struct NewKeyTemplate<'a> {
    ctx: PageContext,
    form: &'a KeyForm,
    errors: KeyFormErrors,
    expiry_choices: [(&'static str, &'static str); 5],
}

#[derive(Template)]
#[template(path = "keys/reveal.html")]
pub(super) struct RevealTemplate<'a> {
    pub(super) ctx: PageContext,
    pub(super) key_name: &'a str,
    pub(super) secret: &'a str,
    pub(super) regenerated: bool,
    pub(super) old_secret: String,
}

#[derive(Template)]
#[template(path = "keys/already_submitted.html")]
struct AlreadySubmittedTemplate {
    ctx: PageContext,
}

fn render_form(
    viewer: &Viewer,
    form: &KeyForm,
    errors: KeyFormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let template = NewKeyTemplate {
        ctx: PageContext::new(viewer, "Generate an API key", SettingsTab::Integrations)?,
        form,
        errors,
        expiry_choices: Expiry::CHOICES,
    };
    render_with_status(&template, status)
}

pub async fn new_key_page(viewer: Viewer) -> Result<HttpResponse, AppError> {
    key_scope(&viewer)?;
    let form = KeyForm {
        access: "full".into(),
        expiry: "never".into(),
        form_token: new_form_token(),
        ..KeyForm::default()
    };
    render_form(&viewer, &form, KeyFormErrors::default(), StatusCode::OK)
}

/// A secret is shown only in this response, never cached.
pub(super) fn reveal(template: &RevealTemplate<'_>) -> Result<HttpResponse, AppError> {
    let mut response = render_with_status(template, StatusCode::OK)?;
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

pub(super) fn already_submitted(viewer: &Viewer) -> Result<HttpResponse, AppError> {
    let template = AlreadySubmittedTemplate {
        ctx: PageContext::new(viewer, "Already submitted", SettingsTab::Integrations)?,
    };
    render_with_status(&template, StatusCode::CONFLICT)
}

enum Created {
    Key,
    AlreadySubmitted,
    NameTaken,
    LimitReached,
}

pub async fn create_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(mut form): web::Form<KeyForm>,
) -> Result<HttpResponse, AppError> {
    let scope = key_scope(&viewer)?;
    let mut errors = KeyFormErrors::default();
    let name = Name::parse(&form.name)
        .map_err(|e| errors.name = Some(e.to_string()))
        .ok();
    let note = parse_note(&form.note)
        .map_err(|e| errors.note = Some(e))
        .ok();
    let access = AccessLevel::parse(&form.access);
    if access.is_none() {
        errors.access = Some("Choose Full access or Read only.".into());
    }
    let allowed_ips = AllowedIps::parse(&form.allowed_ips)
        .map_err(|e| errors.allowed_ips = Some(e))
        .ok();
    let expiry = Expiry::parse(&form.expiry);
    if expiry.is_none() {
        errors.expiry = Some("Choose when the key expires.".into());
    }
    if !form_token_is_fresh(&form.form_token) {
        form.form_token = new_form_token();
        errors.form = Some(STALE_FORM.into());
    }
    let (Some(name), Some(note), Some(access), Some(allowed_ips), Some(expiry), None) =
        (name, note, access, allowed_ips, expiry, &errors.form)
    else {
        return render_form(&viewer, &form, errors, StatusCode::UNPROCESSABLE_ENTITY);
    };

    let plain = PlainKey::generate();
    let (digest, last4) = (plain.digest(), plain.last4());
    let actor = viewer.actor();
    let creator_name = viewer.user.name.clone();
    let user_id = viewer.user.id;
    let nonce = form.form_token.clone();
    let key_name = name.clone();
    let outcome = state
        .db(move |conn| {
            Ok(
                conn.transaction(|conn| -> Result<Created, diesel::result::Error> {
                    // A resubmission is recognised first (its key now holds the name);
                    // the token is only spent once the key is made, so a form refused
                    // for its name or the limit can be corrected and sent again.
                    if api_key::nonce_used(conn, &nonce)? {
                        return Ok(Created::AlreadySubmitted);
                    }
                    if api_key::count_in_workspace(conn, scope.workspace_id)?
                        >= MAX_KEYS_PER_WORKSPACE
                    {
                        return Ok(Created::LimitReached);
                    }
                    if api_key::name_taken(conn, scope.workspace_id, key_name.as_str(), None)? {
                        return Ok(Created::NameTaken);
                    }
                    if !api_key::consume_nonce(conn, &nonce)? {
                        return Ok(Created::AlreadySubmitted);
                    }
                    let expires_at = expiry
                        .0
                        .map(|days| crate::db::now() + Duration::days(days.into()));
                    api_key::insert(
                        conn,
                        &NewApiKey {
                            workspace_id: scope.workspace_id,
                            created_by: user_id,
                            created_by_name: &creator_name,
                            name: key_name.as_str(),
                            note: &note,
                            digest,
                            last4: &last4,
                            read_only: access == AccessLevel::ReadOnly,
                            allowed_ips: &allowed_ips.to_stored(),
                            expires_in_days: expiry.0.map(i32::from),
                            expires_at,
                        },
                    )?;
                    let detail = format!(
                        "{}; {}; {}",
                        access.label(),
                        match expires_at {
                            Some(t) => format!("expires {}", format::exact(t)),
                            None => "never expires".into(),
                        },
                        if allowed_ips.is_empty() {
                            "any address".to_string()
                        } else {
                            format!("only from {}", allowed_ips.display())
                        }
                    );
                    audit::record(
                        conn,
                        &actor,
                        Action::KeyCreated,
                        &key_label(key_name.as_str(), &last4),
                        &detail,
                    )?;
                    Ok(Created::Key)
                })?,
            )
        })
        .await;
    let outcome = match outcome {
        // Two submissions racing on the name's unique index: same answer as the check.
        Err(AppError::Internal(e)) if is_unique_violation(&e) => Created::NameTaken,
        other => other?,
    };
    match outcome {
        Created::Key => reveal(&RevealTemplate {
            ctx: PageContext::new(&viewer, "Your new API key", SettingsTab::Integrations)?,
            key_name: name.as_str(),
            secret: plain.expose(),
            regenerated: false,
            old_secret: String::new(),
        }),
        Created::AlreadySubmitted => already_submitted(&viewer),
        Created::NameTaken => {
            errors.name = Some(format!(
                "A key named \"{}\" already exists in this workspace. Choose another name, e.g. \"{} 2\".",
                name, name
            ));
            render_form(&viewer, &form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Created::LimitReached => {
            errors.form = Some(format!(
                "This workspace has reached the limit of {MAX_KEYS_PER_WORKSPACE} API keys. Delete keys that are no longer used, then try again."
            ));
            render_form(&viewer, &form, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

fn is_unique_violation(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<diesel::result::Error>(),
        Some(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_tokens_are_fresh_for_a_day() {
        assert!(form_token_is_fresh(&new_form_token()));
        let old = format!(
            "{}.{}",
            OffsetDateTime::now_utc().unix_timestamp() - 2 * 86_400,
            "a".repeat(24)
        );
        assert!(!form_token_is_fresh(&old));
        assert!(!form_token_is_fresh("garbage"));
        assert!(!form_token_is_fresh(""));
    }
}

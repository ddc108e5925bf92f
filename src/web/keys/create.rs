//! "Generate" → "Create Key": the form, its checks, and the new key (shown once by `reveal`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use std::collections::BTreeMap;

use super::access::{ResourceChoice, parse_access, resource_choices};
use super::key_scope;
use super::reveal::{RevealTemplate, already_submitted, reveal};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::PlainKey;
use crate::domain::form_token::FormToken;
use crate::domain::key_access::KeyAccess;
use crate::domain::key_policy::KeyPolicy;
use crate::domain::key_settings::{AllowedIps, Expiry};
use crate::domain::{Name, Note};
use crate::error::AppError;
use crate::format;
use crate::models::api_key::{self, NewApiKey};
use crate::models::audit::{self, Action, key_label};
use crate::models::{form_nonce, key_policy};
use crate::templates::{PageContext, SettingsTab, render_with_status};
use crate::use_cases::permitted;
use crate::web::form::FieldErrors;

/// Keys a workspace may hold.
pub const MAX_KEYS_PER_WORKSPACE: i64 = 500;

#[derive(Default, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub access: String,
    /// The "Verify keys" checkbox: "on" when ticked, absent otherwise.
    #[serde(default)]
    pub verify_keys: String,
    #[serde(default)]
    pub allowed_ips: String,
    #[serde(default)]
    pub expiry: String,
    #[serde(default)]
    pub form_token: String,
    /// The `scope_<resource>` levels of a Custom key (and any other field, such as the
    /// CSRF token), kept as typed.
    #[serde(flatten)]
    pub levels: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "keys/new.html")]
struct NewKeyTemplate<'a> {
    ctx: PageContext,
    form: &'a KeyForm,
    /// Whether "Verify keys" shows ticked: as submitted, unticked when unreadable.
    verify_keys: bool,
    errors: FieldErrors,
    choices: Vec<ResourceChoice>,
    /// The expiries the key policy allows (all of them without a policy).
    expiry_choices: Vec<(&'static str, &'static str)>,
    /// The key policy's lifetime rule, stated before the expiry field.
    lifetime_rule: Option<String>,
    note_required: bool,
}

fn render_form(
    viewer: &Viewer,
    form: &KeyForm,
    policy: &KeyPolicy,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let template = NewKeyTemplate {
        ctx: PageContext::new(viewer, "Generate an API key", SettingsTab::Integrations)?,
        form,
        verify_keys: KeyAccess::parse_verify(&form.verify_keys).unwrap_or(false),
        choices: resource_choices(&form.levels, &errors),
        errors,
        expiry_choices: policy.expiry_choices(),
        lifetime_rule: policy.lifetime_rule(),
        note_required: policy.require_note,
    };
    render_with_status(&template, status)
}

/// The workspace's key policy, read for a form.
async fn policy_of(state: &AppState, viewer: &Viewer) -> Result<KeyPolicy, AppError> {
    let workspace_id = viewer.user.workspace_id;
    state
        .db(move |conn| Ok(key_policy::of(conn, workspace_id)?))
        .await
}

pub async fn new_key_page(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    key_scope(&viewer)?;
    let policy = policy_of(&state, &viewer).await?;
    let form = KeyForm {
        access: "full".into(),
        expiry: policy.default_expiry().into(),
        form_token: FormToken::issue().to_string(),
        ..KeyForm::default()
    };
    render_form(
        &viewer,
        &form,
        &policy,
        FieldErrors::default(),
        StatusCode::OK,
    )
}

enum Created {
    Key,
    AlreadySubmitted,
    NameTaken,
    LimitReached,
    /// The policy changed between the form's check and the write.
    OutOfPolicy(KeyPolicy),
}

/// Adds the key policy's refusals (expiry, note) to `errors`; true when there were any.
fn check_policy(
    policy: &KeyPolicy,
    expiry: Option<Expiry>,
    note: Option<&Note>,
    errors: &mut FieldErrors,
) -> bool {
    let mut refused = false;
    if let Some(Err(refusal)) = expiry.map(|e| policy.check_expiry(e)) {
        errors.add("expiry", refusal.to_string());
        refused = true;
    }
    if let Some(Err(refusal)) = note.map(|n| policy.check_note(n.as_str())) {
        errors.add("note", refusal.to_string());
        refused = true;
    }
    refused
}

pub async fn create_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(mut form): web::Form<KeyForm>,
) -> Result<HttpResponse, AppError> {
    let scope = key_scope(&viewer)?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", Name::parse(&form.name));
    let note = errors.check("note", Note::parse(&form.note));
    let access = parse_access(&form.access, &form.levels, &form.verify_keys, &mut errors);
    let allowed_ips = errors.check("allowed_ips", AllowedIps::parse(&form.allowed_ips));
    let expiry = errors.check("expiry", Expiry::parse(&form.expiry));
    let token = errors.check("form", FormToken::parse(&form.form_token));
    let policy = policy_of(&state, &viewer).await?;
    check_policy(&policy, expiry, note.as_ref(), &mut errors);
    let (Some(name), Some(note), Some(access), Some(allowed_ips), Some(expiry), Some(token)) =
        (name, note, access, allowed_ips, expiry, token)
    else {
        if errors.has("form") {
            form.form_token = FormToken::issue().to_string();
        }
        return render_form(
            &viewer,
            &form,
            &policy,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    if !errors.is_empty() {
        return render_form(
            &viewer,
            &form,
            &policy,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }

    let plain = PlainKey::generate();
    let (digest, last4) = (plain.digest(), plain.last4());
    let actor = viewer.actor();
    let creator_name = viewer.user.name.clone();
    let user_id = viewer.user.id;
    let nonce = token.to_string();
    let key_name = name.clone();
    let note_kept = note.clone();
    let outcome = state
        .db(move |conn| {
            Ok(permitted::keys(
                conn,
                scope.workspace_id,
                user_id,
                |conn, scope| -> Result<Created, diesel::result::Error> {
                    // A resubmission is recognised first (its key now holds the name);
                    // the token is only spent once the key is made, so a form refused
                    // for its name or the limit can be corrected and sent again.
                    if form_nonce::used(conn, &nonce)? {
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
                    // Checked again under the lock: the form's check may predate a save.
                    let policy = key_policy::of(conn, scope.workspace_id)?;
                    if policy.check_expiry(expiry).is_err()
                        || policy.check_note(note.as_str()).is_err()
                    {
                        return Ok(Created::OutOfPolicy(policy));
                    }
                    if !form_nonce::consume(conn, &nonce)? {
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
                            note: note.as_str(),
                            digest,
                            last4: &last4,
                            access,
                            allowed_ips: &allowed_ips.to_stored(),
                            expires_in_days: expiry.0.map(i32::from),
                            expires_at,
                        },
                    )?;
                    let detail = format!(
                        "{}; {}; {}",
                        access.describe(),
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
                },
            )?)
        })
        .await;
    let outcome = match outcome {
        // Two submissions racing on the name's unique index: same answer as the check.
        Err(AppError::Internal(e)) if is_unique_violation(&e) => Created::NameTaken,
        other => other?.ok_or(AppError::Forbidden)?,
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
            errors.add(
                "name",
                format!(
                    "A key named \"{name}\" already exists in this workspace. Choose another name, e.g. \"{name} 2\"."
                ),
            );
            render_form(
                &viewer,
                &form,
                &policy,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Created::OutOfPolicy(policy) => {
            check_policy(&policy, Some(expiry), Some(&note_kept), &mut errors);
            render_form(
                &viewer,
                &form,
                &policy,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Created::LimitReached => {
            errors.add(
                "form",
                format!(
                    "This workspace has reached the limit of {MAX_KEYS_PER_WORKSPACE} API keys. Delete keys that are no longer used, then try again."
                ),
            );
            render_form(
                &viewer,
                &form,
                &policy,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
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

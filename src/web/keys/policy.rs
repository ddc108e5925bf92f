//! "Key policy" (admins): the workspace's maximum key lifetime, the threshold after which
//! unused keys are disabled, and whether every key needs a note. Saving is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::key_policy::{
    KeyPolicy, LIFETIME_CHOICES, UNUSED_CHOICES, parse_lifetime, parse_unused_limit,
};
use crate::error::AppError;
use crate::format;
use crate::models::audit::{self, Action};
use crate::models::key_policy::{self as stored_policy, KeyPolicyRow};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::permitted;
use crate::web::form::FieldErrors;

#[derive(Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    max_lifetime: String,
    #[serde(default)]
    disable_unused: String,
    /// The checkbox: "true" when ticked, absent otherwise.
    #[serde(default)]
    require_note: String,
}

impl PolicyForm {
    fn of(policy: &KeyPolicy) -> Self {
        Self {
            max_lifetime: policy.lifetime_value(),
            disable_unused: policy.unused_value(),
            require_note: if policy.require_note { "true" } else { "" }.into(),
        }
    }
}

/// The checkbox sent something a browser never sends.
#[derive(Debug, thiserror::Error)]
#[error("Tick the box to require a note, or leave it empty.")]
struct NotACheckbox;

fn parse_checkbox(raw: &str) -> Result<bool, NotACheckbox> {
    match raw {
        "" => Ok(false),
        "true" => Ok(true),
        _ => Err(NotACheckbox),
    }
}

#[derive(Template)]
#[template(path = "keys/policy.html")]
struct PolicyTemplate<'a> {
    ctx: PageContext,
    form: &'a PolicyForm,
    errors: FieldErrors,
    lifetime_choices: [(&'static str, &'static str); 5],
    unused_choices: [(&'static str, &'static str); 5],
    /// "Last changed by Ada Lovelace on …", once a policy was saved.
    last_change: Option<String>,
}

async fn render_policy(
    state: &AppState,
    viewer: &Viewer,
    form: Option<&PolicyForm>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let workspace_id = viewer.user.workspace_id;
    let row: Option<KeyPolicyRow> = state
        .db(move |conn| Ok(stored_policy::find(conn, workspace_id)?))
        .await?;
    let current = PolicyForm::of(&row.as_ref().map(KeyPolicyRow::policy).unwrap_or_default());
    render_with_status(
        &PolicyTemplate {
            ctx: PageContext::new(viewer, "Key policy", SettingsTab::Integrations)?,
            form: form.unwrap_or(&current),
            errors,
            lifetime_choices: LIFETIME_CHOICES,
            unused_choices: UNUSED_CHOICES,
            last_change: row.map(|row| {
                format!(
                    "Last changed by {} on {}.",
                    row.updated_by_name,
                    format::exact(row.updated_at)
                )
            }),
        },
        status,
    )
}

pub async fn policy_page(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    render_policy(
        &state,
        &viewer,
        None,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn save_policy(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<PolicyForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let mut errors = FieldErrors::default();
    let lifetime = errors.check("max_lifetime", parse_lifetime(&form.max_lifetime));
    let unused = errors.check("disable_unused", parse_unused_limit(&form.disable_unused));
    let require_note = errors.check("require_note", parse_checkbox(&form.require_note));
    let (Some(max_lifetime_days), Some(auto_disable_unused_days), Some(require_note)) =
        (lifetime, unused, require_note)
    else {
        return render_policy(
            &state,
            &viewer,
            Some(&form),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let policy = KeyPolicy {
        max_lifetime_days,
        auto_disable_unused_days,
        require_note,
    };
    let actor = viewer.actor();
    let by_name = viewer.user.name.clone();
    let workspace_id = viewer.user.workspace_id;
    let changed = state
        .db(move |conn| {
            Ok(permitted::as_admin(
                conn,
                workspace_id,
                actor.user_id,
                |conn| -> Result<bool, diesel::result::Error> {
                    let before = stored_policy::of(conn, workspace_id)?;
                    let changes = policy.changes_from(&before);
                    if changes.is_empty() {
                        return Ok(false);
                    }
                    stored_policy::save(conn, workspace_id, &policy, &by_name, crate::db::now())?;
                    audit::record(conn, &actor, Action::PolicyChanged, "Key policy", &changes)?;
                    Ok(true)
                },
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?;
    viewer.session.set_flash(if changed {
        "Key policy saved."
    } else {
        "Key policy saved (nothing changed)."
    })?;
    Ok(see_other("/settings/integrations/policy"))
}

//! "Rename" and "Delete".

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use super::{key_scope, visible_key};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::masked;
use crate::domain::key_policy::{KeyPolicy, PolicyRefusal};
use crate::domain::{Name, Note};
use crate::error::AppError;
use crate::format;
use crate::models::api_key::{self, ApiKey};
use crate::models::audit::{self, Action, key_label};
use crate::models::key_policy;
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::permitted;
use crate::web::form::FieldErrors;

#[derive(Default, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "keys/rename.html")]
struct RenameTemplate<'a> {
    ctx: PageContext,
    id: i32,
    masked: String,
    form: &'a RenameForm,
    errors: FieldErrors,
    /// The key policy requires a note on every key.
    note_required: bool,
}

fn render_rename(
    viewer: &Viewer,
    key: &ApiKey,
    form: &RenameForm,
    policy: &KeyPolicy,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with_status(
        &RenameTemplate {
            ctx: PageContext::new(viewer, "Rename key", SettingsTab::Integrations)?,
            id: key.id,
            masked: masked(&key.last4),
            form,
            errors,
            note_required: policy.require_note,
        },
        status,
    )
}

/// The workspace's key policy, read for a form.
async fn policy_of(state: &AppState, viewer: &Viewer) -> Result<KeyPolicy, AppError> {
    let workspace_id = viewer.user.workspace_id;
    state
        .db(move |conn| Ok(key_policy::of(conn, workspace_id)?))
        .await
}

pub async fn rename_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(&state, &viewer, id.into_inner()).await?;
    let policy = policy_of(&state, &viewer).await?;
    let form = RenameForm {
        name: key.name.clone(),
        note: key.note.clone(),
    };
    render_rename(
        &viewer,
        &key,
        &form,
        &policy,
        FieldErrors::default(),
        StatusCode::OK,
    )
}

enum Renamed {
    Done,
    NameTaken,
    /// The policy changed between the form's check and the write.
    OutOfPolicy(KeyPolicy),
    NotFound,
}

pub async fn rename_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<RenameForm>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(&state, &viewer, id.into_inner()).await?;
    let mut errors = FieldErrors::default();
    let name = errors.check("name", Name::parse(&form.name));
    let note = errors.check("note", Note::parse(&form.note));
    let policy = policy_of(&state, &viewer).await?;
    if let Some(note) = &note {
        errors.check("note", policy.check_note(note.as_str()));
    }
    let (Some(name), Some(note)) = (name, note) else {
        return render_rename(
            &viewer,
            &key,
            &form,
            &policy,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    if !errors.is_empty() {
        return render_rename(
            &viewer,
            &key,
            &form,
            &policy,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    if name.as_str() == key.name && note.as_str() == key.note {
        return Ok(see_other("/settings/integrations"));
    }
    let scope = key_scope(&viewer)?;
    let user_id = viewer.user.id;
    let actor = viewer.actor();
    let (key_id, old_name, last4, old_note) = (
        key.id,
        key.name.clone(),
        key.last4.clone(),
        key.note.clone(),
    );
    let new_name = name.clone();
    let outcome = state
        .db(move |conn| {
            Ok(permitted::keys(
                conn,
                scope.workspace_id,
                user_id,
                |conn, scope| -> Result<Renamed, diesel::result::Error> {
                    let policy = key_policy::of(conn, scope.workspace_id)?;
                    if policy.check_note(note.as_str()).is_err() {
                        return Ok(Renamed::OutOfPolicy(policy));
                    }
                    if api_key::name_taken(
                        conn,
                        scope.workspace_id,
                        new_name.as_str(),
                        Some(key_id),
                    )? {
                        return Ok(Renamed::NameTaken);
                    }
                    // Checked visible above; zero rows means it was deleted meanwhile.
                    if api_key::rename(conn, key_id, new_name.as_str(), note.as_str())? == 0 {
                        return Ok(Renamed::NotFound);
                    }
                    let mut changes = Vec::new();
                    if new_name.as_str() != old_name {
                        changes.push(format!("\"{old_name}\" → \"{new_name}\""));
                    }
                    if note.as_str() != old_note {
                        changes.push("note changed".to_string());
                    }
                    audit::record(
                        conn,
                        &actor,
                        Action::KeyRenamed,
                        &key_label(new_name.as_str(), &last4),
                        &changes.join("; "),
                    )?;
                    Ok(Renamed::Done)
                },
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?;
    match outcome {
        Renamed::Done => {
            viewer.session.set_flash(format!("Saved \"{name}\"."))?;
            Ok(see_other("/settings/integrations"))
        }
        Renamed::NotFound => Err(AppError::NotFound),
        Renamed::OutOfPolicy(policy) => {
            errors.add("note", PolicyRefusal::NoteRequired.to_string());
            render_rename(
                &viewer,
                &key,
                &form,
                &policy,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Renamed::NameTaken => {
            errors.add(
                "name",
                format!(
                    "A key named \"{name}\" already exists in this workspace. Choose another name."
                ),
            );
            render_rename(
                &viewer,
                &key,
                &form,
                &policy,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "keys/delete.html")]
struct DeleteTemplate {
    ctx: PageContext,
    id: i32,
    name: String,
    masked: String,
    /// "It was last used 5 minutes ago (…) from 203.0.113.7.", when within 24 hours.
    recent_use: Option<String>,
}

pub async fn delete_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(&state, &viewer, id.into_inner()).await?;
    let now = crate::db::now();
    let recent_use = key
        .last_used_at
        .filter(|t| now - *t <= Duration::hours(24))
        .map(|t| {
            let from = match (&key.last_used_ip, &key.last_used_agent) {
                (Some(ip), Some(agent)) if !agent.is_empty() => format!(" from {ip} ({agent})"),
                (Some(ip), _) => format!(" from {ip}"),
                _ => String::new(),
            };
            format!(
                "It was last used {} ({}){from}: an integration is probably still using it.",
                format::relative(t, now),
                format::exact(t)
            )
        });
    render_with_status(
        &DeleteTemplate {
            ctx: PageContext::new(&viewer, "Delete key", SettingsTab::Integrations)?,
            id: key.id,
            name: key.name,
            masked: masked(&key.last4),
            recent_use,
        },
        StatusCode::OK,
    )
}

pub async fn delete_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let scope = key_scope(&viewer)?;
    let user_id = viewer.user.id;
    let id = id.into_inner();
    let actor = viewer.actor();
    let deleted = state
        .db(move |conn| {
            Ok(permitted::keys(
                conn,
                scope.workspace_id,
                user_id,
                |conn, scope| -> Result<Option<String>, diesel::result::Error> {
                    let Some(key) = api_key::find_visible(conn, scope, id)? else {
                        return Ok(None);
                    };
                    // Another instance may have deleted it meanwhile: one deletion, one entry.
                    if api_key::delete(conn, key.id)? == 0 {
                        return Ok(None);
                    }
                    audit::record(
                        conn,
                        &actor,
                        Action::KeyDeleted,
                        &key_label(&key.name, &key.last4),
                        "Every integration using it lost access at once",
                    )?;
                    Ok(Some(key.name))
                },
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?
        .ok_or(AppError::NotFound)?;
    viewer.session.set_flash(format!(
        "Deleted \"{deleted}\". Integrations using it can no longer connect."
    ))?;
    Ok(see_other("/settings/integrations"))
}

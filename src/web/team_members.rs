//! Settings → Team, what an admin does to a member: change the role, turn API access
//! on or off, remove. Each runs in one locked transaction where the last-admin rule
//! comes before the permission check, so the workspace always keeps an admin.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::{Connection, QueryResult};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::db::DbConnection;
use crate::domain::Role;
use crate::error::AppError;
use crate::models::access_request;
use crate::models::audit::{self, Action, person_label};
use crate::models::session;
use crate::models::user::{self, User};
use crate::models::workspace;
use crate::templates::see_other;
use crate::use_cases::access_requests::approve_pending_of;
use crate::use_cases::leaver_keys::Leaving;
use crate::web::confirm_access::{self as confirmed, describe};
use crate::web::form::FieldErrors;
use crate::web::leaver_keys::{KeysAnswer, KeysQuestion, keys_question_page, settle_keys};
use crate::web::team::{MemberForm, render_team};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(confirmed::post(
        "/settings/team/members/{id}/role",
        describe::change_role,
        web::post().to(change_role),
    ))
    .service(confirmed::post(
        "/settings/team/members/{id}/api-access",
        describe::set_api_access,
        web::post().to(set_api_access),
    ))
    .service(confirmed::post(
        "/settings/team/members/{id}/remove",
        describe::remove_member,
        web::post().to(remove_member),
    ));
}

const LAST_ADMIN: &str =
    "The workspace needs at least one admin: make someone else an admin first.";

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// The outcome of a change that may hit the last-admin rule.
enum Change {
    Done(String),
    LastAdmin,
    NotFound,
    Invalid(String),
    /// The acting admin lost the role while the request was on its way.
    NoLongerAdmin,
    /// The member created keys: ask what happens to them first (nothing was changed).
    AskAboutKeys(Box<KeysQuestion>),
}

/// The member a change is about. Unknown ids are "not found" for admins and "not
/// allowed" for everyone else, as before any lookup.
fn find_target(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    id: i32,
) -> QueryResult<Result<User, Change>> {
    match user::find_in_workspace(conn, actor.workspace_id, id)? {
        Some(member) => Ok(Ok(member)),
        None if still_admin(conn, actor)? => Ok(Err(Change::NotFound)),
        None => Ok(Err(Change::NoLongerAdmin)),
    }
}

/// The last-admin rule comes before the permission check: whoever asks, and however
/// two requests interleave across instances, the workspace's only admin stays one.
fn is_last_admin(conn: &mut DbConnection, actor: &audit::Actor) -> QueryResult<bool> {
    Ok(user::count_admins(conn, actor.workspace_id)? <= 1)
}

/// Whether the acting admin still is one, read inside the change's locked transaction
/// (`workspace::lock_for_writing`): a demotion that committed first wins.
fn still_admin(conn: &mut DbConnection, actor: &audit::Actor) -> QueryResult<bool> {
    let Some(id) = actor.user_id else {
        return Ok(false);
    };
    Ok(user::find_in_workspace(conn, actor.workspace_id, id)?.is_some_and(|me| me.is_admin()))
}

async fn finish(
    state: &AppState,
    viewer: &Viewer,
    change: Change,
) -> Result<HttpResponse, AppError> {
    match change {
        Change::Done(flash) => {
            viewer.session.set_flash(flash)?;
            Ok(see_other("/settings/team"))
        }
        Change::NotFound => Err(AppError::NotFound),
        Change::NoLongerAdmin => Err(AppError::Forbidden),
        Change::AskAboutKeys(question) => keys_question_page(viewer, *question),
        // Someone who is not (or no longer) an admin gets the rule, not the Team page.
        Change::LastAdmin if !viewer.user.is_admin() => Ok(crate::error::error_page(
            StatusCode::CONFLICT,
            "Not changed",
            LAST_ADMIN,
        )),
        Change::LastAdmin => {
            render_team(
                state,
                viewer,
                &MemberForm::default(),
                FieldErrors::default(),
                Some(LAST_ADMIN.into()),
                StatusCode::CONFLICT,
            )
            .await
        }
        Change::Invalid(message) => {
            render_team(
                state,
                viewer,
                &MemberForm::default(),
                FieldErrors::default(),
                Some(message),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn change_role(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    // The admin check runs inside the transaction, after the last-admin rule (see below).
    let role = match Role::parse(&form.role) {
        Ok(role) => role,
        Err(_) if !viewer.user.is_admin() => return Err(AppError::Forbidden),
        Err(unknown) => return finish(&state, &viewer, Change::Invalid(unknown.to_string())).await,
    };
    let id = id.into_inner();
    let actor = viewer.actor();
    let viewer_name = viewer.user.name.clone();
    let change = state
        .db(move |conn| {
            Ok(
                conn.transaction(|conn| -> Result<Change, diesel::result::Error> {
                    workspace::lock_for_writing(conn, actor.workspace_id)?;
                    let member = match find_target(conn, &actor, id)? {
                        Ok(member) => member,
                        Err(refusal) => return Ok(refusal),
                    };
                    if member.is_admin() && role != Role::Admin && is_last_admin(conn, &actor)? {
                        return Ok(Change::LastAdmin);
                    }
                    if !still_admin(conn, &actor)? {
                        return Ok(Change::NoLongerAdmin);
                    }
                    if member.role == role {
                        return Ok(Change::Done(format!(
                            "{} is already {}.",
                            member.name,
                            role.label().to_lowercase()
                        )));
                    }
                    user::set_role(conn, id, role)?;
                    if role == Role::Admin {
                        // Admins always have API access: a pending request is answered.
                        approve_pending_of(
                            conn,
                            &actor,
                            &viewer_name,
                            &member,
                            "Made an admin, who always has API access",
                        )?;
                    }
                    let detail = format!("{} → {}", member.role.label(), role.label());
                    audit::record(
                        conn,
                        &actor,
                        Action::RoleChanged,
                        &person_label(&member.name, &member.email),
                        &detail,
                    )?;
                    Ok(Change::Done(format!(
                        "{} is now {}.",
                        member.name,
                        role.label().to_lowercase()
                    )))
                })?,
            )
        })
        .await?;
    finish(&state, &viewer, change).await
}

#[derive(Deserialize)]
pub struct ApiAccessForm {
    enabled: bool,
    /// The answer of the keys question: "keep" or "disable"; absent the first time.
    #[serde(default)]
    keys: Option<String>,
}

/// The body of "Remove": only the answer of the keys question, once asked.
#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    keys: Option<String>,
}

async fn set_api_access(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<ApiAccessForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let id = id.into_inner();
    let actor = viewer.actor();
    let by_name = viewer.user.name.clone();
    let enabled = form.enabled;
    let answer = KeysAnswer::from_form(form.keys.as_deref());
    let change = state
        .db(move |conn| {
            Ok(
                conn.transaction(|conn| -> Result<Change, diesel::result::Error> {
                    workspace::lock_for_writing(conn, actor.workspace_id)?;
                    let Some(member) = user::find_in_workspace(conn, actor.workspace_id, id)?
                    else {
                        return Ok(Change::NotFound);
                    };
                    if member.is_admin() {
                        return Ok(Change::Invalid("Admins always have API access.".into()));
                    }
                    if !still_admin(conn, &actor)? {
                        return Ok(Change::NoLongerAdmin);
                    }
                    if member.api_access == enabled {
                        return Ok(Change::Done(format!(
                            "Nothing changed for {}.",
                            member.name
                        )));
                    }
                    let subject = person_label(&member.name, &member.email);
                    if enabled {
                        user::set_api_access(conn, id, true)?;
                        audit::record(conn, &actor, Action::ApiAccessGranted, &subject, "")?;
                        approve_pending_of(
                            conn,
                            &actor,
                            &by_name,
                            &member,
                            "API access was turned on from the Team page",
                        )?;
                        return Ok(Change::Done(format!(
                            "{} can now manage their own API keys.",
                            member.name
                        )));
                    }
                    let keys = match settle_keys(
                        conn,
                        &actor,
                        &by_name,
                        &member,
                        Leaving::AccessTurnedOff,
                        &answer,
                    )? {
                        Ok(sentence) => sentence,
                        Err(question) => return Ok(Change::AskAboutKeys(Box::new(question))),
                    };
                    user::set_api_access(conn, id, false)?;
                    audit::record(conn, &actor, Action::ApiAccessRevoked, &subject, &keys)?;
                    Ok(Change::Done(
                        format!("{} no longer has API access. {keys}", member.name)
                            .trim_end()
                            .to_string(),
                    ))
                })?,
            )
        })
        .await?;
    finish(&state, &viewer, change).await
}

async fn remove_member(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    // The admin check runs inside the transaction, after the last-admin rule.
    let id = id.into_inner();
    let actor = viewer.actor();
    let by_name = viewer.user.name.clone();
    let answer = KeysAnswer::from_form(form.keys.as_deref());
    let change = state
        .db(move |conn| {
            Ok(
                conn.transaction(|conn| -> Result<Change, diesel::result::Error> {
                    workspace::lock_for_writing(conn, actor.workspace_id)?;
                    let member = match find_target(conn, &actor, id)? {
                        Ok(member) => member,
                        Err(refusal) => return Ok(refusal),
                    };
                    if member.is_admin() && is_last_admin(conn, &actor)? {
                        return Ok(Change::LastAdmin);
                    }
                    if !still_admin(conn, &actor)? {
                        return Ok(Change::NoLongerAdmin);
                    }
                    let keys = match settle_keys(
                        conn,
                        &actor,
                        &by_name,
                        &member,
                        Leaving::Removed,
                        &answer,
                    )? {
                        Ok(sentence) => sentence,
                        Err(question) => return Ok(Change::AskAboutKeys(Box::new(question))),
                    };
                    session::delete_for_user(conn, id)?;
                    access_request::delete_for_user(conn, id)?;
                    user::delete(conn, id)?;
                    let detail = if keys.is_empty() {
                        "Logged out everywhere".to_string()
                    } else {
                        format!("Logged out everywhere. {keys}")
                    };
                    audit::record(
                        conn,
                        &actor,
                        Action::MemberRemoved,
                        &person_label(&member.name, &member.email),
                        &detail,
                    )?;
                    Ok(Change::Done(
                        format!("{} was removed and logged out. {keys}", member.name)
                            .trim_end()
                            .to_string(),
                    ))
                })?,
            )
        })
        .await?;
    if matches!(change, Change::Done(_)) && id == viewer.user.id {
        viewer.session.log_out();
        return Ok(see_other("/login"));
    }
    finish(&state, &viewer, change).await
}

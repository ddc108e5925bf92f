//! Profile → "Account", Active sessions: each session of yours as a line, and signing
//! out one of them or all the others. Sessions are named by a random public handle,
//! never by their id, and another user's handle is not found.

use actix_web::{HttpResponse, web};
use diesel::Connection;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::device::Device;
use crate::error::AppError;
use crate::models::audit::{self, Action, person_label};
use crate::models::session::{self, SessionRow};
use crate::models::workspace;
use crate::templates::see_other;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/account/sessions/sign-out-others",
        web::post().to(sign_out_others),
    )
    .route(
        "/account/sessions/{handle}/sign-out",
        web::post().to(sign_out_session),
    );
}

/// One line of "Active sessions".
pub struct SessionLine {
    pub handle: String,
    pub device: String,
    pub ip: String,
    pub signed_in: String,
    pub signed_in_exact: String,
    pub last_seen: String,
    pub last_seen_exact: String,
    pub current: bool,
}

impl SessionLine {
    pub(crate) fn of(row: SessionRow, mine: &str, now: time::PrimitiveDateTime) -> Self {
        let last_seen = row.last_seen_at.unwrap_or(row.created_at);
        let handle = row.handle.unwrap_or_default();
        Self {
            current: handle == mine,
            handle,
            device: device_label(row.user_agent.as_deref()),
            ip: row
                .ip
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            signed_in: crate::format::relative(row.created_at, now),
            signed_in_exact: crate::format::exact(row.created_at),
            last_seen: crate::format::relative(last_seen, now),
            last_seen_exact: crate::format::exact(last_seen),
        }
    }
}

/// What a session's browser says about its device. A session that logged in before
/// devices were recorded has none: its device is unknown, not an unknown browser.
fn device_label(user_agent: Option<&str>) -> String {
    match user_agent {
        Some(agent) => Device::from_user_agent(agent).to_string(),
        None => "Unknown device".to_string(),
    }
}

async fn sign_out_session(
    state: web::Data<AppState>,
    viewer: Viewer,
    handle: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let handle = handle.into_inner();
    if handle == viewer.session.handle()? {
        // "Sign out" of this very session is logging out.
        viewer.session.log_out();
        return Ok(see_other("/login"));
    }
    let actor = viewer.actor();
    let user_id = viewer.user.id;
    let subject = person_label(&viewer.user.name, &viewer.user.email);
    let ended = state
        .db(move |conn| {
            Ok(conn.transaction(|conn| -> diesel::QueryResult<_> {
                workspace::lock_for_writing(conn, actor.workspace_id)?;
                let Some(row) = session::find_by_handle(conn, user_id, &handle)? else {
                    return Ok(None);
                };
                session::delete(conn, &row.id)?;
                let device = device_label(row.user_agent.as_deref());
                let ip = row.ip.unwrap_or_else(|| "unknown".into());
                audit::record(
                    conn,
                    &actor,
                    Action::SessionSignedOut,
                    &subject,
                    &format!("{device}, {ip}"),
                )?;
                Ok(Some(device))
            })?)
        })
        .await?;
    let Some(device) = ended else {
        return Err(AppError::NotFound);
    };
    viewer
        .session
        .set_flash(format!("The session on {device} was signed out."))?;
    Ok(see_other("/account"))
}

async fn sign_out_others(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let keep = viewer.session.handle()?;
    let actor = viewer.actor();
    let user_id = viewer.user.id;
    let subject = person_label(&viewer.user.name, &viewer.user.email);
    let ended = state
        .db(move |conn| {
            Ok(conn.transaction(|conn| -> diesel::QueryResult<_> {
                workspace::lock_for_writing(conn, actor.workspace_id)?;
                let ended = session::delete_others(conn, user_id, &keep)?;
                audit::record(
                    conn,
                    &actor,
                    Action::OtherSessionsSignedOut,
                    &subject,
                    &format!("{ended} session(s)"),
                )?;
                Ok(ended)
            })?)
        })
        .await?;
    viewer.session.set_flash(match ended {
        0 => "There were no other sessions to sign out.".to_string(),
        1 => "Your other session was signed out.".to_string(),
        n => format!("Your {n} other sessions were signed out."),
    })?;
    Ok(see_other("/account"))
}

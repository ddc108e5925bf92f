//! Settings → Audit log (admins).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::format;
use crate::models::audit::{self, Action};
use crate::templates::{PageContext, SettingsTab, render};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/audit", web::get().to(audit_page));
}

const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<i64>,
}

struct EventRow {
    iso: String,
    exact: String,
    relative: String,
    actor: String,
    action: String,
    subject: String,
    detail: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "settings/audit.html")]
struct AuditTemplate {
    ctx: PageContext,
    events: Vec<EventRow>,
    page: i64,
    pages: i64,
}

async fn audit_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let page = query.page.unwrap_or(1).max(1);
    let workspace_id = viewer.user.workspace_id;
    let (events, total) = state
        .db(move |conn| {
            Ok(audit::page(
                conn,
                workspace_id,
                (page - 1) * PER_PAGE,
                PER_PAGE,
            )?)
        })
        .await?;
    let now = crate::db::now();
    let events = events
        .into_iter()
        .map(|e| EventRow {
            iso: format::iso(e.created_at),
            exact: format::exact(e.created_at),
            relative: format::relative(e.created_at, now),
            actor: e.actor_name,
            action: Action::label_of(&e.action).to_string(),
            subject: e.subject,
            detail: e.detail,
            ip: e.ip,
        })
        .collect();
    let template = AuditTemplate {
        ctx: PageContext::new(&viewer, "Audit log", SettingsTab::AuditLog)?,
        events,
        page,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
    };
    render(&template)
}

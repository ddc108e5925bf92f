//! What every page shares, and the helper that renders a template into a response.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use crate::auth::Viewer;
use crate::domain::name::initials;
use crate::error::AppError;

/// The layout's data: who is logged in, the CSRF token for forms, a flash message.
pub struct PageContext {
    pub title: String,
    pub user_name: String,
    pub user_email: String,
    pub initials: String,
    pub workspace_name: String,
    pub is_admin: bool,
    pub can_use_api_keys: bool,
    /// Access requests waiting for an admin: the count beside "Team".
    pub pending_requests: i64,
    pub csrf: String,
    pub flash: Option<String>,
    /// The settings tab to highlight.
    pub tab: SettingsTab,
}

/// The tabs of Settings (and the sidebar links to them); templates compare with `==`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsTab {
    Integrations,
    Team,
    AuditLog,
    /// Profile → "Account": no settings tab is highlighted.
    Account,
}

impl PageContext {
    pub fn new(viewer: &Viewer, title: &str, tab: SettingsTab) -> Result<Self, AppError> {
        Ok(Self {
            title: title.to_string(),
            user_name: viewer.user.name.clone(),
            user_email: viewer.user.email.clone(),
            initials: initials(&viewer.user.name),
            workspace_name: viewer.workspace_name.clone(),
            is_admin: viewer.user.is_admin(),
            can_use_api_keys: viewer.user.can_use_api_keys(),
            pending_requests: viewer.pending_requests,
            csrf: viewer.session.csrf_token()?,
            flash: viewer.session.take_flash(),
            tab,
        })
    }
}

/// Renders `template` as an HTML response with `status`.
pub fn render_with_status(
    template: &impl Template,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = template.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn render(template: &impl Template) -> Result<HttpResponse, AppError> {
    render_with_status(template, StatusCode::OK)
}

/// A 303 to `location`, the answer to every successful form POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

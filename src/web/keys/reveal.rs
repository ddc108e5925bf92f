//! The one page that shows a new secret, once ("Create Key" and "Regenerate" end on
//! it), and the answer to a form sent twice.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use askama::Template;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::templates::{PageContext, SettingsTab, render_with_status};

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

/// A secret is shown only in this response, never cached.
pub(super) fn reveal(template: &RevealTemplate<'_>) -> Result<HttpResponse, AppError> {
    let mut response = render_with_status(template, StatusCode::OK)?;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) fn already_submitted(viewer: &Viewer) -> Result<HttpResponse, AppError> {
    let template = AlreadySubmittedTemplate {
        ctx: PageContext::new(viewer, "Already submitted", SettingsTab::Integrations)?,
    };
    render_with_status(&template, StatusCode::CONFLICT)
}

//! The pages behind one-time links, opened logged out: joining from an invitation
//! (`join`) and choosing a new password from a reset link (`reset`).
//!
//! Both go the same way, and what they share lives here. A token that cannot be one of
//! ours gets the same page as an unknown one. A submitted form is checked, then the
//! link is looked up again and a dead one answered before the slow password hash,
//! which runs with no connection held; the link is spent only in the transaction that
//! uses it. Every page that shows a token is `no-store`.

pub mod join;
pub mod reset;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::result::Error as DbError;

use crate::app::AppState;
use crate::db::DbConnection;
use crate::domain::Password;
use crate::domain::link_token::LinkDigest;
use crate::error::AppError;
use crate::templates::render_with_status;
use crate::use_cases::invitations::LinkState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(join::routes).configure(reset::routes);
}

/// Which link a page is about: the sentences of its refusals differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    Invitation,
    Reset,
}

/// The page of a link that cannot be used, with one sentence saying why. Nothing on it
/// says whom the link was for.
#[derive(Template)]
#[template(path = "auth/link_gone.html")]
pub(super) struct LinkGoneTemplate {
    pub(super) title: &'static str,
    pub(super) message: &'static str,
}

pub(crate) fn no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page of one of these links; it carries the token, so it is never stored.
pub(super) fn link_page(
    template: &impl Template,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    Ok(no_store(render_with_status(template, status)?))
}

pub(super) fn link_gone(state: LinkState, kind: LinkKind) -> Result<HttpResponse, AppError> {
    let (status, title, message) = match (state, kind) {
        (LinkState::Unknown, _) => (
            StatusCode::NOT_FOUND,
            "Link not valid",
            "This link is not valid. Check that it was copied whole, or ask for a new one.",
        ),
        (LinkState::Used, LinkKind::Invitation) => (
            StatusCode::GONE,
            "Invitation already used",
            "This invitation was already used. Log in, or ask an admin of the workspace for a new invitation.",
        ),
        (LinkState::Revoked, _) => (
            StatusCode::GONE,
            "Invitation revoked",
            "This invitation was revoked by an admin. Ask them for a new one if you should join.",
        ),
        (LinkState::Expired, LinkKind::Invitation) => (
            StatusCode::GONE,
            "Invitation expired",
            "This invitation has expired (links work for 7 days). Ask an admin of the workspace for a new one.",
        ),
        (LinkState::InviterGone, _) => (
            StatusCode::GONE,
            "Invitation no longer valid",
            "This invitation is no longer valid: the admin who made it can no longer invite people to this workspace. Ask a current admin for a new one.",
        ),
        (LinkState::Replaced, _) => (
            StatusCode::GONE,
            "Reset link no longer valid",
            "This reset link no longer works: a newer link was made, or the password was changed since. Use the newest link, or ask your Keydesk operator for a new one.",
        ),
        (LinkState::Used, LinkKind::Reset) => (
            StatusCode::GONE,
            "Reset link already used",
            "This reset link was already used. Ask your Keydesk operator for a new one if you need it.",
        ),
        (LinkState::Expired, LinkKind::Reset) => (
            StatusCode::GONE,
            "Reset link expired",
            "This reset link has expired (links work for 1 hour). Ask your Keydesk operator for a new one.",
        ),
    };
    link_page(&LinkGoneTemplate { title, message }, status)
}

/// How a link's use case finds what the link leads to, or why it leads nowhere.
type OpenLink<T> = fn(&mut DbConnection, &LinkDigest) -> Result<Result<T, LinkState>, DbError>;

/// Hashes the password typed on a link's page once the link is known to still work.
/// A dead link is answered first (`Ok(Err(page))`), so it costs no hash, and no
/// connection is held while argon2 runs.
pub(super) async fn hash_for_open_link<T: 'static>(
    state: &AppState,
    kind: LinkKind,
    digest: LinkDigest,
    open: OpenLink<T>,
    password: Password,
) -> Result<Result<String, HttpResponse>, AppError> {
    let dead = state.db(move |conn| Ok(open(conn, &digest)?.err())).await?;
    if let Some(gone) = dead {
        return Ok(Err(link_gone(gone, kind)?));
    }
    Ok(Ok(crate::auth::password::hash_off_thread(password).await?))
}

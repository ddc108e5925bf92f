//! The password reset link that `keydesk reset-password` prints: its owner, logged out,
//! chooses a new password, and every session of the account ends.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::domain::Password;
use crate::domain::link_token::LinkToken;
use crate::error::AppError;
use crate::templates::render_with_status;
use crate::use_cases::invitations::{self as invitations, LinkState};
use crate::web::form::FieldErrors;
use crate::web::one_time_links::{
    LinkGoneTemplate, LinkKind, hash_for_open_link, link_gone, link_page,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reset/{token}", web::get().to(reset_page))
        .route("/reset/{token}", web::post().to(reset));
}

const KIND: LinkKind = LinkKind::Reset;

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetTemplate<'a> {
    csrf: String,
    token: &'a str,
    email: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_page(
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_reset(
        &state,
        &session,
        &token,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn show_reset(
    state: &AppState,
    session: &TypedSession,
    raw: &str,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let Ok(token) = LinkToken::parse(raw) else {
        return link_gone(LinkState::Unknown, KIND);
    };
    let digest = token.digest();
    let open = state
        .db(move |conn| Ok(invitations::open_reset(conn, &digest)?))
        .await?;
    let owner = match open {
        Ok(owner) => owner,
        Err(gone) => return link_gone(gone, KIND),
    };
    let template = ResetTemplate {
        csrf: session.csrf_token()?,
        token: token.expose(),
        email: owner.email,
        errors,
    };
    link_page(&template, status)
}

async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
    web::Form(form): web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let Ok(parsed) = LinkToken::parse(&token) else {
        return link_gone(LinkState::Unknown, KIND);
    };
    let mut errors = FieldErrors::default();
    let Some(password) = errors.check("password", Password::parse(form.password)) else {
        return show_reset(
            &state,
            &session,
            &token,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let digest = parsed.digest();
    let open = invitations::open_reset;
    let hash = match hash_for_open_link(&state, KIND, digest, open, password).await? {
        Ok(hash) => hash,
        Err(gone) => return Ok(gone),
    };
    let ip = client_ip(&req);
    let done = state
        .db(move |conn| Ok(invitations::reset_password(conn, &digest, &hash, &ip)?))
        .await?;
    match done {
        Ok(_) => {
            // Every session of the user ended, this browser's too if it had one.
            session.log_out();
            Ok(render_with_status(
                &LinkGoneTemplate {
                    title: "Password changed",
                    message: "Your new password is set and every session of your account was ended. Log in with the new password.",
                },
                StatusCode::OK,
            )?)
        }
        Err(gone) => link_gone(gone, KIND),
    }
}

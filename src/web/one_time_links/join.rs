//! Joining from an invitation link: the invitee, logged out, sees who invited them to
//! which workspace and with which role, chooses a name and a password, and lands
//! logged in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::domain::link_token::LinkToken;
use crate::domain::{Name, Password};
use crate::error::AppError;
use crate::templates::see_other;
use crate::use_cases::invitations::{self as invitations, JoinRefused, LinkState};
use crate::web::form::FieldErrors;
use crate::web::one_time_links::{LinkKind, hash_for_open_link, link_gone, link_page, no_store};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/invite/{token}", web::get().to(join_page))
        .route("/invite/{token}", web::post().to(join));
}

const KIND: LinkKind = LinkKind::Invitation;

#[derive(Template)]
#[template(path = "auth/join.html")]
struct JoinTemplate<'a> {
    csrf: String,
    token: &'a str,
    workspace_name: String,
    invited_by: String,
    email: String,
    role: &'static str,
    /// Someone is logged in in this browser: explain and offer to log out instead.
    logged_in_as: Option<String>,
    name: &'a str,
    errors: FieldErrors,
}

#[derive(Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

async fn join_page(
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    show_join(
        &state,
        &session,
        &token,
        "",
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn show_join(
    state: &AppState,
    session: &TypedSession,
    raw: &str,
    name: &str,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let Ok(token) = LinkToken::parse(raw) else {
        return link_gone(LinkState::Unknown, KIND);
    };
    let digest = token.digest();
    let viewer_id = session.user_id()?;
    let (open, logged_in_as) = state
        .db(move |conn| {
            let open = invitations::open_invitation(conn, &digest)?;
            let me = match viewer_id {
                Some(id) => crate::models::user::find(conn, id)?.map(|u| u.email),
                None => None,
            };
            Ok((open, me))
        })
        .await?;
    let open = match open {
        Ok(open) => open,
        Err(gone) => return link_gone(gone, KIND),
    };
    let template = JoinTemplate {
        csrf: session.csrf_token()?,
        token: token.expose(),
        workspace_name: open.workspace_name,
        invited_by: open.invitation.invited_by_name,
        email: open.invitation.email,
        role: open.invitation.role.label(),
        logged_in_as,
        name,
        errors,
    };
    link_page(&template, status)
}

async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
    web::Form(form): web::Form<JoinForm>,
) -> Result<HttpResponse, AppError> {
    let Ok(parsed) = LinkToken::parse(&token) else {
        return link_gone(LinkState::Unknown, KIND);
    };
    let mut errors = FieldErrors::default();
    let name = errors.check("name", Name::parse(&form.name));
    let password = errors.check("password", Password::parse(form.password));
    let (Some(name), Some(password)) = (name, password) else {
        return show_join(
            &state,
            &session,
            &token,
            &form.name,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let digest = parsed.digest();
    let open = invitations::open_invitation;
    let hash = match hash_for_open_link(&state, KIND, digest, open, password).await? {
        Ok(hash) => hash,
        Err(gone) => return Ok(gone),
    };
    let ip = client_ip(&req);
    let joined = state
        .db(move |conn| Ok(invitations::join(conn, &digest, &name, &hash, &ip)?))
        .await?;
    match joined {
        Ok(user_id) => {
            session.log_in(user_id)?;
            session.set_flash("Welcome to Keydesk: you joined the workspace.")?;
            Ok(see_other("/settings/integrations"))
        }
        Err(JoinRefused::Link(gone)) => link_gone(gone, KIND),
        // Only whoever submits the form learns this, and for a free email that would
        // have made them a member: the page of the link itself is the same for any email.
        Err(JoinRefused::EmailTaken) => Ok(no_store(crate::error::error_page(
            StatusCode::CONFLICT,
            "This email already has an account",
            "This email already has a Keydesk account, and an account belongs to one workspace: it cannot join a second one. Log in with it, or ask the admin who invited you to invite another email.",
        ))),
    }
}

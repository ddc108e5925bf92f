//! Invitations: "Invite member" on Team makes a one-time link shown once; the invitee
//! opens it logged out, chooses a name and password, and lands logged in. Also the
//! password reset link that `keydesk reset-password` prints.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::current_user::client_ip;
use crate::auth::{TypedSession, Viewer};
use crate::domain::link_token::LinkToken;
use crate::domain::{Email, Name, Password, Role};
use crate::error::AppError;
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::invitations::{self as invitations, Invite, JoinRefused, LinkState};
use crate::web::confirm_access as confirmed;
use crate::web::form::FieldErrors;
use crate::web::team::{MemberForm, render_team};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(confirmed::post(
        "/settings/team/invitations",
        web::post().to(invite_member),
    ))
    .route(
        "/settings/team/invitations/{id}/revoke",
        web::post().to(revoke_invitation),
    )
    .route("/invite/{token}", web::get().to(join_page))
    .route("/invite/{token}", web::post().to(join))
    .route("/reset/{token}", web::get().to(reset_page))
    .route("/reset/{token}", web::post().to(reset));
}

#[derive(Template)]
#[template(path = "settings/invite_link.html")]
struct InviteLinkTemplate {
    ctx: PageContext,
    email: String,
    link: String,
}

/// This server's address as the browser reached it, for links shown to an admin.
fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn invite_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<MemberForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(&form.email));
    let role = match form.role.as_str() {
        "" => Some(Role::Member),
        raw => errors.check("role", Role::parse(raw)),
    };
    let (Some(email), Some(role)) = (email, role) else {
        return render_team(
            &state,
            &viewer,
            &form,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let token = LinkToken::generate();
    let invite = Invite {
        email: &email,
        role,
        api_access: form.api_access,
        digest: token.digest(),
    };
    let actor = viewer.actor();
    let by_name = viewer.user.name.clone();
    let outcome = {
        let email = email.clone();
        let (digest, api_access) = (invite.digest, invite.api_access);
        state
            .db(move |conn| {
                let invite = Invite {
                    email: &email,
                    role,
                    api_access,
                    digest,
                };
                Ok(invitations::invite(conn, &actor, &by_name, &invite)?)
            })
            .await?
    };
    if let Err(refused) = outcome {
        errors.add("email", refused.message());
        return render_team(
            &state,
            &viewer,
            &form,
            errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let template = InviteLinkTemplate {
        ctx: PageContext::new(&viewer, "Invitation link", SettingsTab::Team)?,
        email: email.as_str().to_string(),
        link: format!("{}/invite/{}", base_url(&req), token.expose()),
    };
    Ok(no_store(render_with_status(&template, StatusCode::OK)?))
}

async fn revoke_invitation(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let id = id.into_inner();
    let actor = viewer.actor();
    let revoked = state
        .db(move |conn| Ok(invitations::revoke(conn, &actor, id)?))
        .await?;
    let Some(email) = revoked else {
        return Err(AppError::NotFound);
    };
    viewer.session.set_flash(format!(
        "The invitation for {email} was revoked: its link no longer works."
    ))?;
    Ok(see_other("/settings/team"))
}

/// The page of a link that cannot be used, with one sentence saying why. Nothing on it
/// says whom the link was for.
#[derive(Template)]
#[template(path = "auth/link_gone.html")]
struct LinkGoneTemplate {
    title: &'static str,
    message: &'static str,
}

fn link_gone(state: LinkState, what: &'static str) -> Result<HttpResponse, AppError> {
    let (status, title, message) = match (state, what) {
        (LinkState::Unknown, _) => (
            StatusCode::NOT_FOUND,
            "Link not valid",
            "This link is not valid. Check that it was copied whole, or ask for a new one.",
        ),
        (LinkState::Used, "invite") => (
            StatusCode::GONE,
            "Invitation already used",
            "This invitation was already used. Log in, or ask an admin of the workspace for a new invitation.",
        ),
        (LinkState::Revoked, _) => (
            StatusCode::GONE,
            "Invitation revoked",
            "This invitation was revoked by an admin. Ask them for a new one if you should join.",
        ),
        (LinkState::Expired, "invite") => (
            StatusCode::GONE,
            "Invitation expired",
            "This invitation has expired (links work for 7 days). Ask an admin of the workspace for a new one.",
        ),
        (LinkState::Used, _) => (
            StatusCode::GONE,
            "Reset link already used",
            "This reset link was already used. Ask your Keydesk operator for a new one if you need it.",
        ),
        (LinkState::Expired, _) => (
            StatusCode::GONE,
            "Reset link expired",
            "This reset link has expired (links work for 1 hour). Ask your Keydesk operator for a new one.",
        ),
    };
    Ok(no_store(render_with_status(
        &LinkGoneTemplate { title, message },
        status,
    )?))
}

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
        return link_gone(LinkState::Unknown, "invite");
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
        Err(gone) => return link_gone(gone, "invite"),
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
    Ok(no_store(render_with_status(&template, status)?))
}

async fn join(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
    web::Form(form): web::Form<JoinForm>,
) -> Result<HttpResponse, AppError> {
    let Ok(parsed) = LinkToken::parse(&token) else {
        return link_gone(LinkState::Unknown, "invite");
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
    // A link that cannot be used is answered before the slow hash.
    let digest = parsed.digest();
    if let Err(gone) = state
        .db(move |conn| Ok(invitations::open_invitation(conn, &digest)?))
        .await?
    {
        return link_gone(gone, "invite");
    }
    // No connection is held while argon2 runs.
    let hash = crate::auth::password::hash_off_thread(password).await?;
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
        Err(JoinRefused::Link(gone)) => link_gone(gone, "invite"),
        Err(JoinRefused::EmailTaken) => Ok(crate::error::error_page(
            StatusCode::CONFLICT,
            "Already a member",
            "This email already has a Keydesk account: log in instead.",
        )),
    }
}

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
        return link_gone(LinkState::Unknown, "reset");
    };
    let digest = token.digest();
    let open = state
        .db(move |conn| Ok(invitations::open_reset(conn, &digest)?))
        .await?;
    let owner = match open {
        Ok(owner) => owner,
        Err(gone) => return link_gone(gone, "reset"),
    };
    let template = ResetTemplate {
        csrf: session.csrf_token()?,
        token: token.expose(),
        email: owner.email,
        errors,
    };
    Ok(no_store(render_with_status(&template, status)?))
}

async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    token: web::Path<String>,
    web::Form(form): web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let Ok(parsed) = LinkToken::parse(&token) else {
        return link_gone(LinkState::Unknown, "reset");
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
    if let Err(gone) = state
        .db(move |conn| Ok(invitations::open_reset(conn, &digest)?))
        .await?
    {
        return link_gone(gone, "reset");
    }
    let hash = crate::auth::password::hash_off_thread(password).await?;
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
        Err(gone) => link_gone(gone, "reset"),
    }
}

//! Invitations on Settings → Team: "Invite member" makes a one-time link shown once,
//! and a pending invitation can be revoked. The invitee's side of the link (joining)
//! is in `one_time_links::join`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::link_token::LinkToken;
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::invitations::{self as invitations, Invite};
use crate::web::confirm_access::{self as confirmed, describe};
use crate::web::form::FieldErrors;
use crate::web::one_time_links::no_store;
use crate::web::team::{MemberForm, render_team};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(confirmed::post(
        "/settings/team/invitations",
        describe::invite_member,
        web::post().to(invite_member),
    ))
    .route(
        "/settings/team/invitations/{id}/revoke",
        web::post().to(revoke_invitation),
    )
    .configure(crate::web::one_time_links::routes);
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
            .ok_or(AppError::Forbidden)?
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
        .await?
        .ok_or(AppError::Forbidden)?;
    let Some(email) = revoked else {
        return Err(AppError::NotFound);
    };
    viewer.session.set_flash(format!(
        "The invitation for {email} was revoked: its link no longer works."
    ))?;
    Ok(see_other("/settings/team"))
}

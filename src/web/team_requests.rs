//! Settings → Team → "Access requests" (admins): the pending requests for API access,
//! each with "Approve" (turns API access on) and "Decline" (with an optional reason).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use time::PrimitiveDateTime;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::access_request::{Reason, RequestStatus};
use crate::error::AppError;
use crate::format;
use crate::models::access_request::PendingRequest;
use crate::templates::see_other;
use crate::use_cases::access_requests::{self, Answer, Decided};
use crate::web::confirm_access::{self as confirmed, describe};
use crate::web::form::FieldErrors;
use crate::web::team::{MemberForm, render_team_with};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(confirmed::post(
        "/settings/team/requests/{id}/approve",
        describe::approve_request,
        web::post().to(approve_request),
    ))
    .route(
        "/settings/team/requests/{id}/decline",
        web::post().to(decline_request),
    );
}

/// A pending request as the Team page lists it.
pub struct RequestRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub when: String,
    pub when_exact: String,
    pub reason: String,
}

pub fn request_rows(pending: Vec<PendingRequest>, now: PrimitiveDateTime) -> Vec<RequestRow> {
    pending
        .into_iter()
        .map(|p| RequestRow {
            id: p.request.id,
            name: p.name,
            email: p.email,
            when: format::relative(p.request.created_at, now),
            when_exact: format::exact(p.request.created_at),
            reason: p.request.reason,
        })
        .collect()
}

/// A "Decline" that was refused, shown again beside its request with what was typed.
pub struct DeclineTyped {
    pub id: i32,
    pub reason: String,
    pub error: String,
}

#[derive(Deserialize)]
pub struct DeclineForm {
    #[serde(default)]
    reason: String,
}

async fn approve_request(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    answer(
        &state,
        &viewer,
        id.into_inner(),
        Answer::Approve,
        Reason::default(),
    )
    .await
}

async fn decline_request(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<DeclineForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let id = id.into_inner();
    match Reason::parse(&form.reason) {
        Ok(reason) => answer(&state, &viewer, id, Answer::Decline, reason).await,
        Err(refused) => {
            render_team_with(
                &state,
                &viewer,
                &MemberForm::default(),
                FieldErrors::default(),
                None,
                Some(DeclineTyped {
                    id,
                    reason: form.reason,
                    error: refused.to_string(),
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    answer: Answer,
    reason: Reason,
) -> Result<HttpResponse, AppError> {
    let actor = viewer.actor();
    let by_name = viewer.user.name.clone();
    let decided = state
        .db(move |conn| {
            Ok(access_requests::answer(
                conn, &actor, &by_name, id, answer, &reason,
            )?)
        })
        .await?;
    let flash = match decided {
        Decided::NotFound => return Err(AppError::NotFound),
        Decided::NoLongerAdmin => return Err(AppError::Forbidden),
        Decided::Done(name) => match answer {
            Answer::Approve => format!("Approved: {name} can now manage their own API keys."),
            Answer::Decline => format!("Declined {name}'s request for API access."),
        },
        Decided::Already(RequestStatus::Approved) => "This request was already approved.".into(),
        Decided::Already(RequestStatus::Declined) => "This request was already declined.".into(),
        Decided::Already(RequestStatus::Pending) => "This request is still pending.".into(),
    };
    viewer.session.set_flash(flash)?;
    Ok(see_other("/settings/team"))
}

//! The permission notice (PRODUCT 4.12) for members without API access: the admins to
//! ask, and "Ask for API access" with an optional reason, then the request's status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::access_request::{Reason, RequestStatus};
use crate::error::AppError;
use crate::format;
use crate::models::access_request::{self, AccessRequest};
use crate::models::user::{self, User};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::access_requests::{self, Asked};
use crate::web::form::FieldErrors;

/// "Ask for API access" as typed, with its refusals, and the status to answer with.
pub struct NoticeForm {
    reason: String,
    errors: FieldErrors,
    status: StatusCode,
}

impl Default for NoticeForm {
    fn default() -> Self {
        Self {
            reason: String::new(),
            errors: FieldErrors::default(),
            status: StatusCode::OK,
        }
    }
}

/// The member's latest request, as the notice tells it.
enum RequestState {
    /// Never asked, or asked and approved before access was turned off again.
    None,
    Pending {
        on: String,
        exact: String,
        reason: String,
    },
    Declined {
        on: String,
        exact: String,
        by: String,
        reason: String,
    },
}

impl RequestState {
    fn of(latest: Option<AccessRequest>) -> Self {
        let Some(request) = latest else {
            return Self::None;
        };
        match request.status {
            RequestStatus::Pending => Self::Pending {
                on: format::date(request.created_at),
                exact: format::exact(request.created_at),
                reason: request.reason,
            },
            RequestStatus::Declined => {
                let at = request.decided_at.unwrap_or(request.created_at);
                Self::Declined {
                    on: format::date(at),
                    exact: format::exact(at),
                    by: request.decided_by_name.unwrap_or_else(|| "an admin".into()),
                    reason: request.decline_reason.unwrap_or_default(),
                }
            }
            RequestStatus::Approved => Self::None,
        }
    }

    fn is_pending(&self) -> bool {
        matches!(self, Self::Pending { .. })
    }
}

#[derive(Template)]
#[template(path = "settings/no_access.html")]
struct NoticeTemplate {
    ctx: PageContext,
    admins: Vec<User>,
    request: RequestState,
    reason: String,
    errors: FieldErrors,
}

impl NoticeTemplate {
    /// The form shows unless a request waits; a refused one shows again with its message.
    fn show_form(&self) -> bool {
        !self.request.is_pending() || !self.errors.is_empty()
    }
}

pub async fn notice_page(
    state: &AppState,
    viewer: &Viewer,
    form: NoticeForm,
) -> Result<HttpResponse, AppError> {
    let workspace_id = viewer.user.workspace_id;
    let user_id = viewer.user.id;
    let (admins, latest) = state
        .db(move |conn| {
            Ok((
                user::admins_of(conn, workspace_id)?,
                access_request::latest_of(conn, user_id)?,
            ))
        })
        .await?;
    render_with_status(
        &NoticeTemplate {
            ctx: PageContext::new(viewer, "Integrations", SettingsTab::Integrations)?,
            admins,
            request: RequestState::of(latest),
            reason: form.reason,
            errors: form.errors,
        },
        form.status,
    )
}

#[derive(Deserialize)]
pub struct AskForm {
    #[serde(default)]
    reason: String,
}

/// "Ask for API access": one pending request per member; a second is refused beside
/// the field with what was typed kept.
pub async fn ask_for_access(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<AskForm>,
) -> Result<HttpResponse, AppError> {
    if viewer.user.can_use_api_keys() {
        viewer
            .session
            .set_flash("You already have API access.".to_string())?;
        return Ok(see_other("/settings/integrations"));
    }
    let mut errors = FieldErrors::default();
    let Some(reason) = errors.check("reason", Reason::parse(&form.reason)) else {
        let form = NoticeForm {
            reason: form.reason,
            errors,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return notice_page(&state, &viewer, form).await;
    };
    let actor = viewer.actor();
    let asked = state
        .db(move |conn| Ok(access_requests::ask(conn, &actor, &reason)?))
        .await?;
    match asked {
        Asked::Created => {
            viewer.session.set_flash(
                "Your request was sent to the workspace admins. This page shows their answer."
                    .to_string(),
            )?;
            Ok(see_other("/settings/integrations"))
        }
        Asked::AlreadyHasAccess => {
            viewer
                .session
                .set_flash("You already have API access.".to_string())?;
            Ok(see_other("/settings/integrations"))
        }
        Asked::AlreadyPending(pending) => {
            errors.add(
                "reason",
                format!(
                    "You already asked on {}: an admin has not answered yet, so there is nothing to send again.",
                    format::date(pending.created_at)
                ),
            );
            let form = NoticeForm {
                reason: form.reason,
                errors,
                status: StatusCode::CONFLICT,
            };
            notice_page(&state, &viewer, form).await
        }
    }
}

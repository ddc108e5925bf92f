//! The second step of a login with two-factor authentication: the code (or a recovery
//! code) after a correct password.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::auth::device::{self, Device};
use crate::domain::totp;
use crate::error::AppError;
use crate::models::login_failure;
use crate::templates::{render_with_status, see_other};
use crate::use_cases::two_factor::{self as two_factor, CodeCheck};
use crate::web::login_throttle::{attempt_scope, reserve};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(CODE_PATH, web::get().to(code_page))
        .route(CODE_PATH, web::post().to(submit_code));
}

/// The second step of a login with two-factor authentication.
pub const CODE_PATH: &str = "/login/code";

#[derive(Template)]
#[template(path = "auth/two_factor.html")]
struct CodeTemplate {
    csrf: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn code_page(session: TypedSession) -> Result<HttpResponse, AppError> {
    if session.pending_login(totp::unix_now()).is_none() {
        return Ok(see_other("/login"));
    }
    let template = CodeTemplate {
        csrf: session.csrf_token()?,
        error: None,
    };
    render_with_status(&template, StatusCode::OK)
}

/// The code after a correct password: throttled exactly like passwords (the same
/// failure table and limits, for the account from this address or device), a used
/// time step or recovery code refused, and only then the session renewed and logged in.
async fn submit_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    web::Form(form): web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let now = totp::unix_now();
    let Some(pending) = session.pending_login(now) else {
        session.clear_pending_login();
        session.set_flash("That took too long. Log in again.")?;
        return Ok(see_other("/login"));
    };
    let ip = client_ip(&req);
    let config = state.config.clone();
    let attempt = pending.clone();
    let result = state
        .db(move |conn| {
            let device = attempt.known_device.then_some(attempt.device_id.as_str());
            if let Some(throttle) = reserve(conn, &config, &attempt.email, &ip, device)? {
                return Ok(Err(throttle));
            }
            let check = two_factor::check_code(conn, attempt.user_id, &form.code, now)?;
            if check == CodeCheck::Accepted {
                login_failure::clear(conn, attempt_scope(&attempt.email, &ip, device))?;
            }
            Ok(Ok(check))
        })
        .await?;
    let (error, status, retry_after) = match result {
        Ok(CodeCheck::Accepted) => {
            session.log_in(pending.user_id)?;
            let device = Device {
                id: pending.device_id,
                user_id: pending.user_id,
            };
            let cookie = device::cookie(&device, &state.device_key, state.config.secure_cookies);
            let mut response = see_other("/settings/integrations");
            response.add_cookie(&cookie).map_err(AppError::internal)?;
            return Ok(response);
        }
        Ok(check) => (
            check.message().unwrap_or_default().to_string(),
            StatusCode::UNAUTHORIZED,
            None,
        ),
        Err(throttle) => (
            throttle.message(),
            StatusCode::TOO_MANY_REQUESTS,
            Some(throttle.seconds()),
        ),
    };
    let template = CodeTemplate {
        csrf: session.csrf_token()?,
        error: Some(error),
    };
    let mut response = render_with_status(&template, status)?;
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    Ok(response)
}

//! Logging in and out: the password step. Every attempt is first reserved against the
//! failure limits (`login_throttle`); an account with two-factor authentication then
//! goes on to the code step (`login_code`).

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::auth::device::{self, Device};
use crate::auth::session::PendingLogin;
use crate::domain::totp;
use crate::error::AppError;
use crate::models::login_failure;
use crate::models::user;
use crate::templates::{render_with_status, see_other};
use crate::web::login_code::{self, CODE_PATH};
use crate::web::login_throttle::{Throttle, attempt_scope, reserve};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(log_in))
        .route("/logout", web::post().to(log_out))
        .configure(login_code::routes);
}

/// How long a correct password waits for its code.
const PENDING_LOGIN_SECONDS: u64 = 5 * 60;

/// One message for an unknown email and a wrong password alike.
pub const BAD_CREDENTIALS: &str = "Incorrect email or password.";

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginTemplate<'a> {
    csrf: String,
    email: &'a str,
    error: Option<String>,
}

async fn login_page(session: TypedSession) -> Result<HttpResponse, AppError> {
    if session.user_id()?.is_some() {
        return Ok(see_other("/settings/integrations"));
    }
    let template = LoginTemplate {
        csrf: session.csrf_token()?,
        email: "",
        error: None,
    };
    render_with_status(&template, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

enum Outcome {
    LoggedIn {
        user_id: i32,
        device: Cookie<'static>,
    },
    /// The password is right and the account has two-factor authentication: the code
    /// comes next, and nothing is logged in (nor any failure cleared) until it is right.
    NeedsCode(PendingLogin),
    Refused,
    Throttled(Throttle),
}

async fn log_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    web::Form(form): web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.email.trim().to_lowercase();
    let attempt = Attempt {
        email: email.clone(),
        ip: client_ip(&req),
        device_cookie: req
            .cookie(device::COOKIE_NAME)
            .map(|c| c.value().to_owned()),
    };
    let (error, status, retry_after) = match check_password(&state, attempt, form.password).await? {
        Outcome::LoggedIn { user_id, device } => {
            session.log_in(user_id)?;
            let mut response = see_other("/settings/integrations");
            response.add_cookie(&device).map_err(AppError::internal)?;
            return Ok(response);
        }
        Outcome::NeedsCode(pending) => {
            session.begin_two_factor_login(&pending)?;
            return Ok(see_other(CODE_PATH));
        }
        Outcome::Refused => (BAD_CREDENTIALS.to_string(), StatusCode::UNAUTHORIZED, None),
        Outcome::Throttled(throttle) => (
            throttle.message(),
            StatusCode::TOO_MANY_REQUESTS,
            Some(throttle.seconds()),
        ),
    };
    let template = LoginTemplate {
        csrf: session.csrf_token()?,
        email: &email,
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

/// Who is trying: the account asked for, the client's address, and the device cookie
/// the browser sent (checked later, against the account).
struct Attempt {
    email: String,
    ip: String,
    device_cookie: Option<String>,
}

/// What the reservation found: the account (if any), and the known device it came from.
struct Reserved {
    user: Option<(i32, String)>,
    device: Option<Device>,
}

/// Reserve, then argon2 with no connection held, then (only on success) take the
/// reservation back: so parallel requests never get more password checks than the
/// limits allow, and a slow hash never keeps a pooled connection from other requests.
async fn check_password(
    state: &AppState,
    attempt: Attempt,
    password: String,
) -> Result<Outcome, AppError> {
    let config = state.config.clone();
    let Attempt {
        email,
        ip,
        device_cookie,
    } = attempt;
    let (reserve_email, reserve_ip) = (email.clone(), ip.clone());
    let key = state.device_key.clone();
    let reserved = state
        .db(move |conn| {
            let user = user::find_by_email(conn, &reserve_email)?;
            let device = device_cookie
                .and_then(|value| device::verify(&value, &key))
                .filter(|d| user.as_ref().is_some_and(|u| u.id == d.user_id));
            let refused = reserve(
                conn,
                &config,
                &reserve_email,
                &reserve_ip,
                device.as_ref().map(|d| d.id.as_str()),
            )?;
            Ok(match refused {
                Some(throttle) => Err(throttle),
                None => Ok(Reserved {
                    user: user.map(|u| (u.id, u.password_hash)),
                    device,
                }),
            })
        })
        .await?;
    let reserved = match reserved {
        Ok(reserved) => reserved,
        Err(throttle) => return Ok(Outcome::Throttled(throttle)),
    };
    let (user_id, stored) = reserved.user.unzip();
    let matches = crate::auth::password::verify_off_thread(password, stored).await?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        return Ok(Outcome::Refused);
    };
    let secure = state.config.secure_cookies;
    let key = state.device_key.clone();
    state
        .db(move |conn| {
            if user::two_factor(conn, user_id)?.is_some() {
                let known_device = reserved.device.is_some();
                return Ok(Outcome::NeedsCode(PendingLogin {
                    user_id,
                    email,
                    device_id: reserved.device.map_or_else(device::new_id, |d| d.id),
                    known_device,
                    expires_at: totp::unix_now() + PENDING_LOGIN_SECONDS,
                }));
            }
            let device_id = reserved.device.as_ref().map(|d| d.id.as_str());
            login_failure::clear(conn, attempt_scope(&email, &ip, device_id))?;
            let device = reserved.device.unwrap_or_else(|| Device {
                id: device::new_id(),
                user_id,
            });
            Ok(Outcome::LoggedIn {
                user_id,
                device: device::cookie(&device, &key, secure),
            })
        })
        .await
}

async fn log_out(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}

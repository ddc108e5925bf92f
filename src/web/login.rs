//! Logging in and out, with throttling of repeated failures.
//!
//! A login attempt first reserves its place: in one short transaction that holds the
//! failure table's lock, it is counted against every limit that applies (account and
//! address; address; account; or, from a browser holding a valid device cookie for the
//! account, that device alone) and recorded as a failure only if none is full. Only then
//! is the password checked, off the async threads and with no connection held. A
//! success takes the reservation back and renews the device cookie; a failure leaves it.
//! So parallel requests never get more password checks than the limits allow.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use diesel::{Connection, QueryResult};
use serde::Deserialize;
use time::Duration;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::auth::device::{self, Device};
use crate::auth::session::PendingLogin;
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::totp;
use crate::error::AppError;
use crate::models::login_failure::{self, Scope};
use crate::models::user;
use crate::templates::{render_with_status, see_other};
use crate::use_cases::two_factor::{self as two_factor, CodeCheck};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(log_in))
        .route("/logout", web::post().to(log_out))
        .route(CODE_PATH, web::get().to(code_page))
        .route(CODE_PATH, web::post().to(submit_code));
}

/// The second step of a login with two-factor authentication.
pub const CODE_PATH: &str = "/login/code";
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

/// Which limit a refused attempt hit, and how long until it lets one through again.
pub(crate) struct Throttle {
    paused: Paused,
    retry_after: Duration,
}

#[derive(Clone, Copy)]
enum Paused {
    /// This account from this address, or from this known device.
    AccountFromHere,
    /// Every account from this address.
    Here,
    /// This account from browsers that have not logged in to it before.
    Account,
}

impl Throttle {
    /// Whole seconds, rounded up, for `Retry-After`.
    pub(crate) fn seconds(&self) -> i64 {
        ((self.retry_after.whole_milliseconds() + 999) / 1000).max(1) as i64
    }

    pub(crate) fn message(&self) -> String {
        let minutes = (self.seconds() + 59) / 60;
        let wait = format!(
            "try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        );
        match self.paused {
            Paused::AccountFromHere => format!(
                "Too many failed attempts. For your security, logging in to this account from \
                 here is paused: {wait}"
            ),
            Paused::Here => format!(
                "Too many failed attempts from your network. For your security, logging in \
                 from here is paused: {wait}"
            ),
            Paused::Account => format!(
                "Too many failed attempts for this account. For your security, logging in to \
                 it from a browser that has not logged in to it before is paused: {wait}"
            ),
        }
    }
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

/// The failures a successful attempt takes back: those of its device, or of the account
/// from its address.
pub(crate) fn attempt_scope<'a>(email: &'a str, ip: &'a str, device: Option<&'a str>) -> Scope<'a> {
    match device {
        Some(device) => Scope::Device { email, device },
        None => Scope::AccountFromAddress { email, ip },
    }
}

/// In one transaction holding the table's lock: if every limit that applies still has
/// room, records the attempt as a failure (a success takes it back) and returns `None`;
/// otherwise records nothing and says which limit waits longest.
pub(crate) fn reserve(
    conn: &mut DbConnection,
    config: &Config,
    email: &str,
    ip: &str,
    device: Option<&str>,
) -> QueryResult<Option<Throttle>> {
    conn.transaction(|conn| {
        let now = crate::db::now();
        let since = now - config.login_failure_window;
        login_failure::lock(conn, since)?;
        let limits = match device {
            Some(device) => vec![(
                Scope::Device { email, device },
                config.login_max_failures,
                Paused::AccountFromHere,
            )],
            None => vec![
                (
                    Scope::AccountFromAddress { email, ip },
                    config.login_max_failures,
                    Paused::AccountFromHere,
                ),
                (
                    Scope::Address { ip },
                    config.login_max_failures_per_address,
                    Paused::Here,
                ),
                (
                    Scope::Account { email },
                    config.login_max_failures_per_account,
                    Paused::Account,
                ),
            ],
        };
        let mut longest: Option<Throttle> = None;
        for (scope, limit, paused) in limits {
            let failures = login_failure::count(conn, scope, since)?;
            if failures < limit {
                continue;
            }
            // Room returns when all but `limit - 1` of these failures have aged out.
            let freeing = login_failure::nth_oldest(conn, scope, since, failures - limit)?;
            let retry_after = freeing.unwrap_or(now) + config.login_failure_window - now;
            if longest.as_ref().is_none_or(|t| t.retry_after < retry_after) {
                longest = Some(Throttle {
                    paused,
                    retry_after,
                });
            }
        }
        if longest.is_none() {
            login_failure::record(conn, email, ip, device)?;
        }
        Ok(longest)
    })
}

async fn log_out(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}

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

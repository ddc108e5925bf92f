//! Sudo mode: actions that hand out or take away access (keys, roles, API access,
//! invitations, two-factor settings) need the password, and the code when two-factor
//! authentication is on, typed within the last two hours; logging in counts.
//!
//! The guard wraps those routes. When the confirmation is older, the action is held in
//! the session (its form's fields, never passwords or codes) under a one-time random id,
//! with a sentence saying what it will do, and the browser is sent to "Confirm access"
//! for that id. The page states the sentence; its form carries the id and goes to the
//! held action's own path. There the guard checks the password (throttled like logins),
//! takes that held action out of the session and runs it with the fields it was held
//! with, never with fields from the confirming form, so its response (a new key shown
//! once) is the answer to the confirmation. Holding another action never replaces a held
//! one; a held action expires after a few minutes, and "Cancel" drops it.

pub mod describe;

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{HttpServiceFactory, Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, RETRY_AFTER};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, Route, guard, web};
use askama::Template;
use serde::Deserialize;

pub use describe::{Asked, Describe};

use crate::app::AppState;
use crate::auth::current_user::client_ip;
use crate::auth::session::{HELD_FOR_SECS, HeldAction};
use crate::auth::{TypedSession, Viewer, csrf, device};
use crate::domain::totp;
use crate::error::AppError;
use crate::models::{login_failure, user};
use crate::templates::{render_with_status, see_other};
use crate::use_cases::two_factor::{self as two_factor, CodeCheck};
use crate::web::form::FieldErrors;
use crate::web::login_throttle::{attempt_scope, reserve};

pub const PATH: &str = "/confirm-access";
const CANCEL_PATH: &str = "/confirm-access/cancel";
/// The confirmation's own fields, taken out of the form before the action sees it.
const PASSWORD_FIELD: &str = "confirm_password";
const CODE_FIELD: &str = "confirm_code";
/// The held action's one-time id, in the page's address and in its form.
const ACTION_FIELD: &str = "confirm_action";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::get().to(page))
        .route(CANCEL_PATH, web::post().to(cancel))
        .service(post(
            PATH,
            describe::nothing,
            web::post().to(open_held_page),
        ));
}

/// A form action that needs access confirmed; `describe` says what it will do.
pub fn post(path: &str, describe: Describe, route: Route) -> impl HttpServiceFactory + use<> {
    web::resource(path)
        .guard(guard::Post())
        .wrap(from_fn(move |req, next: Next<BoxBody>| {
            require_confirmed_access(req, next, describe)
        }))
        .route(route)
}

/// A page that needs access confirmed before it opens; `describe` says which.
pub fn get(path: &str, describe: Describe, route: Route) -> impl HttpServiceFactory + use<> {
    web::resource(path)
        .guard(guard::Get())
        .wrap(from_fn(move |req, next: Next<BoxBody>| {
            require_confirmed_access(req, next, describe)
        }))
        .route(route)
}

fn now() -> i64 {
    totp::unix_now() as i64
}

fn typed(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

async fn require_confirmed_access(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    describe: Describe,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let session = TypedSession::from_session(req.get_session());
    // Without a login the handler sends the browser to log in.
    let Some(user_id) = session.user_id()? else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let fields: Vec<(String, String)> = if req.method() == Method::GET {
        Vec::new()
    } else {
        let body = csrf::read_body(&mut req).await?;
        let fields = serde_urlencoded::from_bytes(&body).unwrap_or_default();
        req.set_payload(Payload::from(body));
        fields
    };
    if let Some(id) = typed(&fields, ACTION_FIELD) {
        return confirm_held(req, next, session, user_id, id, fields).await;
    }
    let state = AppState::of(req.request());
    let window = state.config.sudo_window.whole_seconds();
    let confirmed = session
        .access_confirmed_at()
        .is_some_and(|at| now() - at < window);
    if confirmed || req.path() == PATH {
        // Posting to the page itself without a held action holds nothing: there is
        // nothing to continue to.
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
    let kept = kept_fields(&fields);
    let asked = Asked {
        user_id,
        id: req.match_info().get("id").and_then(|id| id.parse().ok()),
        fields: kept.clone(),
    };
    let summary = state.db(move |conn| Ok(describe(conn, &asked)?)).await?;
    let held = HeldAction::new(summary, target, req.method() != Method::GET, kept, now());
    let page = format!("{PATH}?{ACTION_FIELD}={}", held.id);
    session.hold_action(held, now())?;
    Ok(req.into_response(see_other(&page)))
}

/// The form of a "Confirm access" page, sent for held action `id`: with the right
/// password (and code) that action runs, as held, once.
async fn confirm_held(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    session: TypedSession,
    user_id: i32,
    id: String,
    fields: Vec<(String, String)>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = AppState::of(req.request());
    let Some(held) = session
        .held_action(&id, now())
        .filter(|held| form_target(held) == req.path())
    else {
        return Ok(req.into_response(gone(&session)?));
    };
    let password = typed(&fields, PASSWORD_FIELD).unwrap_or_default();
    let code = typed(&fields, CODE_FIELD).unwrap_or_default();
    let attempt = Attempt::of(req.request());
    let checked = if password.is_empty() {
        Checked::refused(
            "confirm_password",
            "Enter your password.",
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    } else {
        check(&state, user_id, attempt, password, code).await?
    };
    match checked {
        Checked::Confirmed => {
            // Spent here: a second submission of the same page finds nothing to run.
            let Some(held) = session.take_held_action(&id, now())? else {
                return Ok(req.into_response(gone(&session)?));
            };
            session.confirm_access(now())?;
            if !held.is_form {
                return Ok(req.into_response(see_other(&held.target)));
            }
            let mut body: Vec<(&str, &str)> = held
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let token = typed(&fields, csrf::FIELD).unwrap_or_default();
            body.push((csrf::FIELD, token.as_str()));
            let body = serde_urlencoded::to_string(body).map_err(AppError::internal)?;
            req.set_payload(Payload::from(Bytes::from(body)));
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Checked::Refused {
            errors,
            status,
            retry_after,
        } => {
            let mut response = render(&state, &session, user_id, held, errors, status).await?;
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds));
            }
            Ok(req.into_response(response))
        }
    }
}

/// Where the page's form goes: the held action itself, or this page for a page to open.
fn form_target(held: &HeldAction) -> &str {
    if held.is_form {
        held.target.split('?').next().unwrap_or_default()
    } else {
        PATH
    }
}

/// What a held form keeps: everything typed except the CSRF token (the page sends the
/// session's own), the confirmation's fields, passwords and codes.
fn kept_fields(fields: &[(String, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .filter(|(name, _)| {
            name != csrf::FIELD
                && name != PASSWORD_FIELD
                && name != CODE_FIELD
                && !name.contains("password")
                && name != "code"
                && !name.ends_with("_code")
        })
        .cloned()
        .collect()
}

/// Where a password or code is typed from: what the login throttle counts by.
pub(crate) struct Attempt {
    ip: String,
    device_cookie: Option<String>,
}

impl Attempt {
    pub(crate) fn of(req: &actix_web::HttpRequest) -> Self {
        Self {
            ip: client_ip(req),
            device_cookie: req
                .cookie(device::COOKIE_NAME)
                .map(|c| c.value().to_owned()),
        }
    }
}

pub(crate) enum Checked {
    Confirmed,
    Refused {
        errors: FieldErrors,
        status: StatusCode,
        retry_after: Option<i64>,
    },
}

impl Checked {
    fn refused(field: &'static str, message: &str, status: StatusCode) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Refused {
            errors,
            status,
            retry_after: None,
        }
    }
}

/// The password (argon2, off the async threads, with no connection held) and then the
/// code, each attempt reserved against the login limits first, as at login.
pub(crate) async fn check(
    state: &AppState,
    user_id: i32,
    attempt: Attempt,
    password: String,
    code: String,
) -> Result<Checked, AppError> {
    let config = state.config.clone();
    let key = state.device_key.clone();
    let ip = attempt.ip;
    let reserve_ip = ip.clone();
    let code_missing = code.trim().is_empty();
    let reserved = state
        .db(move |conn| {
            let Some(found) = user::find(conn, user_id)? else {
                return Ok(None);
            };
            let has_two_factor = user::two_factor(conn, user_id)?.is_some();
            if has_two_factor && code_missing {
                return Ok(Some(Err(Checked::refused(
                    "confirm_code",
                    "Enter a code from your authenticator app, or a recovery code.",
                    StatusCode::UNPROCESSABLE_ENTITY,
                ))));
            }
            let device = attempt
                .device_cookie
                .and_then(|value| device::verify(&value, &key))
                .filter(|d| d.user_id == user_id)
                .map(|d| d.id);
            if let Some(throttle) =
                reserve(conn, &config, &found.email, &reserve_ip, device.as_deref())?
            {
                return Ok(Some(Err(Checked::Refused {
                    errors: {
                        let mut errors = FieldErrors::default();
                        errors.add("form", throttle.message());
                        errors
                    },
                    status: StatusCode::TOO_MANY_REQUESTS,
                    retry_after: Some(throttle.seconds()),
                })));
            }
            Ok(Some(Ok((found, has_two_factor, device))))
        })
        .await?;
    let (found, has_two_factor, device) = match reserved {
        None => return Err(AppError::LoginRequired),
        Some(Err(refused)) => return Ok(refused),
        Some(Ok(reserved)) => reserved,
    };
    let stored = Some(found.password_hash.clone());
    if !crate::auth::password::verify_off_thread(password, stored).await? {
        return Ok(Checked::refused(
            "confirm_password",
            "Incorrect password.",
            StatusCode::UNAUTHORIZED,
        ));
    }
    let email = found.email;
    state
        .db(move |conn| {
            if has_two_factor {
                let check = two_factor::check_code(conn, user_id, &code, totp::unix_now())?;
                if let Some(message) = check.message().filter(|_| check != CodeCheck::Accepted) {
                    return Ok(Checked::refused(
                        "confirm_code",
                        message,
                        StatusCode::UNAUTHORIZED,
                    ));
                }
            }
            login_failure::clear(conn, attempt_scope(&email, &ip, device.as_deref()))?;
            Ok(Checked::Confirmed)
        })
        .await
}

#[derive(Template)]
#[template(path = "auth/confirm_access.html")]
struct ConfirmTemplate {
    csrf: String,
    user_name: String,
    user_email: String,
    /// What confirming will do; `None` when the action is no longer held.
    summary: Option<String>,
    /// Where the form goes: the held action, or this page for a page to open.
    action: String,
    held_id: String,
    two_factor: bool,
    /// How long the confirmation lasts, in words ("2 hours").
    window: String,
    /// How long a held action waits, in words ("5 minutes").
    held_for: String,
    cancel: &'static str,
    errors: FieldErrors,
}

/// Where "Cancel" goes: the area the action belongs to.
fn cancel_target(target: &str) -> &'static str {
    if target.starts_with("/settings/team") {
        "/settings/team"
    } else if target.starts_with("/account") {
        "/account"
    } else {
        "/settings/integrations"
    }
}

/// The page for `held`, as `user_id` sees it.
async fn render(
    state: &AppState,
    session: &TypedSession,
    user_id: i32,
    held: HeldAction,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let found = state
        .db(move |conn| {
            let Some(found) = user::find(conn, user_id)? else {
                return Ok(None);
            };
            let has_two_factor = user::two_factor(conn, user_id)?.is_some();
            Ok(Some((found, has_two_factor)))
        })
        .await?;
    let Some((found, two_factor)) = found else {
        return Err(AppError::LoginRequired);
    };
    let template = ConfirmTemplate {
        csrf: session.csrf_token()?,
        user_name: found.name,
        user_email: found.email,
        action: if held.is_form {
            held.target.clone()
        } else {
            PATH.to_owned()
        },
        cancel: cancel_target(&held.target),
        summary: Some(held.summary),
        held_id: held.id,
        two_factor,
        window: crate::format::span(state.config.sudo_window.whole_seconds().unsigned_abs()),
        held_for: crate::format::span(HELD_FOR_SECS.unsigned_abs()),
        errors,
    };
    no_store(render_with_status(&template, status)?)
}

/// The answer to a confirmation whose action is no longer held (expired, cancelled,
/// already run, or never held in this session): nothing was done.
fn gone(session: &TypedSession) -> Result<HttpResponse, AppError> {
    let template = ConfirmTemplate {
        csrf: session.csrf_token()?,
        user_name: String::new(),
        user_email: String::new(),
        summary: None,
        action: String::new(),
        held_id: String::new(),
        two_factor: false,
        window: String::new(),
        held_for: crate::format::span(HELD_FOR_SECS.unsigned_abs()),
        cancel: "/settings/integrations",
        errors: FieldErrors::default(),
    };
    no_store(render_with_status(&template, StatusCode::GONE)?)
}

#[derive(Deserialize)]
struct HeldQuery {
    #[serde(default)]
    confirm_action: String,
}

/// "Confirm access" for the held action the address names.
async fn page(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<HeldQuery>,
) -> Result<HttpResponse, AppError> {
    match viewer.session.held_action(&query.confirm_action, now()) {
        Some(held) => {
            render(
                &state,
                &viewer.session,
                viewer.user.id,
                held,
                FieldErrors::default(),
                StatusCode::OK,
            )
            .await
        }
        None => gone(&viewer.session),
    }
}

#[derive(Deserialize)]
struct CancelForm {
    #[serde(default)]
    confirm_action: String,
}

/// "Cancel": the held action is dropped, and the browser goes back where it came from.
async fn cancel(
    viewer: Viewer,
    web::Form(form): web::Form<CancelForm>,
) -> Result<HttpResponse, AppError> {
    let back = viewer
        .session
        .take_held_action(&form.confirm_action, now())?
        .map_or("/settings/integrations", |held| cancel_target(&held.target));
    Ok(see_other(back))
}

/// A confirmation posted to the page itself with no held page to open.
async fn open_held_page() -> HttpResponse {
    see_other("/settings/integrations")
}

fn no_store(mut response: HttpResponse) -> Result<HttpResponse, AppError> {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

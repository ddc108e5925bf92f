//! Sudo mode: actions that hand out or take away access (keys, roles, API access,
//! invitations, two-factor settings) need the password, and the code when two-factor
//! authentication is on, typed within the last two hours; logging in counts.
//!
//! The guard wraps those routes. When the confirmation is older, the action is held in
//! the session (its form's fields, never passwords or codes) and the browser is sent to
//! "Confirm access". That page's form goes to the held action itself with the held
//! fields and the password: the guard checks the password (throttled like logins), then
//! lets the action run with exactly what was typed, so its response (a new key shown
//! once) is the answer to the confirmation.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{HttpServiceFactory, Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, RETRY_AFTER};
use actix_web::middleware::{Next, from_fn};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, Route, guard, web};
use askama::Template;

use crate::app::AppState;
use crate::auth::current_user::client_ip;
use crate::auth::session::HeldAction;
use crate::auth::{TypedSession, Viewer, csrf, device};
use crate::domain::totp;
use crate::error::AppError;
use crate::models::{login_failure, user};
use crate::templates::{render_with_status, see_other};
use crate::use_cases::two_factor::{self as two_factor, CodeCheck};
use crate::web::form::FieldErrors;
use crate::web::login_throttle::{attempt_scope, reserve};

pub const PATH: &str = "/confirm-access";
/// The confirmation's own fields, taken out of the form before the action sees it.
const PASSWORD_FIELD: &str = "confirm_password";
const CODE_FIELD: &str = "confirm_code";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::get().to(page))
        .service(post(PATH, web::post().to(open_held_page)));
}

/// A form action that needs access confirmed.
pub fn post(path: &str, route: Route) -> impl HttpServiceFactory + use<> {
    web::resource(path)
        .guard(guard::Post())
        .wrap(from_fn(require_confirmed_access))
        .route(route)
}

/// A page that needs access confirmed before it opens.
pub fn get(path: &str, route: Route) -> impl HttpServiceFactory + use<> {
    web::resource(path)
        .guard(guard::Get())
        .wrap(from_fn(require_confirmed_access))
        .route(route)
}

fn now() -> i64 {
    totp::unix_now() as i64
}

async fn require_confirmed_access(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let session = TypedSession::from_session(req.get_session());
    let window = AppState::of(req.request())
        .config
        .sudo_window
        .whole_seconds();
    let confirmed = session
        .access_confirmed_at()
        .is_some_and(|at| now() - at < window);
    // Without a login the handler sends the browser to log in.
    let user_id = match session.user_id()? {
        Some(user_id) if !confirmed => user_id,
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
    let fields: Vec<(String, String)> = if req.method() == actix_web::http::Method::GET {
        Vec::new()
    } else {
        serde_urlencoded::from_bytes(&csrf::read_body(&mut req).await?).unwrap_or_default()
    };
    let typed = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(password) = typed(PASSWORD_FIELD) else {
        // Posting to the page itself without a password holds nothing: there is nothing
        // to continue to.
        if req.path() != PATH {
            session.hold_action(&HeldAction {
                target,
                is_form: req.method() != actix_web::http::Method::GET,
                fields: kept_fields(&fields),
            })?;
        }
        return Ok(req.into_response(see_other(PATH)));
    };
    let code = typed(CODE_FIELD).unwrap_or_default();
    let attempt = Attempt::of(req.request());
    let state = AppState::of(req.request());
    match check(&state, user_id, attempt, password, code).await? {
        Checked::Confirmed => {
            session.confirm_access(now())?;
            if req.path() != PATH {
                session.clear_held_action();
            }
            let rest: Vec<(&str, &str)> = fields
                .iter()
                .filter(|(k, _)| k != PASSWORD_FIELD && k != CODE_FIELD)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let body = serde_urlencoded::to_string(rest).map_err(AppError::internal)?;
            req.set_payload(Payload::from(Bytes::from(body)));
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Checked::Refused {
            errors,
            status,
            retry_after,
        } => {
            // A page to open stays held as it was; a form keeps what was typed.
            let held = match session.held_action() {
                Some(held) if req.path() == PATH => held,
                _ => HeldAction {
                    target,
                    is_form: true,
                    fields: kept_fields(&fields),
                },
            };
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
    /// Where the form goes: the held action, or this page for a page to open.
    action: String,
    fields: Vec<(String, String)>,
    two_factor: bool,
    /// How long the confirmation lasts, in words ("2 hours").
    window: String,
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
        fields: held.fields,
        two_factor,
        window: crate::format::span(state.config.sudo_window.whole_seconds().unsigned_abs()),
        errors,
    };
    no_store(render_with_status(&template, status)?)
}

/// "Confirm access" for the held action; with nothing held there is nothing to confirm.
async fn page(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let Some(held) = viewer.session.held_action() else {
        return Ok(see_other("/settings/integrations"));
    };
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

/// After confirming, the page that was held opens.
async fn open_held_page(session: TypedSession) -> Result<HttpResponse, AppError> {
    let target = session
        .held_action()
        .filter(|held| !held.is_form)
        .map_or_else(|| "/settings/integrations".to_owned(), |held| held.target);
    session.clear_held_action();
    Ok(see_other(&target))
}

fn no_store(mut response: HttpResponse) -> Result<HttpResponse, AppError> {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

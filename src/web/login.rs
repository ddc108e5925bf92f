//! Logging in and out, with throttling of repeated failures.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::error::AppError;
use crate::models::{login_failure, user};
use crate::templates::{render_with_status, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(login_page))
        .route("/login", web::post().to(log_in))
        .route("/logout", web::post().to(log_out));
}

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
    LoggedIn(i32),
    Refused,
    Throttled { minutes: i64 },
}

async fn log_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    web::Form(form): web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.email.trim().to_lowercase();
    let ip = client_ip(&req);
    let outcome = check_password(&state, email.clone(), ip, form.password).await?;
    let (error, status) = match outcome {
        Outcome::LoggedIn(user_id) => {
            session.log_in(user_id)?;
            return Ok(see_other("/settings/integrations"));
        }
        Outcome::Refused => (BAD_CREDENTIALS.to_string(), StatusCode::UNAUTHORIZED),
        Outcome::Throttled { minutes } => (
            format!(
                "Too many failed attempts. For your security, logging in to this account from \
                 here is paused: try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ),
    };
    let template = LoginTemplate {
        csrf: session.csrf_token()?,
        email: &email,
        error: Some(error),
    };
    render_with_status(&template, status)
}

/// Throttle, then argon2 with no connection held, then the failure count: three steps,
/// so a slow hash never keeps a pooled connection from other requests.
async fn check_password(
    state: &AppState,
    email: String,
    ip: String,
    password: String,
) -> Result<Outcome, AppError> {
    let config = state.config.clone();
    let (lookup_email, lookup_ip) = (email.clone(), ip.clone());
    let found = state
        .db(move |conn| {
            let window_start = crate::db::now() - config.login_failure_window;
            let (failures, oldest) =
                login_failure::recent(conn, &lookup_email, &lookup_ip, window_start)?;
            if failures >= config.login_max_failures {
                let retry_at = oldest.unwrap_or(window_start) + config.login_failure_window;
                let minutes = ((retry_at - crate::db::now()).whole_seconds() + 59) / 60;
                return Ok(Err(Outcome::Throttled {
                    minutes: minutes.max(1),
                }));
            }
            let user = user::find_by_email(conn, &lookup_email)?;
            Ok(Ok(user.map(|u| (u.id, u.password_hash))))
        })
        .await?;
    let found = match found {
        Ok(found) => found,
        Err(throttled) => return Ok(throttled),
    };
    let (user_id, stored) = found.unzip();
    let matches = crate::auth::password::verify_off_thread(password, stored).await?;
    state
        .db(move |conn| match (matches, user_id) {
            (true, Some(user_id)) => {
                login_failure::clear(conn, &email, &ip)?;
                Ok(Outcome::LoggedIn(user_id))
            }
            _ => {
                login_failure::record(conn, &email, &ip)?;
                Ok(Outcome::Refused)
            }
        })
        .await
}

async fn log_out(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}

//! Logging in and out, with throttling of repeated failures.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::error::AppError;
use crate::models::{login_failure, user};
use crate::startup::AppState;
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
    let config = state.config.clone();
    let outcome = {
        let email = email.clone();
        let password = form.password;
        state
            .db(move |conn| {
                let window_start = crate::db::now() - config.login_failure_window;
                let (failures, oldest) = login_failure::recent(conn, &email, &ip, window_start)?;
                if failures >= config.login_max_failures {
                    let retry_at = oldest.unwrap_or(window_start) + config.login_failure_window;
                    let minutes = ((retry_at - crate::db::now()).whole_seconds() + 59) / 60;
                    return Ok(Outcome::Throttled {
                        minutes: minutes.max(1),
                    });
                }
                let found = user::find_by_email(conn, &email)?;
                let stored = found.as_ref().map(|u| u.password_hash.as_str());
                if crate::auth::password::verify(&password, stored) {
                    login_failure::clear(conn, &email, &ip)?;
                    Ok(Outcome::LoggedIn(found.map(|u| u.id).unwrap_or_default()))
                } else {
                    login_failure::record(conn, &email, &ip)?;
                    Ok(Outcome::Refused)
                }
            })
            .await?
    };
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

async fn log_out(session: TypedSession) -> HttpResponse {
    session.log_out();
    see_other("/login")
}

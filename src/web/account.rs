//! Profile → "Account": the page, your name and your password (signing sessions out
//! lives in `account_sessions`).
//!
//! A password change checks the current password like a login does: the attempt is
//! counted against the login limits before argon2 runs (with no connection held), so a
//! stolen session cannot be used to guess the password faster than the login form allows.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::{Name, Password};
use crate::error::AppError;
use crate::models::{session, user};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::account::{self, NewPassword};
use crate::web::account_sessions::SessionLine;
use crate::web::form::FieldErrors;
use crate::web::login_throttle::{Throttle, reserve};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(account_page))
        .route("/account/name", web::post().to(change_name))
        .route("/account/password", web::post().to(change_password))
        .configure(crate::web::account_sessions::routes);
}

const WRONG_PASSWORD: &str = "Your current password is incorrect.";

#[derive(Default, Deserialize)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

#[derive(Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

#[derive(Template)]
#[template(path = "account/account.html")]
struct AccountTemplate<'a> {
    ctx: PageContext,
    email: String,
    name: &'a str,
    password_typed: bool,
    /// When two-factor authentication was turned on, if it is.
    two_factor_since: Option<String>,
    sessions: Vec<SessionLine>,
    errors: FieldErrors,
}

impl AccountTemplate<'_> {
    fn others(&self) -> usize {
        self.sessions.iter().filter(|s| !s.current).count()
    }
}

/// What a re-render keeps: the name as typed (passwords are never sent back).
struct Typed<'a> {
    name: Option<&'a str>,
    password_form: bool,
}

async fn render_account(
    state: &AppState,
    viewer: &Viewer,
    typed: Typed<'_>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mine = viewer.session.handle()?;
    let user_id = viewer.user.id;
    let absolute = state.config.session_absolute;
    let rows = state
        .db(move |conn| {
            let now = crate::db::now();
            Ok(session::list_for_user(conn, user_id, now, now - absolute)?)
        })
        .await?;
    let now = crate::db::now();
    let sessions = rows
        .into_iter()
        .map(|row| SessionLine::of(row, &mine, now))
        .collect();
    let template = AccountTemplate {
        ctx: PageContext::new(viewer, "Account", SettingsTab::Account)?,
        email: viewer.user.email.clone(),
        name: typed.name.unwrap_or(&viewer.user.name),
        two_factor_since: viewer.user.totp_enabled_at.map(crate::format::date),
        password_typed: typed.password_form,
        sessions,
        errors,
    };
    let mut response = render_with_status(&template, status)?;
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn account_page(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let typed = Typed {
        name: None,
        password_form: false,
    };
    render_account(
        &state,
        &viewer,
        typed,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn change_name(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<NameForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let Some(name) = errors.check("name", Name::parse(&form.name)) else {
        let typed = Typed {
            name: Some(&form.name),
            password_form: false,
        };
        return render_account(
            &state,
            &viewer,
            typed,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if name.as_str() == viewer.user.name {
        viewer.session.set_flash("Your name is unchanged.")?;
        return Ok(see_other("/account"));
    }
    let actor = viewer.actor();
    let (user_id, email, old) = (
        viewer.user.id,
        viewer.user.email.clone(),
        viewer.user.name.clone(),
    );
    let new = name.clone();
    state
        .db(move |conn| {
            Ok(account::rename(
                conn,
                &actor,
                user_id,
                &email,
                &old,
                new.as_str(),
            )?)
        })
        .await?;
    viewer
        .session
        .set_flash(format!("Your name is now {name}."))?;
    Ok(see_other("/account"))
}

/// What the check of the current password found before argon2 ran.
enum Reserved {
    Throttled(Throttle),
    Hash(String),
}

async fn change_password(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    if form.current_password.is_empty() {
        errors.add("current_password", "Enter your current password.");
    }
    let new = errors.check("new_password", Password::parse(form.new_password.clone()));
    if new.is_some() && form.new_password != form.new_password_again {
        errors.add(
            "new_password_again",
            "The new passwords do not match: type the same one twice.",
        );
    }
    let refuse = |errors: FieldErrors, status: StatusCode| {
        let (state, viewer) = (&state, &viewer);
        async move {
            let typed = Typed {
                name: None,
                password_form: true,
            };
            render_account(state, viewer, typed, errors, status).await
        }
    };
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return refuse(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };

    // Counted like a login attempt for this account from this address, before argon2 runs.
    let (email, ip, user_id) = (viewer.user.email.clone(), viewer.ip.clone(), viewer.user.id);
    let config = state.config.clone();
    let (reserve_email, reserve_ip) = (email.clone(), ip.clone());
    let reserved = state
        .db(move |conn| {
            if let Some(throttle) = reserve(conn, &config, &reserve_email, &reserve_ip, None)? {
                return Ok(Reserved::Throttled(throttle));
            }
            let hash = user::find(conn, user_id)?
                .map(|u| u.password_hash)
                .unwrap_or_default();
            Ok(Reserved::Hash(hash))
        })
        .await?;
    let stored = match reserved {
        Reserved::Hash(hash) => hash,
        Reserved::Throttled(throttle) => {
            errors.add("current_password", throttle.message());
            let mut response = refuse(errors, StatusCode::TOO_MANY_REQUESTS).await?;
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(throttle.seconds()));
            return Ok(response);
        }
    };
    let matches =
        crate::auth::password::verify_off_thread(form.current_password.clone(), Some(stored))
            .await?;
    if !matches {
        errors.add("current_password", WRONG_PASSWORD);
        return refuse(errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }

    let hash = crate::auth::password::hash_off_thread(new).await?;
    let keep = viewer.session.handle()?;
    let actor = viewer.actor();
    let name = viewer.user.name.clone();
    let ended = state
        .db(move |conn| {
            let new = NewPassword {
                user_id,
                name: &name,
                email: &email,
                ip: &ip,
                hash: &hash,
                keep: &keep,
            };
            Ok(account::change_password(conn, &actor, &new)?)
        })
        .await?;
    // A copy of this session's cookie taken before the change stops working too.
    viewer.session.renew();
    viewer.session.set_flash(match ended {
        0 => "Password changed.".to_string(),
        1 => "Password changed. Your other session was signed out.".to_string(),
        n => format!("Password changed. Your {n} other sessions were signed out."),
    })?;
    Ok(see_other("/account"))
}

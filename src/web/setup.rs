//! First run: `/setup` creates the workspace and its first admin, then closes for good.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::domain::setup_code::WrongSetupCode;
use crate::domain::{Email, Name, Password};
use crate::error::AppError;
use crate::models::secret;
use crate::templates::{render_with_status, see_other};
use crate::use_cases::workspace::{self, CreateError, NewWorkspace};
use crate::web::form::FieldErrors;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup", web::get().to(setup_page))
        .route("/setup", web::post().to(create_workspace));
}

/// While no user exists, every page leads to `/setup`.
pub async fn redirect_until_setup(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = AppState::of(req.request());
    if req.path() != "/setup" && !state.setup_done().await? {
        let response = see_other("/setup");
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[derive(Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    setup_code: String,
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupTemplate<'a> {
    csrf: String,
    form: &'a SetupForm,
    errors: FieldErrors,
    /// The setup code came right (from the printed link, or typed): the form carries it
    /// in a hidden field instead of asking for it.
    code_known: bool,
}

#[derive(Deserialize)]
pub struct SetupLink {
    /// The one-time setup code, when the page was opened from the link printed at start.
    code: Option<String>,
}

/// The form, asking for the setup code unless the link carried the right one; a wrong
/// one is said beside the field.
async fn setup_page(
    state: web::Data<AppState>,
    session: TypedSession,
    web::Query(link): web::Query<SetupLink>,
) -> Result<HttpResponse, AppError> {
    if state.setup_done().await? {
        return Ok(see_other("/login"));
    }
    let form = SetupForm {
        setup_code: link.code.clone().unwrap_or_default(),
        ..SetupForm::default()
    };
    let mut errors = FieldErrors::default();
    if link.code.is_some() {
        errors.check("setup_code", check_code(&state, &form.setup_code));
    }
    let template = SetupTemplate {
        csrf: session.csrf_token()?,
        code_known: link.code.is_some() && errors.is_empty(),
        form: &form,
        errors,
    };
    render_with_status(&template, StatusCode::OK)
}

/// Checks a setup code against this server's. With none (a user existed at start),
/// every code is wrong: setup never opens without one.
fn check_code(state: &AppState, typed: &str) -> Result<(), WrongSetupCode> {
    match &state.setup_code {
        Some(code) => code.check(typed),
        None => Err(WrongSetupCode),
    }
}

async fn create_workspace(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    web::Form(form): web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    if state.setup_done().await? {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    errors.check("setup_code", check_code(&state, &form.setup_code));
    let workspace_name = errors.check("workspace", Name::parse(&form.workspace));
    let name = errors.check("name", Name::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let password = errors.check("password", Password::parse(form.password.clone()));
    let (Some(workspace_name), Some(name), Some(email), Some(password), true) =
        (workspace_name, name, email, password, errors.is_empty())
    else {
        return rerender(&session, &form, errors);
    };

    let ip = client_ip(&req);
    let hash = crate::auth::password::hash_off_thread(password).await?;
    let outcome = state
        .db(move |conn| {
            let new = NewWorkspace {
                workspace_name: workspace_name.as_str(),
                admin_name: name.as_str(),
                admin_email: email.as_str(),
                password_hash: &hash,
                ip: &ip,
            };
            match workspace::create_with_admin(conn, &new, true) {
                Ok((_, user_id)) => {
                    // Spent: a later start with no users makes a new one.
                    secret::delete(conn, secret::SETUP_CODE)?;
                    Ok(Ok(user_id))
                }
                Err(CreateError::Query(e)) => Err(e.into()),
                Err(other) => Ok(Err(other)),
            }
        })
        .await?;
    match outcome {
        Ok(user_id) => {
            state.mark_setup_done();
            session.log_in(user_id)?;
            session.set_flash("Your workspace is ready. Generate your first API key below.")?;
            Ok(see_other("/settings/integrations"))
        }
        Err(CreateError::SetupClosed) => Err(AppError::Forbidden),
        Err(_) => {
            errors.add("email", "A user with this email already exists.");
            rerender(&session, &form, errors)
        }
    }
}

/// The form again with what was typed (but the password), and the setup code hidden
/// again when it was right.
fn rerender(
    session: &TypedSession,
    form: &SetupForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let template = SetupTemplate {
        csrf: session.csrf_token()?,
        code_known: !errors.has("setup_code"),
        form,
        errors,
    };
    render_with_status(&template, StatusCode::UNPROCESSABLE_ENTITY)
}

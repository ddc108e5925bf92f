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
    /// The server listens on a public address: the form asks for the setup code.
    code_required: bool,
}

async fn setup_page(
    state: web::Data<AppState>,
    session: TypedSession,
) -> Result<HttpResponse, AppError> {
    if state.setup_done().await? {
        return Ok(see_other("/login"));
    }
    let template = SetupTemplate {
        csrf: session.csrf_token()?,
        form: &SetupForm::default(),
        errors: FieldErrors::default(),
        code_required: state.setup_code.is_some(),
    };
    render_with_status(&template, StatusCode::OK)
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
    if let Some(code) = &state.setup_code {
        errors.check("setup_code", code.check(&form.setup_code));
    }
    let workspace_name = errors.check("workspace", Name::parse(&form.workspace));
    let name = errors.check("name", Name::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let password = errors.check("password", Password::parse(form.password.clone()));
    let (Some(workspace_name), Some(name), Some(email), Some(password), true) =
        (workspace_name, name, email, password, errors.is_empty())
    else {
        return rerender(&state, &session, &form, errors);
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
                    // Spent: a later restart on a public address with no users makes a new one.
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
            rerender(&state, &session, &form, errors)
        }
    }
}

fn rerender(
    state: &AppState,
    session: &TypedSession,
    form: &SetupForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let template = SetupTemplate {
        csrf: session.csrf_token()?,
        form,
        errors,
        code_required: state.setup_code.is_some(),
    };
    render_with_status(&template, StatusCode::UNPROCESSABLE_ENTITY)
}

//! First run: `/setup` creates the workspace and its first admin, then closes for good.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::TypedSession;
use crate::auth::current_user::client_ip;
use crate::domain::{Email, Name, Password};
use crate::error::AppError;
use crate::models::workspace::{self, CreateError, NewWorkspace};
use crate::startup::AppState;
use crate::templates::{render_with_status, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup", web::get().to(setup_page))
        .route("/setup", web::post().to(create_workspace));
}

/// While no user exists, every page leads to `/setup`.
pub async fn redirect_until_setup(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
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
}

#[derive(Default)]
struct SetupErrors {
    workspace: Option<String>,
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupTemplate<'a> {
    csrf: String,
    form: &'a SetupForm,
    errors: SetupErrors,
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
        errors: SetupErrors::default(),
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
    let mut errors = SetupErrors::default();
    let workspace_name = Name::parse(&form.workspace)
        .map_err(|e| errors.workspace = Some(e.to_string()))
        .ok();
    let name = Name::parse(&form.name)
        .map_err(|e| errors.name = Some(e.to_string()))
        .ok();
    let email = Email::parse(&form.email)
        .map_err(|e| errors.email = Some(e.to_string()))
        .ok();
    let password = Password::parse(form.password.clone())
        .map_err(|e| errors.password = Some(e.to_string()))
        .ok();
    let (Some(workspace_name), Some(name), Some(email), Some(password)) =
        (workspace_name, name, email, password)
    else {
        return rerender(&session, &form, errors);
    };

    let ip = client_ip(&req);
    let outcome = state
        .db(move |conn| {
            let hash = crate::auth::password::hash(password.expose())?;
            let new = NewWorkspace {
                workspace_name: workspace_name.as_str(),
                admin_name: name.as_str(),
                admin_email: email.as_str(),
                password_hash: &hash,
                ip: &ip,
            };
            match workspace::create_with_admin(conn, &new, true) {
                Ok((_, user_id)) => Ok(Ok(user_id)),
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
            errors.email = Some("A user with this email already exists.".into());
            rerender(&session, &form, errors)
        }
    }
}

fn rerender(
    session: &TypedSession,
    form: &SetupForm,
    errors: SetupErrors,
) -> Result<HttpResponse, AppError> {
    let template = SetupTemplate {
        csrf: session.csrf_token()?,
        form,
        errors,
    };
    render_with_status(&template, StatusCode::UNPROCESSABLE_ENTITY)
}

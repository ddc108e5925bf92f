//! Integrations → "Webhooks": the hooks the viewer manages (an admin: all of the
//! workspace's; a member: those that they or their keys made) with their last deliveries,
//! "Add webhook" (the signing secret shown once), "Send test event" and "Delete" (a
//! confirmation page, then sudo mode, like deleting a key). For everyone who may use API
//! keys, like the API's own hook routes.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::webhook::Target;
use crate::error::AppError;
use crate::models::hook::{self, Hook, Manager};
use crate::models::hook_delivery::{self, Delivery};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::webhooks::{self, Asker, HookRef};
use crate::web::confirm_access::{self as confirmed, describe};
use crate::web::form::FieldErrors;

const NEW_PATH: &str = "/settings/integrations/webhooks/new";
const BACK: &str = "/settings/integrations#webhooks-title";
/// Deliveries listed under each hook.
const RECENT: i64 = 5;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(NEW_PATH, web::get().to(new_page))
        // A new hook sends the workspace's activities out: sudo mode, like a new key.
        .service(confirmed::post(
            "/settings/integrations/webhooks",
            describe::add_webhook,
            web::post().to(create),
        ))
        .route(
            "/settings/integrations/webhooks/{id}/test",
            web::post().to(send_test),
        )
        .route(
            "/settings/integrations/webhooks/{id}/delete",
            web::get().to(delete_page),
        )
        // Deleting stops a workspace's events reaching an integration: sudo mode, as for keys.
        .service(confirmed::post(
            "/settings/integrations/webhooks/{id}/delete",
            describe::delete_webhook,
            web::post().to(delete),
        ));
}

/// A hook as the Integrations page lists it.
pub struct HookRow {
    pub id: i32,
    pub target_url: String,
    pub events: String,
    pub created: String,
    pub created_by: String,
    pub deliveries: Vec<DeliveryRow>,
}

pub struct DeliveryRow {
    pub when: String,
    pub when_exact: String,
    pub event_type: String,
    /// "200", or why there was no answer; "Waiting" before the first attempt.
    pub result: String,
    pub ok: bool,
    pub duration: String,
    pub attempt: i32,
    pub state: &'static str,
}

fn delivery_row(d: &Delivery, now: time::PrimitiveDateTime) -> DeliveryRow {
    let at = d.last_attempt_at.unwrap_or(d.created_at);
    let result = match (d.last_status, &d.last_error) {
        (Some(status), _) => status.to_string(),
        (None, Some(error)) => error.clone(),
        (None, None) => "Waiting".to_string(),
    };
    DeliveryRow {
        when: crate::format::relative(at, now),
        when_exact: crate::format::exact(at),
        event_type: d.event_type.clone(),
        ok: d.state == hook_delivery::DELIVERED,
        result,
        duration: d
            .last_duration_ms
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_default(),
        attempt: d.attempts,
        state: match d.state.as_str() {
            hook_delivery::DELIVERED => "Delivered",
            hook_delivery::FAILED => "Given up",
            _ if d.attempts == 0 => "Queued",
            _ => "Retrying",
        },
    }
}

/// The hooks the viewer manages, with their latest deliveries.
pub async fn rows(state: &AppState, viewer: &Viewer) -> Result<Vec<HookRow>, AppError> {
    let workspace_id = viewer.user.workspace_id;
    let manager = manager_of(viewer)?;
    let found = state
        .db(move |conn| {
            let mut out = Vec::new();
            for h in hook::list(conn, workspace_id, manager)? {
                let recent = hook_delivery::recent(conn, h.id, RECENT)?;
                out.push((h, recent));
            }
            Ok(out)
        })
        .await?;
    let now = crate::db::now();
    Ok(found
        .into_iter()
        .map(|(h, recent)| HookRow {
            id: h.id,
            events: h.event_type.clone().unwrap_or_else(|| "Every event".into()),
            created: crate::format::date(h.created_at),
            created_by: h.created_by.clone(),
            target_url: h.target_url,
            deliveries: recent.iter().map(|d| delivery_row(d, now)).collect(),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "settings/webhook_new.html")]
struct NewTemplate {
    ctx: PageContext,
    target_url: String,
    event_type: String,
    event_types: &'static [&'static str],
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "settings/webhook_secret.html")]
struct SecretTemplate {
    ctx: PageContext,
    target_url: String,
    secret: String,
}

#[derive(Deserialize, Default)]
pub struct HookForm {
    #[serde(default)]
    target_url: String,
    #[serde(default)]
    event_type: String,
}

fn may_manage(viewer: &Viewer) -> Result<(), AppError> {
    manager_of(viewer).map(|_| ())
}

/// Whose hooks the viewer manages: an admin all, a member their own; 403 without API access.
fn manager_of(viewer: &Viewer) -> Result<Manager, AppError> {
    if !viewer.user.can_use_api_keys() {
        return Err(AppError::Forbidden);
    }
    Ok(if viewer.user.is_admin() {
        Manager::Admin
    } else {
        Manager::Member(viewer.user.id)
    })
}

async fn new_page(viewer: Viewer) -> Result<HttpResponse, AppError> {
    may_manage(&viewer)?;
    render_new(
        &viewer,
        HookForm::default(),
        FieldErrors::default(),
        StatusCode::OK,
    )
}

fn render_new(
    viewer: &Viewer,
    form: HookForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with_status(
        &NewTemplate {
            ctx: PageContext::new(viewer, "Add webhook", SettingsTab::Integrations)?,
            target_url: form.target_url,
            event_type: form.event_type,
            event_types: crate::api::activities::KEYDESK_TYPES.as_slice(),
            errors,
        },
        status,
    )
}

async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<HookForm>,
) -> Result<HttpResponse, AppError> {
    may_manage(&viewer)?;
    let mut errors = FieldErrors::default();
    let event_type = Some(form.event_type.trim()).filter(|t| !t.is_empty());
    if let Some(kind) = event_type
        && !crate::api::hooks::is_event_type(kind)
    {
        errors.add("event_type", "Choose one of the listed events.");
    }
    let target = match Target::parse(&form.target_url) {
        Ok(target) => {
            let allow_private = state.config.webhooks.allow_private;
            match crate::webhooks::resolve(&target, allow_private).await {
                Ok(_) => Some(target),
                Err(e) => {
                    errors.add("target_url", e.to_string());
                    None
                }
            }
        }
        Err(e) => {
            errors.add("target_url", e.to_string());
            None
        }
    };
    let Some(target) = target.filter(|_| errors.is_empty()) else {
        return render_new(&viewer, form, errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let actor = viewer.actor();
    let user_id = viewer.user.id;
    let event_type = event_type.map(str::to_owned);
    let created = state
        .db(move |conn| {
            Ok(webhooks::create(
                conn,
                &actor,
                Asker::Person(user_id),
                target.as_str(),
                event_type.as_deref(),
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?;
    let mut response = render_with_status(
        &SecretTemplate {
            ctx: PageContext::new(&viewer, "Webhook added", SettingsTab::Integrations)?,
            target_url: created.target_url,
            secret: created.secret,
        },
        StatusCode::OK,
    )?;
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A hook of the viewer's workspace that they manage; any other id is not found.
async fn visible_hook(state: &AppState, viewer: &Viewer, id: i32) -> Result<Hook, AppError> {
    let manager = manager_of(viewer)?;
    let workspace_id = viewer.user.workspace_id;
    state
        .db(move |conn| Ok(hook::find(conn, id)?))
        .await?
        .filter(|h| h.workspace_id == workspace_id && h.managed_by(manager))
        .ok_or(AppError::NotFound)
}

async fn send_test(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let found = visible_hook(&state, &viewer, path.into_inner()).await?;
    let payload = serde_json::json!({
        "type": webhooks::TEST_EVENT,
        "teamId": state.public_ids.derived("tea", found.workspace_id),
        "hookId": found.public_id,
        "createdAt": crate::api::json_time(crate::db::now()),
        "message": "A test event from Keydesk: this webhook is reachable.",
    });
    state
        .db(move |conn| Ok(webhooks::send_test(conn, &found, &payload)?))
        .await?;
    viewer
        .session
        .set_flash("Test event queued. Its delivery shows under the webhook within seconds.")?;
    Ok(see_other(BACK))
}

#[derive(Template)]
#[template(path = "settings/webhook_delete.html")]
struct DeleteTemplate {
    ctx: PageContext,
    id: i32,
    target_url: String,
    events: String,
    created_by: String,
}

/// "Delete" asks first, naming the target and what stops.
async fn delete_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let found = visible_hook(&state, &viewer, path.into_inner()).await?;
    render_with_status(
        &DeleteTemplate {
            ctx: PageContext::new(&viewer, "Delete webhook", SettingsTab::Integrations)?,
            id: found.id,
            events: found
                .event_type
                .clone()
                .unwrap_or_else(|| "Every event".into()),
            target_url: found.target_url,
            created_by: found.created_by,
        },
        StatusCode::OK,
    )
}

async fn delete(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    may_manage(&viewer)?;
    let id = path.into_inner();
    let actor = viewer.actor();
    let asker = Asker::Person(viewer.user.id);
    state
        .db(move |conn| Ok(webhooks::delete(conn, &actor, asker, HookRef::Id(id))?))
        .await?
        .ok_or(AppError::NotFound)?;
    viewer.session.set_flash("Webhook deleted.")?;
    Ok(see_other(BACK))
}

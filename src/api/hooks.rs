//! `GET`, `POST /api/hooks` and `DELETE /api/hooks/{hookId}`: webhooks in lemlist's
//! shape (`_id`, `targetUrl`, `type`), so lemlist triggers subscribe unchanged. Any key
//! with hooks write access adds a hook; a key lists and deletes only the hooks its
//! owner's keys made (an admin's keys: all of them), and any other hook is not found.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::activities::{KEYDESK_TYPES, LEMLIST_TYPES};
use super::auth::ApiCall;
use super::error::ApiError;
use super::json_time;
use crate::domain::webhook::Target;
use crate::models::api_key;
use crate::models::audit::{Actor, key_label};
use crate::models::hook::{self, Hook};
use crate::use_cases::webhooks::{self, Asker, HookRef};

/// lemlist's webhook event types that are not activity types Keydesk lists.
const LEMLIST_HOOK_TYPES: &[&str] = &[
    "contacted",
    "hooked",
    "attracted",
    "warmed",
    "interested",
    "notInterested",
    "emailsSendFailed",
    "opportunitiesDone",
    "apiDone",
    "apiInterested",
    "apiNotInterested",
    "apiFailed",
    "linkedinVisitFailed",
    "linkedinInviteFailed",
    "linkedinVoiceNoteDone",
    "linkedinVoiceNoteFailed",
    "linkedinInterested",
    "linkedinNotInterested",
    "linkedinSendFailed",
    "manualInterested",
    "manualNotInterested",
    "campaignComplete",
];

/// Whether a hook may ask for events of `kind`.
pub fn is_event_type(kind: &str) -> bool {
    KEYDESK_TYPES.contains(&kind)
        || LEMLIST_TYPES.contains(&kind)
        || LEMLIST_HOOK_TYPES.contains(&kind)
}

/// Every type a hook may ask for, once each, for the OpenAPI document.
pub fn event_types() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = KEYDESK_TYPES
        .iter()
        .chain(LEMLIST_TYPES)
        .chain(LEMLIST_HOOK_TYPES)
        .copied()
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

pub fn hook_json(h: &Hook) -> Value {
    json!({
        "_id": h.public_id,
        "targetUrl": h.target_url,
        "type": h.event_type,
        "createdAt": json_time(h.created_at),
    })
}

pub async fn list_hooks(call: ApiCall) -> Result<HttpResponse, ApiError> {
    let hooks = call
        .read(|conn, key| {
            let Some(manager) = webhooks::manager(conn, key.workspace_id, asker(key))? else {
                return Ok(Vec::new());
            };
            Ok(hook::list(conn, key.workspace_id, manager)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(hooks.iter().map(hook_json).collect::<Vec<_>>()))
}

/// The body of `POST /api/hooks`, checked: the target (resolved) and the event type.
fn new_hook(body: &[u8], allow_private: bool) -> Result<(Target, Option<String>), ApiError> {
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::BadRequest {
        field: None,
        message: "Body of your request must be a JSON object, e.g. {\"targetUrl\": \"https://example.com/hook\"}.".into(),
    })?;
    let Some(body) = body.as_object() else {
        return Err(ApiError::BadRequest {
            field: None,
            message: "Body of your request must be a JSON object.".into(),
        });
    };
    let target = match body.get("targetUrl") {
        Some(Value::String(url)) => Target::parse(url)
            .map_err(|e| ApiError::bad_field("targetUrl", format!("targetUrl: {e}")))?,
        Some(_) => {
            return Err(ApiError::bad_field(
                "targetUrl",
                "targetUrl must be a string.",
            ));
        }
        None => return Err(ApiError::bad_field("targetUrl", "targetUrl is required.")),
    };
    let kind = match body.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(kind)) if kind.is_empty() => None,
        Some(Value::String(kind)) if is_event_type(kind) => Some(kind.clone()),
        Some(_) => {
            return Err(ApiError::bad_field(
                "type",
                format!(
                    "type must be an activity type such as {}, or left out for every event.",
                    KEYDESK_TYPES.join(", ")
                ),
            ));
        }
    };
    crate::webhooks::resolve_blocking(&target, allow_private)
        .map_err(|e| ApiError::bad_field("targetUrl", format!("targetUrl: {e}")))?;
    Ok((target, kind))
}

pub async fn create_hook(call: ApiCall, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let ip = call.client_ip();
    let allow_private = call.config().webhooks.allow_private;
    let created = call
        .run(move |conn, key| {
            let (target, kind) = new_hook(&body, allow_private)?;
            let actor = key_actor(conn, key.workspace_id, key.key_id, key.created_by, ip)?;
            // A key always manages hooks (its owner's, or its own once they left).
            webhooks::create(conn, &actor, asker(key), target.as_str(), kind.as_deref())?
                .ok_or_else(|| ApiError::NotFound("Hook not found.".into()))
        })
        .await?;
    let mut body = hook_json(&created);
    // Shown this once: the receiver checks each delivery's signature with it.
    body["secret"] = json!(created.secret);
    Ok(HttpResponse::Ok().json(body))
}

pub async fn delete_hook(call: ApiCall, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let public_id = path.into_inner();
    let ip = call.client_ip();
    let deleted = call
        .run(move |conn, key| {
            let actor = key_actor(conn, key.workspace_id, key.key_id, key.created_by, ip)?;
            webhooks::delete(conn, &actor, asker(key), HookRef::Public(&public_id))?
                .ok_or_else(|| ApiError::NotFound("Hook not found.".into()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(hook_json(&deleted)))
}

/// The key as the one managing hooks (for its owner, if still in the workspace).
fn asker(key: &super::auth::AuthedKey) -> Asker {
    Asker::Key {
        key_id: key.key_id,
        owner: key.created_by,
    }
}

/// The audit log's name for a key acting through the API.
fn key_actor(
    conn: &mut crate::db::DbConnection,
    workspace_id: i32,
    key_id: i32,
    created_by: Option<i32>,
    ip: String,
) -> Result<Actor, ApiError> {
    let scope = api_key::KeyScope {
        workspace_id,
        only_created_by: None,
    };
    let name = api_key::find_visible(conn, scope, key_id)?
        .map(|k| format!("API key {}", key_label(&k.name, &k.last4)))
        .unwrap_or_else(|| "API key".into());
    Ok(Actor {
        workspace_id,
        user_id: created_by,
        name,
        ip,
    })
}

//! Leads: add to a campaign, look up by email, remove from a campaign.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use diesel::Connection;
use serde_json::{Map, Value, json};

use super::activities::{record_for_lead, variables_of};
use super::auth::{ApiCall, AuthedKey};
use super::error::ApiError;
use super::json_time;
use crate::db::DbConnection;
use crate::domain::Email;
use crate::models::campaign::{self, Campaign};
use crate::models::lead::{self, Lead, LeadCampaign};
use crate::models::{unsubscribe, workspace};

/// Keys that describe the lead itself and cannot be variables.
const RESERVED: [&str; 5] = ["_id", "email", "campaignId", "campaignName", "isPaused"];
const MAX_VARIABLES: usize = 100;
const MAX_VALUE_CHARS: usize = 5_000;

/// The flat shape lemlist returns when adding, removing or (v1) getting a lead.
fn lead_json(lead: &Lead, campaign: &LeadCampaign) -> Value {
    let mut body = variables_of(lead);
    body.insert("_id".into(), json!(lead.public_id));
    body.insert("email".into(), json!(lead.email));
    body.insert("campaignId".into(), json!(campaign.public_id));
    body.insert("campaignName".into(), json!(campaign.name));
    body.insert("isPaused".into(), json!(lead.is_paused));
    body.insert("state".into(), json!(lead.state));
    body.insert("createdAt".into(), json!(json_time(lead.created_at)));
    Value::Object(body)
}

/// lemlist's v2 shape: one entry per campaign, variables nested.
fn lead_json_v2(lead: &Lead, campaign: &LeadCampaign) -> Value {
    let mut variables = variables_of(lead);
    variables.insert("email".into(), json!(lead.email));
    json!({
        "_id": lead.public_id,
        "isPaused": lead.is_paused,
        "state": lead.state,
        "source": "api",
        "variables": variables,
        "campaign": {"id": campaign.public_id, "name": campaign.name, "status": campaign.status},
        "createdAt": json_time(lead.created_at),
        "updatedAt": json_time(lead.updated_at),
    })
}

fn shown(campaign: &Campaign) -> LeadCampaign {
    LeadCampaign {
        public_id: campaign.public_id.clone(),
        name: campaign.name.clone(),
        status: campaign.status.clone(),
    }
}

fn parse_email(raw: &str) -> Result<Email, ApiError> {
    let email = super::inputs::email("email", raw)?;
    Email::parse(&email)
        .map_err(|e| ApiError::bad_field("email", format!("Invalid email address: {e}")))
}

/// The optional JSON body: string variables (numbers and booleans become strings).
fn parse_variables(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::BadRequest {
            field: None,
            message: "Body of your request must be a JSON object, e.g. {\"firstName\": \"Ada\"}."
                .into(),
        });
    };
    if object.len() > MAX_VARIABLES {
        return Err(ApiError::BadRequest {
            field: None,
            message: format!("A lead takes at most {MAX_VARIABLES} fields."),
        });
    }
    let mut variables = Map::new();
    for (name, value) in object {
        let reserved = RESERVED.contains(&name.as_str());
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            Value::Array(_) | Value::Object(_) => {
                return Err(bad_variable(format!(
                    "{name} must be a string, not a list or an object."
                )));
            }
        };
        if reserved {
            continue;
        }
        if text.chars().count() > MAX_VALUE_CHARS {
            return Err(bad_variable(format!(
                "{name} is longer than {MAX_VALUE_CHARS} characters."
            )));
        }
        variables.insert(name, Value::String(text));
    }
    Ok(variables)
}

/// The message names the variable; `field` is for the fixed fields of the API.
fn bad_variable(message: String) -> ApiError {
    ApiError::BadRequest {
        field: None,
        message,
    }
}

/// A boolean query parameter: `true` or `false` when sent.
fn flag(query: &HashMap<String, String>, name: &'static str) -> Result<bool, ApiError> {
    Ok(super::one_of(query, name, &["true", "false"])? == Some("true"))
}

fn campaign_not_found() -> ApiError {
    ApiError::NotFound("Campaign not found".into())
}

fn lead_not_found() -> ApiError {
    ApiError::NotFound("Lead not found".into())
}

fn insert_lead(
    conn: &mut DbConnection,
    key: &AuthedKey,
    campaign_id: &str,
    email: &Email,
    variables: &Map<String, Value>,
    deduplicate: bool,
) -> Result<Value, ApiError> {
    let workspace_id = key.workspace_id;
    conn.transaction(|conn| {
        // First: the same email added twice at once gets one lead and one 400, not a 5xx.
        workspace::lock_for_writing(conn, workspace_id)?;
        let campaign =
            campaign::find(conn, workspace_id, campaign_id)?.ok_or_else(campaign_not_found)?;
        if lead::find_in_campaign(conn, campaign.id, email.as_str())?.is_some() {
            return Err(ApiError::BadRequest {
                field: Some("email"),
                message: "Lead already in the campaign".into(),
            });
        }
        if deduplicate && lead::in_other_campaign(conn, workspace_id, campaign.id, email.as_str())? {
            return Err(ApiError::Conflict("Lead already in other campaign".into()));
        }
        if unsubscribe::covers(conn, workspace_id, email.as_str())? {
            return Err(ApiError::BadRequest {
                field: Some("email"),
                message: "This email address is in the unsubscribe list, so it cannot be added to a campaign.".into(),
            });
        }
        let stored = serde_json::to_string(variables).map_err(|e| ApiError::Internal(e.into()))?;
        let lead = lead::insert(conn, workspace_id, campaign.id, email.as_str(), &stored)?;
        record_for_lead(conn, key, "leadAdded", &lead, (&campaign.public_id, &campaign.name))?;
        Ok(lead_json(&lead, &shown(&campaign)))
    })
}

/// `POST /api/campaigns/{campaignId}/leads/{email}` (lemlist's classic form).
pub async fn add_lead(
    call: ApiCall,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, email) = path.into_inner();
    let body = call
        .run(move |conn, key| {
            let deduplicate = flag(&query, "deduplicate")?;
            let email = parse_email(&email)?;
            let variables = parse_variables(&body)?;
            insert_lead(conn, key, &campaign_id, &email, &variables, deduplicate)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /api/campaigns/{campaignId}/leads` with the email in the body (lemlist's current form).
pub async fn add_lead_from_body(
    call: ApiCall,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let campaign_id = path.into_inner();
    let body = call
        .run(move |conn, key| {
            let deduplicate = flag(&query, "deduplicate")?;
            let email = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("email").and_then(Value::as_str).map(str::to_string))
                .ok_or_else(|| {
                    ApiError::bad_field(
                        "email",
                        "email is required in the body (or use /campaigns/{campaignId}/leads/{email}).",
                    )
                })?;
            let email = parse_email(&email)?;
            let variables = parse_variables(&body)?;
            insert_lead(conn, key, &campaign_id, &email, &variables, deduplicate)
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /api/leads/{email}`: the newest lead with that email (flat), or with
/// `version=v2` every campaign's lead as an array.
pub async fn get_lead(
    call: ApiCall,
    email: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let email = email.into_inner();
    let (found, v2) = call
        .read(move |conn, key| {
            let v2 = super::one_of(&query, "version", &["v1", "v2"])? == Some("v2");
            let email = parse_email(&email)?;
            Ok((
                lead::find_by_email(conn, key.workspace_id, email.as_str())?,
                v2,
            ))
        })
        .await?;
    let Some((newest, campaign)) = found.first() else {
        return Err(lead_not_found());
    };
    if v2 {
        let all: Vec<Value> = found.iter().map(|(l, c)| lead_json_v2(l, c)).collect();
        return Ok(HttpResponse::Ok().json(all));
    }
    Ok(HttpResponse::Ok().json(lead_json(newest, campaign)))
}

/// `DELETE /api/campaigns/{campaignId}/leads/{email}`: unsubscribes the lead from the
/// campaign, or with `action=remove` deletes it.
pub async fn remove_lead(
    call: ApiCall,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, email) = path.into_inner();
    let body = call
        .run(move |conn, key| {
            let email = parse_email(&email)?;
            let remove = super::one_of(&query, "action", &["remove"])?.is_some();
            conn.transaction(|conn| {
                // First: on SQLite a transaction that read before its first write fails
                // at once if another writer committed meanwhile (the usage flush, say).
                workspace::lock_for_writing(conn, key.workspace_id)?;
                let campaign = campaign::find(conn, key.workspace_id, &campaign_id)?
                    .ok_or_else(campaign_not_found)?;
                let mut found = lead::find_in_campaign(conn, campaign.id, email.as_str())?
                    .ok_or_else(lead_not_found)?;
                let kind = if remove {
                    lead::delete(conn, found.id)?;
                    "leadRemoved"
                } else {
                    lead::unsubscribe(conn, found.id)?;
                    found.is_paused = true;
                    found.state = "emailsUnsubscribed".into();
                    "apiUnsubscribed"
                };
                record_for_lead(
                    conn,
                    key,
                    kind,
                    &found,
                    (&campaign.public_id, &campaign.name),
                )?;
                Ok(lead_json(&found, &shown(&campaign)))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

//! Pausing and resuming a lead, at lemlist's paths: `POST /api/leads/pause/{leadId}` and
//! `POST /api/leads/start/{leadId}`, where `{leadId}` is a lead's `lea_…` id or its
//! email, in every campaign or, with `?campaignId=`, in one. The answer is the array
//! of leads concerned. A lead stopped in its campaign, or whose email is on the
//! unsubscribe list, stays paused when resumed: resuming never contacts again someone
//! who asked not to be.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use diesel::Connection;
use serde_json::{Value, json};

use super::activities::{record_for_lead, variables_of};
use super::auth::ApiCall;
use super::error::ApiError;
use crate::models::lead::{self, Lead, LeadCampaign};
use crate::models::{campaign, unsubscribe, workspace};

/// lemlist's flat lead, as pause and resume answer it.
fn paused_json(lead: &Lead, campaign: &LeadCampaign) -> Value {
    let mut body = variables_of(lead);
    body.insert("_id".into(), json!(lead.public_id));
    body.insert("email".into(), json!(lead.email));
    body.insert("campaignId".into(), json!(campaign.public_id));
    body.insert("campaignName".into(), json!(campaign.name));
    body.insert("isPaused".into(), json!(lead.is_paused));
    body.insert("state".into(), json!(lead.state));
    Value::Object(body)
}

/// A `lea_…` id as it is; anything else must be an email, lower-cased.
fn lead_key(raw: &str) -> Result<String, ApiError> {
    if raw.starts_with("lea_") {
        return Ok(raw.to_string());
    }
    super::inputs::email("leadId", raw).map_err(|_| {
        ApiError::bad_field(
            "leadId",
            "leadId must be a lead id (lea_…) or an email address like name@example.com.",
        )
    })
}

async fn set_paused(
    call: ApiCall,
    lead_id: String,
    query: HashMap<String, String>,
    pause: bool,
) -> Result<HttpResponse, ApiError> {
    let leads = call
        .run(move |conn, key| {
            let wanted = lead_key(&lead_id)?;
            let campaign_id = query.get("campaignId").filter(|s| !s.is_empty()).cloned();
            conn.transaction(|conn| {
                workspace::lock_for_writing(conn, key.workspace_id)?;
                let campaign = match &campaign_id {
                    Some(id) => Some(
                        campaign::find(conn, key.workspace_id, id)?
                            .ok_or_else(|| ApiError::NotFound("Campaign not found".into()))?
                            .id,
                    ),
                    None => None,
                };
                let found = lead::find_by_id_or_email(conn, key.workspace_id, &wanted, campaign)?;
                if found.is_empty() {
                    return Err(ApiError::NotFound("Lead not found".into()));
                }
                let mut answered = Vec::with_capacity(found.len());
                for (mut lead, in_campaign) in found {
                    let stays_stopped = !pause
                        && (lead.state == lead::STOPPED
                            || unsubscribe::covers(conn, key.workspace_id, &lead.email)?);
                    if lead.is_paused != pause && !stays_stopped {
                        lead::set_paused(conn, lead.id, pause)?;
                        lead.is_paused = pause;
                        let kind = if pause { "paused" } else { "resumed" };
                        let named = (in_campaign.public_id.as_str(), in_campaign.name.as_str());
                        record_for_lead(conn, key, kind, &lead, named)?;
                    }
                    answered.push(paused_json(&lead, &in_campaign));
                }
                Ok(answered)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(leads))
}

/// `POST /api/leads/pause/{leadId}`.
pub async fn pause_lead(
    call: ApiCall,
    lead_id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    set_paused(call, lead_id.into_inner(), query.into_inner(), true).await
}

/// `POST /api/leads/start/{leadId}`.
pub async fn resume_lead(
    call: ApiCall,
    lead_id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    set_paused(call, lead_id.into_inner(), query.into_inner(), false).await
}

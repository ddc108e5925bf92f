//! `GET /api/campaigns/{campaignId}/stats?startDate&endDate&timezone`: lemlist's
//! original campaign stats, computed from Keydesk's own leads added within the window.
//! Keydesk sends no messages, so lemlist's message counters (`sentCount`, `openedCount`,
//! ...) are left out rather than reported as zeros; the lead counters are lemlist's
//! `leadTotal`, `leadToLaunch` (neither paused nor stopped: waiting for the campaign)
//! and `leadCompleted` (unsubscribed from the campaign: their sequence is over), plus
//! `leadPaused` for the rest. Dates without an offset are read in `timezone` (an IANA
//! name; UTC when absent).

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::auth::ApiCall;
use super::error::ApiError;
use super::{dates, json_time};
use crate::models::{campaign, lead};

pub async fn campaign_stats(
    call: ApiCall,
    campaign_id: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let campaign_id = campaign_id.into_inner();
    let query = query.into_inner();
    let (found, counts, window) = call
        .run(move |conn, key| {
            let zone = match query.get("timezone") {
                Some(tz) => dates::Zone::parse("timezone", tz)?,
                None => dates::Zone::utc(),
            };
            let window = dates::window(&query, &["startDate"], &["endDate"], &zone)?;
            let found = campaign::find(conn, key.workspace_id, &campaign_id)?
                .ok_or_else(|| ApiError::NotFound("Campaign not found".into()))?;
            let counts = lead::counts(conn, found.id, window.0, window.1)?;
            Ok((found, counts, window))
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "campaignId": found.public_id,
        "startDate": window.0.map(json_time),
        "endDate": window.1.map(json_time),
        "leadTotal": counts.total,
        "leadToLaunch": counts.waiting,
        "leadPaused": counts.paused,
        "leadCompleted": counts.stopped,
    })))
}

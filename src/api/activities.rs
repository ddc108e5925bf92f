//! `GET /api/activities`: what happened to leads, newest first.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::auth::ApiCall;
use super::error::ApiError;
use super::{Paging, json_time};
use crate::models::activity::{self, Activity, ActivityFilter};
use crate::models::derived_public_id;

/// The activity types Keydesk writes.
pub const KEYDESK_TYPES: [&str; 5] = [
    "leadAdded",
    "leadRemoved",
    "apiUnsubscribed",
    "variableUnsubscribed",
    "variableSubscribed",
];

/// lemlist's other activity types: accepted as filters (a lemlist client may ask
/// for them) though Keydesk never records them, so they match nothing.
pub const LEMLIST_TYPES: &[&str] = &[
    "emailsSent",
    "emailsOpened",
    "emailsClicked",
    "emailsReplied",
    "emailsBounced",
    "emailsFailed",
    "emailsUnsubscribed",
    "emailsInterested",
    "emailsNotInterested",
    "linkedinSent",
    "linkedinOpened",
    "linkedinReplied",
    "linkedinInviteDone",
    "linkedinInviteAccepted",
    "linkedinVisitDone",
    "manualUnsubscribed",
    "paused",
    "resumed",
    "stopped",
    "skipped",
    "meetingBooked",
    "annotated",
    "entityUnsubscribed",
    "entitySubscribed",
];

fn activity_json(a: &Activity, team_id: &str) -> serde_json::Value {
    json!({
        "_id": a.public_id,
        "type": a.kind,
        "createdAt": json_time(a.created_at),
        "teamId": team_id,
        "campaignId": a.campaign_public_id,
        "campaignName": a.campaign_name,
        "name": a.campaign_name,
        "leadId": a.lead_public_id,
        "leadEmail": a.lead_email,
        "leadFirstName": a.lead_first_name,
        "leadLastName": a.lead_last_name,
        "leadCompanyName": a.lead_company_name,
        "userName": "api",
        "isFirst": false,
        "bot": false,
    })
}

/// Records an activity and queues it for the workspace's webhooks, in the caller's
/// transaction: the event and its deliveries are written together or not at all.
pub fn record(
    conn: &mut crate::db::DbConnection,
    workspace_id: i32,
    kind: &str,
    subject: &activity::Subject<'_>,
) -> diesel::QueryResult<()> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let recorded = activity::record(conn, workspace_id, kind, subject)?;
        let team_id = derived_public_id("tea", workspace_id);
        crate::use_cases::webhooks::announce(
            conn,
            workspace_id,
            kind,
            &activity_json(&recorded, &team_id),
        )?;
        Ok(())
    })
}

pub async fn list_activities(
    call: ApiCall,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (found, workspace_id) = call
        .run(move |conn, key| {
            let paging = Paging::from_query(&query)?;
            let kind = query.get("type").filter(|s| !s.is_empty());
            if let Some(kind) = kind
                && !KEYDESK_TYPES.contains(&kind.as_str())
                && !LEMLIST_TYPES.contains(&kind.as_str())
            {
                return Err(ApiError::bad_field(
                    "type",
                    format!(
                        "Unknown activity type \"{kind}\". Keydesk records: {}.",
                        KEYDESK_TYPES.join(", ")
                    ),
                ));
            }
            let text = |name: &str| {
                query
                    .get(name)
                    .filter(|s| !s.is_empty())
                    .map(String::as_str)
            };
            let filter = ActivityFilter {
                kind: text("type"),
                campaign_public_id: text("campaignId"),
                lead_public_id: text("leadId"),
                offset: paging.offset,
                limit: paging.limit,
            };
            Ok((
                activity::list(conn, key.workspace_id, &filter)?,
                key.workspace_id,
            ))
        })
        .await?;
    let team_id = derived_public_id("tea", workspace_id);
    Ok(HttpResponse::Ok().json(
        found
            .iter()
            .map(|a| activity_json(a, &team_id))
            .collect::<Vec<_>>(),
    ))
}

//! `GET /api/activities`: what happened to leads, newest first, in lemlist's shape
//! (`metaData`, `createdBy`, `userId`, `contactId`, `sequenceStep`, the lead's variables
//! at the top level), filtered by `type`, `campaignId`, `leadId`, `isFirst`, `minDate`
//! and `maxDate`. The writers of activities call `record_for_lead` or `record`.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use super::auth::{ApiCall, AuthedKey};
use super::error::ApiError;
use super::{Paging, dates, json_time};
use crate::db::DbConnection;
use crate::models::PublicIds;
use crate::models::activity::{self, Activity, ActivityFilter, Subject};
use crate::models::lead::Lead;

/// The activity types Keydesk writes.
pub const KEYDESK_TYPES: [&str; 7] = [
    "leadAdded",
    "leadRemoved",
    "apiUnsubscribed",
    "variableUnsubscribed",
    "variableSubscribed",
    "paused",
    "resumed",
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
    "stopped",
    "skipped",
    "meetingBooked",
    "annotated",
    "entityUnsubscribed",
    "entitySubscribed",
];

/// The member (usr_…) whose key makes a change; none once they have left.
pub fn creator_of(key: &AuthedKey) -> Option<String> {
    key.created_by.map(|id| key.ids.derived("usr", id))
}

/// The contact behind a lead: one person (an email) of a workspace, whatever the
/// campaign, as lemlist's `contactId`.
pub fn contact_id(ids: &PublicIds, workspace_id: i32, email: &str) -> String {
    ids.stable("ctc", &format!("{workspace_id}:{email}"))
}

/// The lead's variables, a JSON object of strings.
pub fn variables_of(lead: &Lead) -> Map<String, Value> {
    serde_json::from_str(&lead.variables).unwrap_or_default()
}

/// Records an activity about a lead in a campaign, with its variables as they are.
pub fn record_for_lead(
    conn: &mut DbConnection,
    key: &AuthedKey,
    kind: &str,
    lead: &Lead,
    campaign: (&str, &str),
) -> Result<(), ApiError> {
    let variables = variables_of(lead);
    let text = |k: &str| variables.get(k).and_then(Value::as_str);
    let creator = creator_of(key);
    record(
        conn,
        &key.ids,
        key.workspace_id,
        kind,
        &Subject {
            campaign_public_id: Some(campaign.0),
            campaign_name: Some(campaign.1),
            lead_public_id: Some(&lead.public_id),
            lead_email: Some(&lead.email),
            lead_first_name: text("firstName"),
            lead_last_name: text("lastName"),
            lead_company_name: text("companyName"),
            created_by: creator.as_deref(),
            variables: Some(&lead.variables),
        },
    )?;
    Ok(())
}

/// Records an activity about an email alone (the unsubscribe list).
pub fn record_for_email(
    conn: &mut DbConnection,
    key: &AuthedKey,
    kind: &str,
    email: &str,
) -> Result<(), ApiError> {
    let creator = creator_of(key);
    let subject = Subject {
        lead_email: Some(email),
        created_by: creator.as_deref(),
        ..Subject::default()
    };
    Ok(record(conn, &key.ids, key.workspace_id, kind, &subject)?)
}

fn activity_json(a: &Activity, ids: &PublicIds) -> Value {
    let team_id = ids.derived("tea", a.workspace_id);
    // The lead's variables first, so that the fields below always win.
    let mut body: Map<String, Value> = a
        .variables
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let fields = json!({
        "_id": a.public_id,
        "type": a.kind,
        "createdAt": json_time(a.created_at),
        "teamId": team_id,
        "campaignId": a.campaign_public_id,
        "campaignName": a.campaign_name,
        "name": a.campaign_name,
        "leadId": a.lead_public_id,
        "leadEmail": a.lead_email,
        "email": a.lead_email,
        "leadFirstName": a.lead_first_name,
        "leadLastName": a.lead_last_name,
        "leadCompanyName": a.lead_company_name,
        "contactId": a.lead_email.as_deref().map(|e| contact_id(ids, a.workspace_id, e)),
        // Keydesk's campaigns have no sequence to move through: a lead stays at step 0.
        "sequenceStep": a.campaign_public_id.as_ref().map(|_| 0),
        "createdBy": a.created_by,
        "userId": a.created_by,
        "userName": "api",
        "isFirst": a.is_first,
        "bot": false,
        "metaData": {
            "teamId": team_id,
            "campaignId": a.campaign_public_id,
            "leadId": a.lead_public_id,
            "type": a.kind,
            "createdBy": a.created_by,
        },
    });
    if let Value::Object(fields) = fields {
        body.extend(fields);
    }
    Value::Object(body)
}

fn parse_type(query: &HashMap<String, String>) -> Result<Option<&str>, ApiError> {
    let kind = query.get("type").map(String::as_str);
    if let Some(kind) = kind
        && !KEYDESK_TYPES.contains(&kind)
        && !LEMLIST_TYPES.contains(&kind)
    {
        return Err(ApiError::bad_field(
            "type",
            format!(
                "Unknown activity type \"{kind}\". Keydesk records: {}.",
                KEYDESK_TYPES.join(", ")
            ),
        ));
    }
    Ok(kind)
}

fn parse_is_first(query: &HashMap<String, String>) -> Result<Option<bool>, ApiError> {
    match query.get("isFirst").map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad_field(
            "isFirst",
            format!("isFirst must be true or false, not \"{other}\"."),
        )),
    }
}

/// Records an activity and queues it for the workspace's webhooks, in the caller's
/// transaction: the event and its deliveries are written together or not at all.
fn record(
    conn: &mut DbConnection,
    ids: &PublicIds,
    workspace_id: i32,
    kind: &str,
    subject: &Subject<'_>,
) -> diesel::QueryResult<()> {
    use diesel::Connection;
    conn.transaction(|conn| {
        let id = activity::record(conn, workspace_id, kind, subject)?;
        crate::use_cases::webhooks::announce(conn, workspace_id, kind, |conn| {
            let recorded = activity::find(conn, id)?;
            Ok(activity_json(&recorded, ids))
        })?;
        Ok(())
    })
}

pub async fn list_activities(
    call: ApiCall,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let ids = call.public_ids();
    let found = call
        .run(move |conn, key| {
            let paging = Paging::from_query(&query)?;
            let text = |name: &str| {
                query
                    .get(name)
                    .filter(|s| !s.is_empty())
                    .map(String::as_str)
            };
            // lemlist also reads startDate and endDate here, as aliases.
            let (from, until) = dates::window(
                &query,
                &["minDate", "startDate"],
                &["maxDate", "endDate"],
                &dates::Zone::utc(),
            )?;
            let filter = ActivityFilter {
                kind: parse_type(&query)?,
                campaign_public_id: text("campaignId"),
                lead_public_id: text("leadId"),
                is_first: parse_is_first(&query)?,
                from,
                until,
                offset: paging.offset,
                limit: paging.limit,
            };
            Ok(activity::list(conn, key.workspace_id, &filter)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        found
            .iter()
            .map(|a| activity_json(a, &ids))
            .collect::<Vec<_>>(),
    ))
}

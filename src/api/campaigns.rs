//! `GET /api/campaigns` (a bare array, or with `version=v2` lemlist's page shape
//! `{campaigns, pagination}`), `POST /api/campaigns` and `GET /api/campaigns/{campaignId}`.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::auth::ApiCall;
use super::error::ApiError;
use super::{Paging, json_time};
use crate::domain::Name;
use crate::models::campaign::{self, Campaign, CampaignFilter};
use crate::models::workspace;

/// lemlist's campaign statuses, accepted by the `status` filter.
const STATUSES: [&str; 6] = ["running", "draft", "archived", "ended", "paused", "errors"];

pub fn campaign_json(c: &Campaign) -> Value {
    json!({
        "_id": c.public_id,
        "name": c.name,
        "labels": [],
        "timezone": c.timezone,
        "createdAt": json_time(c.created_at),
        "createdBy": c.created_by,
        "status": c.status,
    })
}

/// The filters of a list request, checked.
struct ListParams {
    paging: Paging,
    status: Option<String>,
    created_by: Option<String>,
    newest_first: bool,
}

/// Every parameter is checked whichever form is asked for; in the v2 form `page` and
/// `limit` say which campaigns (`page_of`), and `offset` is not used.
fn list_params(query: &HashMap<String, String>) -> Result<ListParams, ApiError> {
    let paging = Paging::from_query(query)?;
    let status = super::one_of(query, "status", &STATUSES)?.map(str::to_string);
    let newest_first = super::one_of(query, "sortOrder", &["asc", "desc"])? == Some("desc");
    super::one_of(query, "sortBy", &["createdAt"])?;
    Ok(ListParams {
        paging,
        status,
        created_by: query.get("createdBy").filter(|s| !s.is_empty()).cloned(),
        newest_first,
    })
}

/// lemlist's `version=v2` paging: `page` from 1 (default 1) and `limit` from 1 to 100.
#[derive(Debug, Clone, Copy)]
struct Page {
    page: i64,
    limit: i64,
}

/// The documented maximum of `page`.
const MAX_PAGE: i64 = 10_000_000;

fn page_of(query: &HashMap<String, String>) -> Result<Page, ApiError> {
    let page = match query.get("page") {
        None => 1,
        Some(raw) => super::whole_number(raw)
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::bad_field(
                    "page",
                    format!("page must be a whole number from 1 to {MAX_PAGE}, not \"{raw}\"."),
                )
            })?,
    };
    let limit = Paging::parse(None, query.get("limit").map(String::as_str))?.limit;
    Ok(Page { page, limit })
}

fn pagination_json(page: Page, total: i64) -> Value {
    let total_pages = (total + page.limit - 1) / page.limit;
    json!({
        "page": page.page,
        "limit": page.limit,
        "totalRecords": total,
        "currentPage": page.page,
        "nextPage": if page.page < total_pages { Some(page.page + 1) } else { None },
        "totalPage": total_pages,
    })
}

pub async fn list_campaigns(
    call: ApiCall,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (campaigns, paged) = call
        .run(move |conn, key| {
            // Inside `run`: a bad key is refused before any parameter is judged.
            let params = list_params(&query)?;
            let page = page_of(&query)?;
            let paged = super::one_of(&query, "version", &["v1", "v2"])? == Some("v2");
            let mut filter = CampaignFilter {
                status: params.status.as_deref(),
                created_by: params.created_by.as_deref(),
                newest_first: params.newest_first,
                offset: params.paging.offset,
                limit: params.paging.limit,
            };
            let paged = match paged.then_some(page) {
                Some(page) => {
                    filter.limit = page.limit;
                    filter.offset = (page.page - 1).saturating_mul(page.limit);
                    Some((page, campaign::count(conn, key.workspace_id, &filter)?))
                }
                None => None,
            };
            Ok((campaign::list(conn, key.workspace_id, &filter)?, paged))
        })
        .await?;
    let listed: Vec<Value> = campaigns.iter().map(campaign_json).collect();
    Ok(HttpResponse::Ok().json(match paged {
        Some((page, total)) => {
            json!({"campaigns": listed, "pagination": pagination_json(page, total)})
        }
        None => Value::Array(listed),
    }))
}

/// `GET /api/campaigns/{campaignId}`: lemlist's campaign object.
pub async fn get_campaign(
    call: ApiCall,
    campaign_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign_id = campaign_id.into_inner();
    let ids = call.public_ids();
    let (found, workspace_id) = call
        .read(move |conn, key| {
            let found = campaign::find(conn, key.workspace_id, &campaign_id)?
                .ok_or_else(|| ApiError::NotFound("Campaign not found".into()))?;
            Ok((found, key.workspace_id))
        })
        .await?;
    let mut body = campaign_json(&found);
    body["teamId"] = json!(ids.derived("tea", workspace_id));
    body["hasError"] = json!(false);
    body["errors"] = json!([]);
    body["senders"] = json!([]);
    Ok(HttpResponse::Ok().json(body))
}

/// The body of `POST /api/campaigns`: a name and an optional time zone.
fn new_campaign(body: &[u8]) -> Result<(Name, String), ApiError> {
    let body: Value = serde_json::from_slice(body).map_err(|_| ApiError::BadRequest {
        field: None,
        message: "Body of your request must be a JSON object, e.g. {\"name\": \"My campaign\"}."
            .into(),
    })?;
    let Some(body) = body.as_object() else {
        return Err(ApiError::BadRequest {
            field: None,
            message: "Body of your request must be a JSON object.".into(),
        });
    };
    let name = match body.get("name") {
        Some(Value::String(name)) => Name::parse_with_max(name, 200)
            .map_err(|e| ApiError::bad_field("name", format!("name: {e}")))?,
        Some(_) => return Err(ApiError::bad_field("name", "name must be a string.")),
        None => return Err(ApiError::bad_field("name", "name is required.")),
    };
    let timezone = match body.get("timezone") {
        None | Some(Value::Null) => "Europe/Paris".to_string(),
        Some(Value::String(tz)) if super::inputs::is_time_zone(tz) => tz.clone(),
        Some(_) => {
            return Err(ApiError::bad_field(
                "timezone",
                "timezone must be an IANA time zone name such as Europe/Paris.",
            ));
        }
    };
    Ok((name, timezone))
}

pub async fn create_campaign(call: ApiCall, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let ids = call.public_ids();
    let (created, team) = call
        .run(move |conn, key| {
            let (name, timezone) = new_campaign(&body)?;
            let created_by = key
                .created_by
                .map(|id| key.ids.derived("usr", id))
                .unwrap_or_else(|| "api".into());
            let created = campaign::insert(
                conn,
                key.workspace_id,
                name.as_str(),
                &timezone,
                &created_by,
            )?;
            Ok((created, workspace::find(conn, key.workspace_id)?))
        })
        .await?;
    let mut body = campaign_json(&created);
    body["teamId"] = json!(ids.derived("tea", team.id));
    body["state"] = json!(created.status);
    Ok(HttpResponse::Ok().json(body))
}

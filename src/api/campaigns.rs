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
use crate::models::{derived_public_id, workspace};

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

/// `paged`: the v2 form, whose `page` and `limit` are read by `page_of` instead.
fn list_params(query: &HashMap<String, String>, paged: bool) -> Result<ListParams, ApiError> {
    let paging = if paged {
        Paging::parse(None, None)?
    } else {
        Paging::from_query(query)?
    };
    let status = query.get("status").filter(|s| !s.is_empty()).cloned();
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        return Err(ApiError::bad_field(
            "status",
            format!("status must be one of {}.", STATUSES.join(", ")),
        ));
    }
    let newest_first = match query.get("sortOrder").map(String::as_str) {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::bad_field(
                "sortOrder",
                format!("sortOrder must be asc or desc, not \"{other}\"."),
            ));
        }
    };
    if let Some(sort_by) = query
        .get("sortBy")
        .filter(|s| !s.is_empty() && s.as_str() != "createdAt")
    {
        return Err(ApiError::bad_field(
            "sortBy",
            format!("sortBy can only be createdAt, not \"{sort_by}\"."),
        ));
    }
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

fn page_of(query: &HashMap<String, String>) -> Result<Page, ApiError> {
    if query.get("offset").is_some_and(|s| !s.is_empty()) {
        return Err(ApiError::bad_field(
            "offset",
            "With version=v2, page through campaigns with page (from 1) and limit, not offset.",
        ));
    }
    let page = match query.get("page").filter(|s| !s.is_empty()) {
        None => 1,
        Some(raw) => raw.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::bad_field(
                "page",
                format!("page must be a whole number of 1 or more, not \"{raw}\"."),
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
            let page = match query.get("version").map(String::as_str) {
                None | Some("") | Some("v1") => None,
                Some("v2") => Some(page_of(&query)?),
                Some(other) => {
                    return Err(ApiError::bad_field(
                        "version",
                        format!("version can be v2 (or left out), not \"{other}\"."),
                    ));
                }
            };
            let params = list_params(&query, page.is_some())?;
            let mut filter = CampaignFilter {
                status: params.status.as_deref(),
                created_by: params.created_by.as_deref(),
                newest_first: params.newest_first,
                offset: params.paging.offset,
                limit: params.paging.limit,
            };
            let paged = match page {
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
    let (found, workspace_id) = call
        .run(move |conn, key| {
            let found = campaign::find(conn, key.workspace_id, &campaign_id)?
                .ok_or_else(|| ApiError::NotFound("Campaign not found".into()))?;
            Ok((found, key.workspace_id))
        })
        .await?;
    let mut body = campaign_json(&found);
    body["teamId"] = json!(derived_public_id("tea", workspace_id));
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
        Some(Value::String(tz)) if valid_timezone(tz) => tz.clone(),
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
    let (created, team) = call
        .run(move |conn, key| {
            let (name, timezone) = new_campaign(&body)?;
            let created_by = key
                .created_by
                .map(|id| derived_public_id("usr", id))
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
    body["teamId"] = json!(derived_public_id("tea", team.id));
    body["state"] = json!(created.status);
    Ok(HttpResponse::Ok().json(body))
}

/// "Area/City" style names, letters, digits and `_+-/` only; "UTC" too.
fn valid_timezone(tz: &str) -> bool {
    !tz.is_empty()
        && tz.len() <= 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+-/".contains(c))
        && (tz.contains('/') || tz == "UTC")
}

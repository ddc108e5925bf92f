//! The unsubscribe list: `GET /api/unsubscribes`, and `GET`, `POST` and `DELETE
//! /api/unsubscribes/{email}`. Unsubscribing an email (or a domain) that leads of the
//! workspace use records one `variableUnsubscribed` activity per such lead, tied to the
//! lead and its campaign, so a client following a lead or a campaign sees it.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use diesel::Connection;
use serde_json::json;

use super::activities::{record_for_email, record_for_lead};
use super::auth::ApiCall;
use super::error::ApiError;
use super::{Paging, json_time};
use crate::models::unsubscribe::{self, Unsubscribe};
use crate::models::{lead, workspace};

/// An email, or a whole domain written `@example.com`, lower-cased (`inputs`).
fn parse_value(raw: &str) -> Result<String, ApiError> {
    super::inputs::email_or_domain("email", raw)
}

/// lemlist's shape; `email` repeats `value` for clients of the older docs.
fn unsubscribe_json(u: &Unsubscribe) -> serde_json::Value {
    json!({"_id": u.public_id, "value": u.value, "email": u.value, "source": u.source, "createdAt": json_time(u.created_at)})
}

pub async fn list_unsubscribes(
    call: ApiCall,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let rows = call
        .run(move |conn, key| {
            let paging = Paging::from_query(&query)?;
            Ok(unsubscribe::list(
                conn,
                key.workspace_id,
                paging.offset,
                paging.limit,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(unsubscribe_json).collect::<Vec<_>>()))
}

/// `GET /api/unsubscribes/{email}`: the entry, or 404 when the email is not listed.
pub async fn get_unsubscribe(
    call: ApiCall,
    email: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let email = email.into_inner();
    let row = call
        .read(move |conn, key| {
            let value = parse_value(&email)?;
            unsubscribe::find(conn, key.workspace_id, &value)?
                .ok_or_else(|| ApiError::NotFound("Unsubscribe not found".into()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(unsubscribe_json(&row)))
}

/// Adds the email (idempotent: an email already listed returns its entry).
pub async fn add_unsubscribe(
    call: ApiCall,
    email: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let email = email.into_inner();
    let row = call
        .run(move |conn, key| {
            let value = parse_value(&email)?;
            conn.transaction(|conn| {
                workspace::lock_for_writing(conn, key.workspace_id)?;
                if let Some(existing) = unsubscribe::find(conn, key.workspace_id, &value)? {
                    return Ok(existing);
                }
                let row = unsubscribe::insert(conn, key.workspace_id, &value, "api")?;
                let covered = lead::covered_by(conn, key.workspace_id, &value)?;
                for (lead, campaign) in &covered {
                    let named = (campaign.public_id.as_str(), campaign.name.as_str());
                    record_for_lead(conn, key, "variableUnsubscribed", lead, named)?;
                }
                if covered.is_empty() {
                    record_for_email(conn, key, "variableUnsubscribed", &value)?;
                }
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(unsubscribe_json(&row)))
}

pub async fn remove_unsubscribe(
    call: ApiCall,
    email: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let email = email.into_inner();
    let row = call
        .run(move |conn, key| {
            let value = parse_value(&email)?;
            conn.transaction(|conn| {
                workspace::lock_for_writing(conn, key.workspace_id)?;
                let row = unsubscribe::find(conn, key.workspace_id, &value)?
                    .ok_or_else(|| ApiError::NotFound("Unsubscribe not found".into()))?;
                unsubscribe::delete(conn, row.id)?;
                record_for_email(conn, key, "variableSubscribed", &value)?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({"_id": row.public_id, "value": row.value})))
}

//! `GET /api/team`: the workspace the key belongs to (lemlist's "team").

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::auth::AuthedKey;
use super::error::ApiError;
use super::{db, json_time};
use crate::models::{derived_public_id, user, workspace};
use crate::startup::AppState;

pub async fn get_team(
    state: web::Data<AppState>,
    key: AuthedKey,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let workspace_id = key.workspace_id;
    let (team, members) = db(&state, move |conn| {
        Ok((
            workspace::find(conn, workspace_id)?,
            user::list_in_workspace(conn, workspace_id)?,
        ))
    })
    .await?;
    let creator = members
        .iter()
        .filter(|m| m.is_admin())
        .min_by_key(|m| m.id)
        .or_else(|| members.iter().min_by_key(|m| m.id));
    let mut body = json!({
        "_id": derived_public_id("tea", team.id),
        "name": team.name,
        "userIds": members.iter().map(|m| derived_public_id("usr", m.id)).collect::<Vec<_>>(),
        "createdBy": creator.map(|m| derived_public_id("usr", m.id)),
        "createdAt": json_time(team.created_at),
        "hooks": [],
        "beta": [],
        "invitedUsers": [],
    });
    if query.get("version").map(String::as_str) == Some("v2") {
        body["users"] = members
            .iter()
            .map(|m| {
                json!({
                    "userId": derived_public_id("usr", m.id),
                    "name": m.name,
                    "email": m.email,
                    "role": m.role,
                })
            })
            .collect();
    }
    Ok(HttpResponse::Ok().json(body))
}

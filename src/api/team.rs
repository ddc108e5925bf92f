//! `GET /api/team`: the workspace the key belongs to (lemlist's "team").

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::auth::ApiCall;
use super::error::ApiError;
use super::json_time;
use crate::models::{derived_public_id, user, workspace};

pub async fn get_team(
    call: ApiCall,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (with_users, (team, members)) = call
        .run(move |conn, key| {
            let with_users = super::one_of(&query, "version", &["v1", "v2"])? == Some("v2");
            // One query: every workspace has at least one member (its last admin stays).
            let rows = user::list_with_workspace(conn, key.workspace_id)?;
            let team = match rows.first() {
                Some(first) => (first.workspace_name.clone(), first.workspace_created_at),
                None => {
                    let found = workspace::find(conn, key.workspace_id)?;
                    (found.name, found.created_at)
                }
            };
            let members: Vec<_> = rows.into_iter().map(|row| row.user).collect();
            Ok((with_users, ((key.workspace_id, team.0, team.1), members)))
        })
        .await?;
    let (team_id, team_name, team_created_at) = team;
    let creator = members
        .iter()
        .filter(|m| m.is_admin())
        .min_by_key(|m| m.id)
        .or_else(|| members.iter().min_by_key(|m| m.id));
    let mut body = json!({
        "_id": derived_public_id("tea", team_id),
        "name": team_name,
        "userIds": members.iter().map(|m| derived_public_id("usr", m.id)).collect::<Vec<_>>(),
        "createdBy": creator.map(|m| derived_public_id("usr", m.id)),
        "createdAt": json_time(team_created_at),
        "hooks": [],
        "beta": [],
        "invitedUsers": [],
    });
    if with_users {
        body["users"] = members
            .iter()
            .map(|m| {
                json!({
                    "userId": derived_public_id("usr", m.id),
                    "name": m.name,
                    "email": m.email,
                    "role": m.role.as_str(),
                })
            })
            .collect();
    }
    Ok(HttpResponse::Ok().json(body))
}

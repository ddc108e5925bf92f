//! `GET /api/team`: the workspace the key belongs to (lemlist's "team").

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::auth::ApiCall;
use super::error::ApiError;
use super::json_time;
use crate::models::user::TeamMember;
use crate::models::{derived_public_id, user, workspace};

/// lemlist's team object; `users` only with `version=v2`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Team<'a> {
    #[serde(rename = "_id")]
    id: String,
    name: &'a str,
    user_ids: &'a [String],
    created_by: Option<&'a str>,
    created_at: String,
    hooks: [(); 0],
    beta: [(); 0],
    invited_users: [(); 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    users: Option<Vec<TeamUser<'a>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TeamUser<'a> {
    user_id: &'a str,
    name: &'a str,
    email: &'a str,
    role: &'static str,
}

pub async fn get_team(
    call: ApiCall,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let (with_users, (team, members)) = call
        .read(move |conn, key| {
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
    let user_ids: Vec<String> = members
        .iter()
        .map(|m| derived_public_id("usr", m.id))
        .collect();
    let creator = creator(&members).map(|at| user_ids[at].as_str());
    let users = with_users.then(|| {
        members
            .iter()
            .zip(&user_ids)
            .map(|(m, user_id)| TeamUser {
                user_id,
                name: &m.name,
                email: &m.email,
                role: m.role.as_str(),
            })
            .collect()
    });
    Ok(HttpResponse::Ok().json(Team {
        id: derived_public_id("tea", team_id),
        name: &team_name,
        user_ids: &user_ids,
        created_by: creator,
        created_at: json_time(team_created_at),
        hooks: [],
        beta: [],
        invited_users: [],
        users,
    }))
}

/// Where the workspace's creator is among `members`: the first admin by id (or the
/// first member, should no admin be left).
fn creator(members: &[TeamMember]) -> Option<usize> {
    let first_by_id = |admins_only: bool| {
        members
            .iter()
            .enumerate()
            .filter(|(_, m)| !admins_only || m.role == crate::domain::Role::Admin)
            .min_by_key(|(_, m)| m.id)
            .map(|(at, _)| at)
    };
    first_by_id(true).or_else(|| first_by_id(false))
}

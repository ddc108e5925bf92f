//! `GET /api/team`: the workspace the key belongs to (lemlist's "team").

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use diesel::QueryResult;
use serde::Serialize;

use super::auth::ApiCall;
use super::error::ApiError;
use super::joined_read::JoinedRead;
use super::json_time;
use crate::db::DbConnection;
use crate::models::api_key::FoundWith;
use crate::models::user;
use crate::models::user::TeamMember;

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
    let with_users = super::one_of(&query, "version", &["v1", "v2"]);
    let ids = call.public_ids();
    // One statement finds the key and reads its workspace's team (`ApiCall::read_joined`).
    let team = call
        .read_joined(TeamByKey, |conn, key| {
            Ok(user::team(conn, key.workspace_id)?)
        })
        .await?;
    // After the key's checks: a refused key is told so before a bad parameter.
    let with_users = with_users? == Some("v2");
    let members = &team.members;
    let user_ids: Vec<String> = members.iter().map(|m| ids.derived("usr", m.id)).collect();
    let creator = creator(members).map(|at| user_ids[at].as_str());
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
        id: ids.derived("tea", team.id),
        name: &team.name,
        user_ids: &user_ids,
        created_by: creator,
        created_at: json_time(team.created_at),
        hooks: [],
        beta: [],
        invited_users: [],
        users,
    }))
}

/// The team of the key's workspace, read together with the key (`joined_read`).
struct TeamByKey;

impl JoinedRead for TeamByKey {
    type Data = user::Team;

    fn find(conn: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<FoundWith<user::Team>> {
        user::teams_with_keys(conn, digests)
    }
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

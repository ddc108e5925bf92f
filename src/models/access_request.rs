//! Access requests: a member asks for API access, an admin approves or declines.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::{access_requests, users};
use crate::domain::access_request::RequestStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_requests)]
pub struct AccessRequest {
    pub id: i32,
    pub workspace_id: i32,
    pub user_id: i32,
    pub reason: String,
    /// An unknown stored status fails the query: never a silent `Pending`.
    #[diesel(deserialize_as = String)]
    pub status: RequestStatus,
    pub decided_by_name: Option<String>,
    pub decline_reason: Option<String>,
    pub created_at: PrimitiveDateTime,
    pub decided_at: Option<PrimitiveDateTime>,
}

/// A pending request with the name and email of the member who asked.
pub struct PendingRequest {
    pub request: AccessRequest,
    pub name: String,
    pub email: String,
}

/// Adds a pending request. A member who already has one gets a unique violation
/// (the partial index `access_requests_one_pending`), whatever the interleaving.
pub fn insert_pending(
    conn: &mut DbConnection,
    workspace_id: i32,
    user_id: i32,
    reason: &str,
) -> QueryResult<i32> {
    diesel::insert_into(access_requests::table)
        .values((
            access_requests::workspace_id.eq(workspace_id),
            access_requests::user_id.eq(user_id),
            access_requests::reason.eq(reason),
            access_requests::status.eq(RequestStatus::Pending.as_str()),
            access_requests::created_at.eq(crate::db::now()),
        ))
        .returning(access_requests::id)
        .get_result(conn)
}

/// The member's most recent request, whatever its status.
pub fn latest_of(conn: &mut DbConnection, user_id: i32) -> QueryResult<Option<AccessRequest>> {
    access_requests::table
        .filter(access_requests::user_id.eq(user_id))
        .order(access_requests::id.desc())
        .select(AccessRequest::as_select())
        .first(conn)
        .optional()
}

/// A request of `workspace_id`; another workspace's ids are simply not found.
pub fn find_in_workspace(
    conn: &mut DbConnection,
    workspace_id: i32,
    id: i32,
) -> QueryResult<Option<AccessRequest>> {
    access_requests::table
        .filter(access_requests::id.eq(id))
        .filter(access_requests::workspace_id.eq(workspace_id))
        .select(AccessRequest::as_select())
        .first(conn)
        .optional()
}

/// The pending requests of a workspace, oldest first, with who asked.
pub fn pending_in_workspace(
    conn: &mut DbConnection,
    workspace_id: i32,
) -> QueryResult<Vec<PendingRequest>> {
    let rows: Vec<(AccessRequest, String, String)> = access_requests::table
        .inner_join(users::table)
        .filter(access_requests::workspace_id.eq(workspace_id))
        .filter(access_requests::status.eq(RequestStatus::Pending.as_str()))
        .order(access_requests::id.asc())
        .select((AccessRequest::as_select(), users::name, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(request, name, email)| PendingRequest {
            request,
            name,
            email,
        })
        .collect())
}

/// How many requests of a workspace wait for an admin (the Team tab's badge).
pub fn count_pending(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<i64> {
    access_requests::table
        .filter(access_requests::workspace_id.eq(workspace_id))
        .filter(access_requests::status.eq(RequestStatus::Pending.as_str()))
        .count()
        .get_result(conn)
}

/// Decides a pending request; 0 rows when it was no longer pending.
pub fn decide(
    conn: &mut DbConnection,
    id: i32,
    status: RequestStatus,
    by_name: &str,
    decline_reason: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(
        access_requests::table
            .find(id)
            .filter(access_requests::status.eq(RequestStatus::Pending.as_str())),
    )
    .set((
        access_requests::status.eq(status.as_str()),
        access_requests::decided_by_name.eq(by_name),
        access_requests::decline_reason.eq(decline_reason),
        access_requests::decided_at.eq(crate::db::now()),
    ))
    .execute(conn)
}

/// The member's pending request, if any.
pub fn pending_of(conn: &mut DbConnection, user_id: i32) -> QueryResult<Option<AccessRequest>> {
    access_requests::table
        .filter(access_requests::user_id.eq(user_id))
        .filter(access_requests::status.eq(RequestStatus::Pending.as_str()))
        .select(AccessRequest::as_select())
        .first(conn)
        .optional()
}

/// Forgets every request of a member (when the member is removed).
pub fn delete_for_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<usize> {
    diesel::delete(access_requests::table.filter(access_requests::user_id.eq(user_id)))
        .execute(conn)
}

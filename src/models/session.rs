//! Login sessions stored server-side; the cookie only carries a random id.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::{DbConnection, schema::sessions};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<i32>,
    pub state: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub handle: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub last_seen_at: Option<PrimitiveDateTime>,
}

/// Where a logged-in session came from, as its state records it at login: the public
/// handle forms name it by, the browser's user agent, the client address, and when the
/// login happened (kept when the session id is renewed).
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub handle: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub signed_in_at: Option<PrimitiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    user_id: Option<i32>,
    state: &str,
    origin: &Origin,
    expires_at: PrimitiveDateTime,
) -> QueryResult<usize> {
    let now = crate::db::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::created_at.eq(origin.signed_in_at.unwrap_or(now)),
            sessions::expires_at.eq(expires_at),
            sessions::handle.eq(&origin.handle),
            sessions::user_agent.eq(&origin.user_agent),
            sessions::ip.eq(&origin.ip),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)
}

pub fn update_state(
    conn: &mut DbConnection,
    id: &str,
    user_id: Option<i32>,
    state: &str,
    origin: &Origin,
    expires_at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
            sessions::handle.eq(&origin.handle),
            sessions::user_agent.eq(&origin.user_agent),
            sessions::ip.eq(&origin.ip),
            sessions::last_seen_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

/// Extends a session and marks it seen now (the store calls it at most once a minute).
pub fn touch(
    conn: &mut DbConnection,
    id: &str,
    expires_at: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id))
        .set((
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

/// A user's sessions that have not expired, most recently seen first.
pub fn list_for_user(
    conn: &mut DbConnection,
    user_id: i32,
    now: PrimitiveDateTime,
    created_after: PrimitiveDateTime,
) -> QueryResult<Vec<SessionRow>> {
    let mut rows: Vec<SessionRow> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::created_at.gt(created_after))
        .select(SessionRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.last_seen_at.unwrap_or(r.created_at)));
    Ok(rows)
}

/// The session of `user_id` named by `handle`, if there is one (another user's is not).
pub fn find_by_handle(
    conn: &mut DbConnection,
    user_id: i32,
    handle: &str,
) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::handle.eq(handle))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Ends every session of `user_id` except the one named `keep` (sessions from before
/// handles existed have none, and end too).
pub fn delete_others(conn: &mut DbConnection, user_id: i32, keep: &str) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::handle.is_null().or(sessions::handle.ne(keep))),
    )
    .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

/// Ends every session of a user, e.g. when they are removed from the workspace.
pub fn delete_for_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

pub fn delete_expired(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    created_before: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(now)
                .or(sessions::created_at.lt(created_before)),
        ),
    )
    .execute(conn)
}

//! Webhooks: where a workspace's events are sent, and the secret that signs them.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::hooks;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hooks)]
pub struct Hook {
    pub id: i32,
    pub public_id: String,
    pub workspace_id: i32,
    pub target_url: String,
    /// One activity type, or every event when `None`.
    pub event_type: Option<String>,
    pub secret: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

pub struct NewHook<'a> {
    pub workspace_id: i32,
    pub target_url: &'a str,
    pub event_type: Option<&'a str>,
    pub secret: &'a str,
    pub created_by: &'a str,
}

pub fn insert(conn: &mut DbConnection, new: &NewHook<'_>) -> QueryResult<Hook> {
    let id = diesel::insert_into(hooks::table)
        .values((
            hooks::public_id.eq(super::public_id("hoo")),
            hooks::workspace_id.eq(new.workspace_id),
            hooks::target_url.eq(new.target_url),
            hooks::event_type.eq(new.event_type),
            hooks::secret.eq(new.secret),
            hooks::created_by.eq(new.created_by),
            hooks::created_at.eq(crate::db::now()),
        ))
        .returning(hooks::id)
        .get_result::<i32>(conn)?;
    hooks::table.find(id).select(Hook::as_select()).first(conn)
}

/// The workspace's hooks, oldest first.
pub fn list(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<Vec<Hook>> {
    hooks::table
        .filter(hooks::workspace_id.eq(workspace_id))
        .order(hooks::id.asc())
        .select(Hook::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Hook>> {
    hooks::table
        .find(id)
        .select(Hook::as_select())
        .first(conn)
        .optional()
}

/// A hook of this workspace by its public id; another workspace's is not found.
pub fn find_public(
    conn: &mut DbConnection,
    workspace_id: i32,
    public_id: &str,
) -> QueryResult<Option<Hook>> {
    hooks::table
        .filter(hooks::workspace_id.eq(workspace_id))
        .filter(hooks::public_id.eq(public_id))
        .select(Hook::as_select())
        .first(conn)
        .optional()
}

/// The hooks an event of `event_type` goes to: those for that type and those for all.
pub fn matching(
    conn: &mut DbConnection,
    workspace_id: i32,
    event_type: &str,
) -> QueryResult<Vec<Hook>> {
    hooks::table
        .filter(hooks::workspace_id.eq(workspace_id))
        .filter(
            hooks::event_type
                .is_null()
                .or(hooks::event_type.eq(event_type)),
        )
        .order(hooks::id.asc())
        .select(Hook::as_select())
        .load(conn)
}

/// Deletes the hook (its deliveries go with it); 0 if it was not there.
pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(hooks::table.find(id)).execute(conn)
}

//! The workspace's unsubscribe list: emails (or `@domain.com`) never to contact.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::unsubscribes;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = unsubscribes)]
pub struct Unsubscribe {
    pub id: i32,
    pub public_id: String,
    pub workspace_id: i32,
    pub value: String,
    pub source: String,
    pub created_at: PrimitiveDateTime,
}

pub fn find(
    conn: &mut DbConnection,
    workspace_id: i32,
    value: &str,
) -> QueryResult<Option<Unsubscribe>> {
    unsubscribes::table
        .filter(unsubscribes::workspace_id.eq(workspace_id))
        .filter(unsubscribes::value.eq(value))
        .select(Unsubscribe::as_select())
        .first(conn)
        .optional()
}

/// Whether an email is unsubscribed, by itself or through its domain.
pub fn covers(conn: &mut DbConnection, workspace_id: i32, email: &str) -> QueryResult<bool> {
    let domain = email
        .rsplit_once('@')
        .map(|(_, d)| format!("@{d}"))
        .unwrap_or_default();
    diesel::select(diesel::dsl::exists(
        unsubscribes::table
            .filter(unsubscribes::workspace_id.eq(workspace_id))
            .filter(
                unsubscribes::value
                    .eq(email)
                    .or(unsubscribes::value.eq(domain)),
            ),
    ))
    .get_result(conn)
}

pub fn insert(
    conn: &mut DbConnection,
    workspace_id: i32,
    value: &str,
    source: &str,
) -> QueryResult<Unsubscribe> {
    diesel::insert_into(unsubscribes::table)
        .values((
            unsubscribes::public_id.eq(super::public_id("uns")),
            unsubscribes::workspace_id.eq(workspace_id),
            unsubscribes::value.eq(value),
            unsubscribes::source.eq(source),
            unsubscribes::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    find(conn, workspace_id, value)?.ok_or(diesel::result::Error::NotFound)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(unsubscribes::table.find(id)).execute(conn)
}

pub fn list(
    conn: &mut DbConnection,
    workspace_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Unsubscribe>> {
    unsubscribes::table
        .filter(unsubscribes::workspace_id.eq(workspace_id))
        .order(unsubscribes::id.desc())
        .offset(offset)
        .limit(limit)
        .select(Unsubscribe::as_select())
        .load(conn)
}

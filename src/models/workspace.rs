//! Workspaces.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::{DbConnection, schema::workspaces};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspaces)]
pub struct Workspace {
    pub id: i32,
    pub name: String,
    pub created_at: PrimitiveDateTime,
    /// "Require two-factor authentication": members without it can only set it up.
    pub require_two_factor: bool,
}

pub fn create(conn: &mut DbConnection, name: &str) -> QueryResult<i32> {
    diesel::insert_into(workspaces::table)
        .values((
            workspaces::name.eq(name),
            workspaces::created_at.eq(crate::db::now()),
        ))
        .returning(workspaces::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Workspace> {
    workspaces::table
        .find(id)
        .select(Workspace::as_select())
        .first(conn)
}

/// Opens a write transaction on a workspace; call it first inside the transaction.
/// On PostgreSQL it locks the workspace row, so writers of one workspace run one at a
/// time and a check such as "another admin remains" cannot be raced (write skew under
/// READ COMMITTED). On SQLite the write lock is taken before anything is read, so the
/// transaction never has to upgrade a stale read snapshot (which fails at once).
pub fn lock_for_writing(conn: &mut DbConnection, id: i32) -> QueryResult<()> {
    diesel::update(workspaces::table.find(id))
        .set(workspaces::id.eq(workspaces::id))
        .execute(conn)?;
    Ok(())
}

pub fn set_require_two_factor(conn: &mut DbConnection, id: i32, on: bool) -> QueryResult<usize> {
    diesel::update(workspaces::table.find(id))
        .set(workspaces::require_two_factor.eq(on))
        .execute(conn)
}

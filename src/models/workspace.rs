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

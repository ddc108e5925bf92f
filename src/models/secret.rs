//! Server secrets generated once and shared by every instance on the database.

use diesel::prelude::*;

use crate::db::{DbConnection, schema::server_secrets};

/// The one-time setup code, shared by every instance until the first admin exists.
pub const SETUP_CODE: &str = "setup_code";

/// The secret called `name`, created with `generate` on first use. Two
/// instances starting together both end up with the one that was stored first.
pub fn get_or_create(
    conn: &mut DbConnection,
    name: &str,
    generate: impl FnOnce() -> Vec<u8>,
) -> QueryResult<Vec<u8>> {
    let existing = server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .first::<Vec<u8>>(conn)
        .optional()?;
    if let Some(value) = existing {
        return Ok(value);
    }
    let inserted = diesel::insert_into(server_secrets::table)
        .values((
            server_secrets::name.eq(name),
            server_secrets::value.eq(generate()),
        ))
        .execute(conn);
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => server_secrets::table
            .find(name)
            .select(server_secrets::value)
            .first(conn),
        Err(e) => Err(e),
    }
}

/// The secret called `name`, if it exists.
pub fn find(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Vec<u8>>> {
    server_secrets::table
        .find(name)
        .select(server_secrets::value)
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    diesel::delete(server_secrets::table.find(name)).execute(conn)
}

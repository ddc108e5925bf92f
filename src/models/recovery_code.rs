//! Recovery codes: single-use codes for logging in without the authenticator app,
//! stored as SHA-256 digests only.

use diesel::prelude::*;

use crate::db::{DbConnection, schema::recovery_codes};

/// Replaces a user's codes with these digests (call inside a transaction).
pub fn replace(conn: &mut DbConnection, user_id: i32, digests: &[String]) -> QueryResult<()> {
    delete_all(conn, user_id)?;
    for digest in digests {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(digest),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn delete_all(conn: &mut DbConnection, user_id: i32) -> QueryResult<usize> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id))).execute(conn)
}

/// Marks the unused code with this digest as used; false if there is none (wrong or
/// already used). One conditional update, so a code cannot be spent twice in a race.
pub fn spend(conn: &mut DbConnection, user_id: i32, digest: &str) -> QueryResult<bool> {
    let updated = diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user_id))
            .filter(recovery_codes::code_hash.eq(digest))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(Some(crate::db::now())))
    .execute(conn)?;
    Ok(updated == 1)
}

/// How many unused codes a user has left.
pub fn count_unused(conn: &mut DbConnection, user_id: i32) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
}

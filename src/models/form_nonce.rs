//! Form nonces: the one-time tokens of forms that must not be sent twice (Create Key, Regenerate).

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::{DbConnection, schema::form_nonces};

/// Whether a form's one-time token was already used.
pub fn used(conn: &mut DbConnection, nonce: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        form_nonces::table.filter(form_nonces::nonce.eq(nonce)),
    ))
    .get_result(conn)
}

/// Records a form's one-time token. False when it was already used.
pub fn consume(conn: &mut DbConnection, nonce: &str) -> QueryResult<bool> {
    let inserted = diesel::insert_into(form_nonces::table)
        .values((
            form_nonces::nonce.eq(nonce),
            form_nonces::created_at.eq(crate::db::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Forgets tokens used before `before` (a form is only fresh for a day).
pub fn prune(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(form_nonces::table.filter(form_nonces::created_at.lt(before))).execute(conn)
}

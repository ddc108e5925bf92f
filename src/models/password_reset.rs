//! Password resets: a one-time link printed by `keydesk reset-password`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::password_resets;
use crate::domain::link_token::LinkDigest;

/// How long a reset link works.
pub const VALID_FOR: time::Duration = time::Duration::hours(1);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    pub id: i32,
    pub user_id: i32,
    pub expires_at: PrimitiveDateTime,
    pub used_at: Option<PrimitiveDateTime>,
    /// When a newer link, another link's use or a password change made it void.
    pub replaced_at: Option<PrimitiveDateTime>,
}

impl PasswordReset {
    pub fn is_pending(&self, now: PrimitiveDateTime) -> bool {
        self.used_at.is_none() && self.replaced_at.is_none() && self.expires_at > now
    }
}

pub fn insert(conn: &mut DbConnection, user_id: i32, digest: &LinkDigest) -> QueryResult<i32> {
    let now = crate::db::now();
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(digest.0.as_slice()),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(now + VALID_FOR),
        ))
        .returning(password_resets::id)
        .get_result(conn)
}

pub fn find_by_digest(
    conn: &mut DbConnection,
    digest: &LinkDigest,
) -> QueryResult<Option<PasswordReset>> {
    password_resets::table
        .filter(password_resets::token_hash.eq(digest.0.as_slice()))
        .select(PasswordReset::as_select())
        .first(conn)
        .optional()
}

/// Marks the reset used if it still is pending at `now`: of two concurrent uses,
/// exactly one sees `true`.
pub fn mark_used(conn: &mut DbConnection, id: i32, now: PrimitiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        password_resets::table
            .filter(password_resets::id.eq(id))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::replaced_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Makes every outstanding link of `user_id` void, but `keep` (the one being used, or
/// the one just made): a user has at most one reset link that works.
pub fn replace_outstanding(
    conn: &mut DbConnection,
    user_id: i32,
    keep: Option<i32>,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            // Ids start at 1, so 0 keeps none.
            .filter(password_resets::id.ne(keep.unwrap_or(0)))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::replaced_at.is_null()),
    )
    .set(password_resets::replaced_at.eq(now))
    .execute(conn)
}

//! Invitations: a one-time link to join a workspace with a role chosen by an admin.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::invitations;
use crate::domain::Role;
use crate::domain::link_token::LinkDigest;

/// How long an invitation link works.
pub const VALID_FOR: time::Duration = time::Duration::days(7);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: i32,
    pub workspace_id: i32,
    pub email: String,
    /// An unknown stored role fails the query: never a silent `Member`.
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub api_access: bool,
    /// `None` once the inviter's account is gone (`ON DELETE SET NULL`).
    pub invited_by: Option<i32>,
    pub invited_by_name: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: PrimitiveDateTime,
    pub used_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
}

impl Invitation {
    /// Neither used, revoked nor expired at `now`.
    pub fn is_pending(&self, now: PrimitiveDateTime) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

pub struct NewInvitation<'a> {
    pub workspace_id: i32,
    pub email: &'a str,
    pub role: Role,
    pub api_access: bool,
    pub digest: LinkDigest,
    pub invited_by: Option<i32>,
    pub invited_by_name: &'a str,
}

pub fn insert(conn: &mut DbConnection, new: &NewInvitation<'_>) -> QueryResult<i32> {
    let now = crate::db::now();
    diesel::insert_into(invitations::table)
        .values((
            invitations::workspace_id.eq(new.workspace_id),
            invitations::email.eq(new.email),
            invitations::role.eq(new.role.as_str()),
            invitations::api_access.eq(new.api_access),
            invitations::token_hash.eq(new.digest.0.as_slice()),
            invitations::invited_by.eq(new.invited_by),
            invitations::invited_by_name.eq(new.invited_by_name),
            invitations::created_at.eq(now),
            invitations::expires_at.eq(now + VALID_FOR),
        ))
        .returning(invitations::id)
        .get_result(conn)
}

/// The invitation a link's token belongs to, whatever its state.
pub fn find_by_digest(
    conn: &mut DbConnection,
    digest: &LinkDigest,
) -> QueryResult<Option<Invitation>> {
    invitations::table
        .filter(invitations::token_hash.eq(digest.0.as_slice()))
        .select(Invitation::as_select())
        .first(conn)
        .optional()
}

/// Invitations of `workspace_id` that can still be used, oldest first.
pub fn pending_in_workspace(
    conn: &mut DbConnection,
    workspace_id: i32,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<Invitation>> {
    invitations::table
        .filter(invitations::workspace_id.eq(workspace_id))
        .filter(invitations::used_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .order(invitations::id.asc())
        .select(Invitation::as_select())
        .load(conn)
}

/// Whether `email` has an invitation to `workspace_id` that can still be used (another
/// workspace's invitations never count: they are none of this workspace's business).
pub fn pending_for_email(
    conn: &mut DbConnection,
    workspace_id: i32,
    email: &str,
    now: PrimitiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        invitations::table
            .filter(invitations::workspace_id.eq(workspace_id))
            .filter(invitations::email.eq(email))
            .filter(invitations::used_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    ))
    .get_result(conn)
}

/// Marks a pending invitation of `workspace_id` revoked; `false` if there was none.
pub fn revoke(
    conn: &mut DbConnection,
    workspace_id: i32,
    id: i32,
    now: PrimitiveDateTime,
) -> QueryResult<Option<Invitation>> {
    let Some(found) = invitations::table
        .filter(
            invitations::id
                .eq(id)
                .and(invitations::workspace_id.eq(workspace_id)),
        )
        .select(Invitation::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::used_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(now))
    .execute(conn)?;
    Ok(Some(found))
}

/// Marks the invitation used if it still is pending at `now`. Conditional, so of two
/// concurrent joins exactly one sees `true`.
pub fn mark_used(conn: &mut DbConnection, id: i32, now: PrimitiveDateTime) -> QueryResult<bool> {
    let updated = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::used_at.is_null())
            .filter(invitations::revoked_at.is_null())
            .filter(invitations::expires_at.gt(now)),
    )
    .set(invitations::used_at.eq(now))
    .execute(conn)?;
    Ok(updated == 1)
}

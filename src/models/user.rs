//! Users: the people of a workspace.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::{users, workspaces};
use crate::domain::Role;

mod team;
pub use team::{Team, TeamMember, team, teams_with_keys};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub workspace_id: i32,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    /// An unknown stored role fails the query: never a silent `Member`.
    #[diesel(deserialize_as = String)]
    pub role: Role,
    pub api_access: bool,
    pub created_at: PrimitiveDateTime,
    /// When two-factor authentication was turned on; `None` while it is off.
    pub totp_enabled_at: Option<PrimitiveDateTime>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Admins always have API access; members when it was granted.
    pub fn has_two_factor(&self) -> bool {
        self.totp_enabled_at.is_some()
    }

    pub fn can_use_api_keys(&self) -> bool {
        self.is_admin() || self.api_access
    }
}

pub struct NewUser<'a> {
    pub workspace_id: i32,
    pub name: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub api_access: bool,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<i32> {
    diesel::insert_into(users::table)
        .values((
            users::workspace_id.eq(new.workspace_id),
            users::name.eq(new.name),
            users::email.eq(new.email),
            users::password_hash.eq(new.password_hash),
            users::role.eq(new.role.as_str()),
            users::api_access.eq(new.api_access),
            users::created_at.eq(crate::db::now()),
        ))
        .returning(users::id)
        .get_result(conn)
}

/// Call first in a transaction that adds a user after checking who exists and has no
/// workspace to lock (a new workspace and its first admin): such transactions then run
/// one at a time, so two first-run setups cannot both find that no user exists.
/// PostgreSQL locks the users table against other writers until the transaction ends;
/// SQLite takes its write lock before anything is read (`db::write_first`).
pub fn lock_for_adding(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Postgresql(c) => {
            c.batch_execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        }
        DbConnection::Sqlite(_) => crate::db::write_first(conn),
    }
}

pub fn any_exists(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.select(users::id))).get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// A user and the name of their workspace.
pub fn find_with_workspace(
    conn: &mut DbConnection,
    id: i32,
) -> QueryResult<Option<(User, String)>> {
    Ok(find_with_workspace_rules(conn, id)?.map(|(user, name, _)| (user, name)))
}

/// A user, the name of their workspace, and whether it requires two-factor authentication.
pub fn find_with_workspace_rules(
    conn: &mut DbConnection,
    id: i32,
) -> QueryResult<Option<(User, String, bool)>> {
    users::table
        .inner_join(workspaces::table)
        .filter(users::id.eq(id))
        .select((
            User::as_select(),
            workspaces::name,
            workspaces::require_two_factor,
        ))
        .first(conn)
        .optional()
}

/// A member of `workspace_id`; another workspace's ids are simply not found.
pub fn find_in_workspace(
    conn: &mut DbConnection,
    workspace_id: i32,
    id: i32,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id).and(users::workspace_id.eq(workspace_id)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email)),
    ))
    .get_result(conn)
}

/// Whether `email` belongs to a member of `workspace_id` (an account in another
/// workspace does not count, so an admin cannot learn of it).
pub fn email_in_workspace(
    conn: &mut DbConnection,
    workspace_id: i32,
    email: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::workspace_id.eq(workspace_id))
            .filter(users::email.eq(email)),
    ))
    .get_result(conn)
}

pub fn list_in_workspace(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::workspace_id.eq(workspace_id))
        .order((users::name.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)
}

pub fn admins_of(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::workspace_id.eq(workspace_id))
        .filter(users::role.eq(Role::Admin.as_str()))
        .order((users::name.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)
}

pub fn count_admins(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<i64> {
    users::table
        .filter(users::workspace_id.eq(workspace_id))
        .filter(users::role.eq(Role::Admin.as_str()))
        .count()
        .get_result(conn)
}

pub fn set_role(conn: &mut DbConnection, id: i32, role: Role) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::role.eq(role.as_str()))
        .execute(conn)
}

pub fn set_api_access(conn: &mut DbConnection, id: i32, on: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::api_access.eq(on))
        .execute(conn)
}

pub fn set_name(conn: &mut DbConnection, id: i32, name: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::name.eq(name))
        .execute(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, id: i32, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

/// The two-factor state of a user: the confirmed secret (base32) and the last accepted
/// time step. The secret stays out of `User` so that it is never logged with it.
pub struct TwoFactor {
    pub secret: String,
    pub last_step: Option<i64>,
}

pub fn two_factor(conn: &mut DbConnection, id: i32) -> QueryResult<Option<TwoFactor>> {
    let row: Option<(Option<String>, Option<PrimitiveDateTime>, Option<i64>)> = users::table
        .find(id)
        .select((
            users::totp_secret,
            users::totp_enabled_at,
            users::totp_last_step,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.and_then(|(secret, enabled, last_step)| match (secret, enabled) {
            (Some(secret), Some(_)) => Some(TwoFactor { secret, last_step }),
            _ => None,
        }),
    )
}

/// How many times two-factor authentication was turned on or off for this user: each
/// change counts one, so a setup secret shown before a change can tell it is stale.
pub fn totp_changes(conn: &mut DbConnection, id: i32) -> QueryResult<i32> {
    users::table
        .find(id)
        .select(users::totp_changes)
        .first(conn)
}

/// Turns two-factor authentication on with a confirmed secret; `step` is the step of the
/// code that confirmed it, so that code cannot be used again to log in.
pub fn enable_two_factor(
    conn: &mut DbConnection,
    id: i32,
    secret: &str,
    step: i64,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::totp_secret.eq(Some(secret)),
            users::totp_enabled_at.eq(Some(crate::db::now())),
            users::totp_last_step.eq(Some(step)),
            users::totp_changes.eq(users::totp_changes + 1),
        ))
        .execute(conn)
}

pub fn disable_two_factor(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_enabled_at.eq(None::<PrimitiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
            users::totp_changes.eq(users::totp_changes + 1),
        ))
        .execute(conn)
}

/// Records `step` as used if it is later than the last used one; false when it is not
/// (the code was already used in its window, or an older one): a single conditional
/// update, so two requests with the same code cannot both succeed.
pub fn claim_totp_step(conn: &mut DbConnection, id: i32, step: i64) -> QueryResult<bool> {
    let updated = diesel::update(
        users::table.find(id).filter(
            users::totp_last_step
                .is_null()
                .or(users::totp_last_step.lt(step)),
        ),
    )
    .set(users::totp_last_step.eq(Some(step)))
    .execute(conn)?;
    Ok(updated == 1)
}

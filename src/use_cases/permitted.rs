//! Writes that depend on a permission: one transaction that takes the workspace's write
//! lock first and only then reads what the person may do, so a write cannot slip past a
//! change of their role or API access that committed while it was on its way.

use diesel::Connection;

use crate::db::DbConnection;
use crate::models::api_key::KeyScope;
use crate::models::{user, workspace};

/// Runs `write` with the keys `user_id` may manage now, read under the workspace's
/// write lock. `None` (nothing written) when they may no longer manage any: removed, or
/// their API access turned off, since they opened the page.
pub fn keys<T, E>(
    conn: &mut DbConnection,
    workspace_id: i32,
    user_id: i32,
    write: impl FnOnce(&mut DbConnection, KeyScope) -> Result<T, E>,
) -> Result<Option<T>, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, workspace_id)?;
        match scope_now(conn, workspace_id, user_id)? {
            Some(scope) => write(conn, scope).map(Some),
            None => Ok(None),
        }
    })
}

/// The keys `user_id` may manage, from their row as it is now.
fn scope_now(
    conn: &mut DbConnection,
    workspace_id: i32,
    user_id: i32,
) -> diesel::QueryResult<Option<KeyScope>> {
    Ok(user::find_in_workspace(conn, workspace_id, user_id)?
        .filter(|me| me.can_use_api_keys())
        .map(|me| KeyScope {
            workspace_id,
            only_created_by: (!me.is_admin()).then_some(me.id),
        }))
}

/// Runs `write` if `user_id` is still an admin of the workspace, read under its write
/// lock; `None` (nothing written) when they were demoted or removed meanwhile.
pub fn as_admin<T, E>(
    conn: &mut DbConnection,
    workspace_id: i32,
    user_id: Option<i32>,
    write: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<Option<T>, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, workspace_id)?;
        let still_admin = match user_id {
            Some(id) => {
                user::find_in_workspace(conn, workspace_id, id)?.is_some_and(|me| me.is_admin())
            }
            None => false,
        };
        if still_admin {
            write(conn).map(Some)
        } else {
            Ok(None)
        }
    })
}

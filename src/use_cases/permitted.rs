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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    /// A migrated database with one workspace: an admin (Ada) and a member with API
    /// access (Mia).
    fn workspace_of_two() -> (DbConnection, i32, i32, i32) {
        let mut conn = crate::db::temp_sqlite::in_memory();
        crate::db::run_migrations(&mut conn).unwrap();
        let workspace_id = workspace::create(&mut conn, "Analytical Engines").unwrap();
        let mut add = |name, role, api_access| {
            user::insert(
                &mut conn,
                &user::NewUser {
                    workspace_id,
                    name,
                    email: &format!("{name}@example.com"),
                    password_hash: "-",
                    role,
                    api_access,
                },
            )
            .unwrap()
        };
        let ada = add("ada", Role::Admin, true);
        let mia = add("mia", Role::Member, true);
        (conn, workspace_id, ada, mia)
    }

    fn scope_of(conn: &mut DbConnection, workspace_id: i32, user_id: i32) -> Option<KeyScope> {
        keys(conn, workspace_id, user_id, |_, scope| {
            Ok::<_, diesel::result::Error>(scope)
        })
        .unwrap()
    }

    #[test]
    fn key_writes_use_the_permission_as_it_is_when_they_run() {
        let (mut conn, workspace_id, ada, mia) = workspace_of_two();
        let scope = scope_of(&mut conn, workspace_id, mia).expect("Mia may manage keys");
        assert_eq!(scope.only_created_by, Some(mia), "her own keys only");
        let scope = scope_of(&mut conn, workspace_id, ada).expect("Ada may manage keys");
        assert_eq!(scope.only_created_by, None, "every key of the workspace");

        user::set_api_access(&mut conn, mia, false).unwrap();
        assert!(scope_of(&mut conn, workspace_id, mia).is_none());
        user::set_role(&mut conn, ada, Role::Member).unwrap();
        user::set_api_access(&mut conn, ada, true).unwrap();
        let scope = scope_of(&mut conn, workspace_id, ada).expect("a member with access");
        assert_eq!(
            scope.only_created_by,
            Some(ada),
            "demoted: her own keys only"
        );
        assert!(
            scope_of(&mut conn, workspace_id + 1, ada).is_none(),
            "another workspace"
        );
    }

    #[test]
    fn admin_writes_run_only_while_the_actor_is_still_an_admin() {
        let (mut conn, workspace_id, ada, mia) = workspace_of_two();
        let run = |conn: &mut DbConnection, who| {
            as_admin(conn, workspace_id, who, |_| {
                Ok::<_, diesel::result::Error>(())
            })
            .unwrap()
            .is_some()
        };
        assert!(run(&mut conn, Some(ada)));
        assert!(!run(&mut conn, Some(mia)), "members are refused");
        assert!(!run(&mut conn, None), "so is the system");
        user::set_role(&mut conn, ada, Role::Member).unwrap();
        assert!(!run(&mut conn, Some(ada)), "a demoted admin is refused");
    }
}

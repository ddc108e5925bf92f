//! A person's own account: their name and their password, each one locked transaction
//! with its audit entry.

use diesel::{Connection, QueryResult};

use crate::db::DbConnection;
use crate::models::audit::{self, Action, Actor, person_label};
use crate::models::login_failure::{self, Scope};
use crate::models::{password_reset, session, user, workspace};

/// Renames `user_id` from `old` to `new`.
pub fn rename(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i32,
    email: &str,
    old: &str,
    new: &str,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        user::set_name(conn, user_id, new)?;
        audit::record(
            conn,
            actor,
            Action::NameChanged,
            &person_label(new, email),
            &format!("{old} → {new}"),
        )
    })
}

/// A password change that was checked: the new hash is stored, the failed attempts from
/// `ip` are forgotten, every reset link and every session but `keep` end. The number of
/// sessions ended.
pub struct NewPassword<'a> {
    pub user_id: i32,
    pub name: &'a str,
    pub email: &'a str,
    pub ip: &'a str,
    pub hash: &'a str,
    /// The handle of the session that changed it, which stays logged in.
    pub keep: &'a str,
}

pub fn change_password(
    conn: &mut DbConnection,
    actor: &Actor,
    new: &NewPassword<'_>,
) -> QueryResult<usize> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        login_failure::clear(
            conn,
            Scope::AccountFromAddress {
                email: new.email,
                ip: new.ip,
            },
        )?;
        user::set_password_hash(conn, new.user_id, new.hash)?;
        // A reset link made before the change would undo it: none works now.
        password_reset::replace_outstanding(conn, new.user_id, None, crate::db::now())?;
        let ended = session::delete_others(conn, new.user_id, new.keep)?;
        audit::record(
            conn,
            actor,
            Action::PasswordChanged,
            &person_label(new.name, new.email),
            &format!("{ended} other session(s) signed out"),
        )?;
        Ok(ended)
    })
}

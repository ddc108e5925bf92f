//! A new workspace: the workspace, its first admin and the audit entry, in one transaction.

use diesel::Connection;

use crate::db::DbConnection;
use crate::models::{audit, user, workspace};

/// Why a new workspace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("setup is already complete")]
    SetupClosed,
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// The people and names a new workspace starts with.
pub struct NewWorkspace<'a> {
    pub workspace_name: &'a str,
    pub admin_name: &'a str,
    pub admin_email: &'a str,
    pub password_hash: &'a str,
    pub ip: &'a str,
}

/// Creates a workspace and its first admin in one transaction, with an audit entry.
/// With `only_if_first`, refuses once any user exists (the `/setup` page).
pub fn create_with_admin(
    conn: &mut DbConnection,
    new: &NewWorkspace<'_>,
    only_if_first: bool,
) -> Result<(i32, i32), CreateError> {
    conn.transaction(|conn| {
        user::lock_for_adding(conn)?;
        if only_if_first && user::any_exists(conn)? {
            return Err(CreateError::SetupClosed);
        }
        if user::email_taken(conn, new.admin_email)? {
            return Err(CreateError::EmailTaken);
        }
        let workspace_id = workspace::create(conn, new.workspace_name)?;
        let user_id = user::insert(
            conn,
            &user::NewUser {
                workspace_id,
                name: new.admin_name,
                email: new.admin_email,
                password_hash: new.password_hash,
                role: crate::domain::Role::Admin,
                api_access: true,
            },
        )?;
        let actor = audit::Actor {
            workspace_id,
            user_id: Some(user_id),
            name: audit::person_label(new.admin_name, new.admin_email),
            ip: new.ip.to_string(),
        };
        audit::record(
            conn,
            &actor,
            audit::Action::WorkspaceCreated,
            new.workspace_name,
            "First admin created",
        )?;
        Ok((workspace_id, user_id))
    })
}

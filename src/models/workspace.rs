//! Workspaces.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::{DbConnection, schema::workspaces};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = workspaces)]
pub struct Workspace {
    pub id: i32,
    pub name: String,
    pub created_at: PrimitiveDateTime,
}

pub fn create(conn: &mut DbConnection, name: &str) -> QueryResult<i32> {
    diesel::insert_into(workspaces::table)
        .values((
            workspaces::name.eq(name),
            workspaces::created_at.eq(crate::db::now()),
        ))
        .returning(workspaces::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Workspace> {
    workspaces::table
        .find(id)
        .select(Workspace::as_select())
        .first(conn)
}

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
    use crate::models::{audit, user};
    conn.transaction(|conn| {
        if only_if_first && user::any_exists(conn)? {
            return Err(CreateError::SetupClosed);
        }
        if user::email_taken(conn, new.admin_email)? {
            return Err(CreateError::EmailTaken);
        }
        let workspace_id = create(conn, new.workspace_name)?;
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

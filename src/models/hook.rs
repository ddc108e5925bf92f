//! Webhooks: where a workspace's events are sent, and the secret that signs them.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::hooks;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hooks)]
pub struct Hook {
    pub id: i32,
    pub public_id: String,
    pub workspace_id: i32,
    pub target_url: String,
    /// One activity type, or every event when `None`.
    pub event_type: Option<String>,
    pub secret: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
    /// The person who made it (on the page, or the owner of the key that made it); `None`
    /// for hooks made before this was recorded, or whose maker has left.
    pub created_by_user_id: Option<i32>,
    /// The key that made it through the API.
    pub created_by_key_id: Option<i32>,
}

/// Whose hooks someone may manage, from who they are when they ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// An admin, or a key whose owner is one: every hook of the workspace.
    Admin,
    /// A member, or a key whose owner is one: the hooks that they or their keys made.
    Member(i32),
    /// A key whose owner has left: the hooks that key made.
    Key(i32),
}

impl Hook {
    /// Whether `manager` may see, test and delete this hook. A hook with no recorded
    /// maker is managed by admins only.
    pub fn managed_by(&self, manager: Manager) -> bool {
        match manager {
            Manager::Admin => true,
            Manager::Member(user_id) => self.created_by_user_id == Some(user_id),
            Manager::Key(key_id) => self.created_by_key_id == Some(key_id),
        }
    }
}

pub struct NewHook<'a> {
    pub workspace_id: i32,
    pub target_url: &'a str,
    pub event_type: Option<&'a str>,
    pub secret: &'a str,
    pub created_by: &'a str,
    pub created_by_user_id: Option<i32>,
    pub created_by_key_id: Option<i32>,
}

pub fn insert(conn: &mut DbConnection, new: &NewHook<'_>) -> QueryResult<Hook> {
    let id = diesel::insert_into(hooks::table)
        .values((
            hooks::public_id.eq(super::public_id("hoo")),
            hooks::workspace_id.eq(new.workspace_id),
            hooks::target_url.eq(new.target_url),
            hooks::event_type.eq(new.event_type),
            hooks::secret.eq(new.secret),
            hooks::created_by.eq(new.created_by),
            hooks::created_at.eq(crate::db::now()),
            hooks::created_by_user_id.eq(new.created_by_user_id),
            hooks::created_by_key_id.eq(new.created_by_key_id),
        ))
        .returning(hooks::id)
        .get_result::<i32>(conn)?;
    hooks::table.find(id).select(Hook::as_select()).first(conn)
}

/// The workspace's hooks that `manager` may manage, oldest first.
pub fn list(
    conn: &mut DbConnection,
    workspace_id: i32,
    manager: Manager,
) -> QueryResult<Vec<Hook>> {
    let mut query = hooks::table
        .filter(hooks::workspace_id.eq(workspace_id))
        .order(hooks::id.asc())
        .select(Hook::as_select())
        .into_boxed();
    query = match manager {
        Manager::Admin => query,
        Manager::Member(user_id) => query.filter(hooks::created_by_user_id.eq(user_id)),
        Manager::Key(key_id) => query.filter(hooks::created_by_key_id.eq(key_id)),
    };
    query.load(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Hook>> {
    hooks::table
        .find(id)
        .select(Hook::as_select())
        .first(conn)
        .optional()
}

/// A hook of this workspace by its public id; another workspace's is not found.
pub fn find_public(
    conn: &mut DbConnection,
    workspace_id: i32,
    public_id: &str,
) -> QueryResult<Option<Hook>> {
    hooks::table
        .filter(hooks::workspace_id.eq(workspace_id))
        .filter(hooks::public_id.eq(public_id))
        .select(Hook::as_select())
        .first(conn)
        .optional()
}

/// The hooks an event of `event_type` goes to: those for that type and those for all.
pub fn matching(
    conn: &mut DbConnection,
    workspace_id: i32,
    event_type: &str,
) -> QueryResult<Vec<Hook>> {
    hooks::table
        .filter(hooks::workspace_id.eq(workspace_id))
        .filter(
            hooks::event_type
                .is_null()
                .or(hooks::event_type.eq(event_type)),
        )
        .order(hooks::id.asc())
        .select(Hook::as_select())
        .load(conn)
}

/// Deletes the hook (its deliveries go with it); 0 if it was not there.
pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(hooks::table.find(id)).execute(conn)
}

//! `key_policies`: a workspace's "Key policy". No row means no policy.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::key_policies;
use crate::domain::key_policy::KeyPolicy;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = key_policies)]
pub struct KeyPolicyRow {
    pub workspace_id: i32,
    pub max_lifetime_days: Option<i32>,
    pub auto_disable_unused_days: Option<i32>,
    pub require_note: bool,
    pub updated_at: PrimitiveDateTime,
    pub updated_by_name: String,
}

impl KeyPolicyRow {
    pub fn policy(&self) -> KeyPolicy {
        KeyPolicy::from_stored(
            self.max_lifetime_days,
            self.auto_disable_unused_days,
            self.require_note,
        )
    }
}

pub fn find(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<Option<KeyPolicyRow>> {
    key_policies::table
        .find(workspace_id)
        .select(KeyPolicyRow::as_select())
        .first(conn)
        .optional()
}

/// The workspace's policy; the default (no rule) when it has none.
pub fn of(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<KeyPolicy> {
    Ok(find(conn, workspace_id)?
        .map(|row| row.policy())
        .unwrap_or_default())
}

/// Stores the policy. Callers hold the workspace's write lock, so update-then-insert
/// cannot race with another save.
pub fn save(
    conn: &mut DbConnection,
    workspace_id: i32,
    policy: &KeyPolicy,
    by_name: &str,
    at: PrimitiveDateTime,
) -> QueryResult<()> {
    let values = (
        key_policies::max_lifetime_days.eq(policy.max_lifetime_days.map(i32::from)),
        key_policies::auto_disable_unused_days.eq(policy.auto_disable_unused_days.map(i32::from)),
        key_policies::require_note.eq(policy.require_note),
        key_policies::updated_at.eq(at),
        key_policies::updated_by_name.eq(by_name),
    );
    let updated = diesel::update(key_policies::table.find(workspace_id))
        .set(values)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(key_policies::table)
            .values((key_policies::workspace_id.eq(workspace_id), values))
            .execute(conn)?;
    }
    Ok(())
}

/// The workspaces that disable unused keys, with their threshold in days.
pub fn unused_thresholds(conn: &mut DbConnection) -> QueryResult<Vec<(i32, i32)>> {
    key_policies::table
        .filter(key_policies::auto_disable_unused_days.is_not_null())
        .select((
            key_policies::workspace_id,
            key_policies::auto_disable_unused_days.assume_not_null(),
        ))
        .load(conn)
}

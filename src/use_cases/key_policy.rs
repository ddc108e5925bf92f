//! The key policy's housekeeping: keys unused for the workspace's threshold are disabled,
//! on behalf of "Key policy", each with a "Key disabled" audit entry.
//!
//! A key's last sign of life is the latest of: its last use, its creation, its last
//! regeneration, and the last time someone enabled it again. Counting from "enabled" is
//! what keeps the job from undoing an admin's "Enable" on its next round: an enabled key
//! gets the full threshold again to be used. Each workspace is one transaction that takes
//! the workspace's write lock first, so a save of the policy or an "Enable" in flight is
//! either wholly before or wholly after the round.

use diesel::Connection;
use diesel::result::QueryResult;
use time::{Duration, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::models::audit::{self, Action, Actor};
use crate::models::{api_key, key_policy, workspace};

/// Who the list, the API's refusal and the audit log name for what the policy does.
pub const POLICY_ACTOR: &str = "Key policy";

/// Disables every enabled key unused for its workspace's threshold as of `now`; returns
/// how many it disabled.
pub fn disable_unused(conn: &mut DbConnection, now: PrimitiveDateTime) -> QueryResult<usize> {
    let mut disabled = 0;
    for (workspace_id, _) in key_policy::unused_thresholds(conn)? {
        disabled += conn.transaction(|conn| disable_unused_in(conn, workspace_id, now))?;
    }
    Ok(disabled)
}

fn disable_unused_in(
    conn: &mut DbConnection,
    workspace_id: i32,
    now: PrimitiveDateTime,
) -> QueryResult<usize> {
    workspace::lock_for_writing(conn, workspace_id)?;
    // Read again under the lock: the policy may have changed since the list was read.
    let Some(days) = key_policy::of(conn, workspace_id)?.auto_disable_unused_days else {
        return Ok(0);
    };
    let actor = Actor {
        workspace_id,
        user_id: None,
        name: POLICY_ACTOR.into(),
        ip: "-".into(),
    };
    let cutoff = now - Duration::days(days.into());
    let mut disabled = 0;
    for key in api_key::unused_since(conn, workspace_id, cutoff)? {
        if api_key::disable_unused(conn, key.id, now, POLICY_ACTOR, days.into())? == 1 {
            audit::record(
                conn,
                &actor,
                Action::KeyDisabled,
                &audit::key_label(&key.name, &key.last4),
                &format!("Unused for {days} days"),
            )?;
            disabled += 1;
        }
    }
    Ok(disabled)
}

//! The keys of a member whose API access ends (access turned off, or removed): listed for
//! the admin's choice, then kept (admins manage them) or disabled one by one, audited.
//! Called inside the access change's own transaction, after `workspace::lock_for_writing`,
//! so the choice covers every key the member has at that moment, even one created after
//! the confirmation page was shown.

use diesel::QueryResult;

use crate::db::DbConnection;
use crate::models::api_key::{self, ApiKey, KeyScope};
use crate::models::audit::{self, Action, Actor, key_label};

/// Why the member's access ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    AccessTurnedOff,
    Removed,
}

/// The keys the member created that still exist, newest first.
pub fn keys_of(
    conn: &mut DbConnection,
    workspace_id: i32,
    user_id: i32,
) -> QueryResult<Vec<ApiKey>> {
    api_key::list(
        conn,
        KeyScope {
            workspace_id,
            only_created_by: Some(user_id),
        },
    )
}

/// Disables each of `keys` not disabled yet, in the admin's name, with one audit entry
/// per key saying why. Returns how many were disabled.
pub fn disable_all(
    conn: &mut DbConnection,
    actor: &Actor,
    by_name: &str,
    member_name: &str,
    keys: &[ApiKey],
    why: Leaving,
) -> QueryResult<usize> {
    let detail = match why {
        Leaving::AccessTurnedOff => format!(
            "{member_name}'s API access was turned off; integrations using it are refused until it is enabled"
        ),
        Leaving::Removed => format!(
            "{member_name} was removed from the workspace; integrations using it are refused until it is enabled"
        ),
    };
    let now = crate::db::now();
    let mut disabled = 0;
    for key in keys {
        if api_key::set_disabled(conn, key.id, Some((by_name, now)))? == 1 {
            audit::record(
                conn,
                actor,
                Action::KeyDisabled,
                &key_label(&key.name, &key.last4),
                &detail,
            )?;
            disabled += 1;
        }
    }
    Ok(disabled)
}

//! The "Key expired" audit entry: written once per expiry, by whichever instance
//! (page view or housekeeping) notices first.

use diesel::Connection;
use diesel::result::QueryResult;

use crate::db::DbConnection;
use crate::models::api_key;
use crate::models::audit::{self, Action, Actor};

/// Writes the entry for each key of `workspace_id` (or of every workspace) whose
/// expiry has passed; returns how many expired keys were still unlogged.
pub fn log_expirations(conn: &mut DbConnection, workspace_id: Option<i32>) -> QueryResult<usize> {
    let expired = api_key::expired_unlogged(conn, workspace_id, crate::db::now())?;
    for key in &expired {
        conn.transaction(|conn| {
            if api_key::claim_expiry_entry(conn, key.id)? {
                let actor = Actor {
                    workspace_id: key.workspace_id,
                    user_id: None,
                    name: "Keydesk".into(),
                    ip: "-".into(),
                };
                let when = key.expires_at.map(crate::format::exact).unwrap_or_default();
                audit::record(
                    conn,
                    &actor,
                    Action::KeyExpired,
                    &audit::key_label(&key.name, &key.last4),
                    &format!("Expired at {when}"),
                )?;
            }
            QueryResult::Ok(())
        })?;
    }
    Ok(expired.len())
}

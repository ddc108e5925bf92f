//! Webhooks: adding and deleting hooks (audited), and putting events in the outbox in
//! the same transaction that records them, so none is lost to a crash.

use diesel::{Connection, QueryResult};

use crate::db::DbConnection;
use crate::domain::webhook;
use crate::models::audit::{self, Action, Actor};
use crate::models::hook::{self, Hook, NewHook};
use crate::models::{hook_delivery, workspace};

/// The event type of "Send test event".
pub const TEST_EVENT: &str = "test";

/// Queues the event of `event_type` for every hook of the workspace that wants it; the
/// payload is built only when one does. Call inside the transaction that records it.
pub fn announce(
    conn: &mut DbConnection,
    workspace_id: i32,
    event_type: &str,
    payload: impl FnOnce(&mut DbConnection) -> QueryResult<serde_json::Value>,
) -> QueryResult<usize> {
    let hooks = hook::matching(conn, workspace_id, event_type)?;
    if hooks.is_empty() {
        return Ok(0);
    }
    let body = payload(conn)?.to_string();
    for hook in &hooks {
        hook_delivery::insert(conn, hook.id, event_type, &body)?;
    }
    Ok(hooks.len())
}

/// Adds a hook with a new secret (returned with it, to be shown once).
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    target_url: &str,
    event_type: Option<&str>,
) -> QueryResult<Hook> {
    let secret = webhook::new_secret();
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        let hook = hook::insert(
            conn,
            &NewHook {
                workspace_id: actor.workspace_id,
                target_url,
                event_type,
                secret: &secret,
                created_by: &actor.name,
            },
        )?;
        audit::record(
            conn,
            actor,
            Action::WebhookCreated,
            target_url,
            event_type.unwrap_or("every event"),
        )?;
        Ok(hook)
    })
}

/// Deletes the hook and its queued deliveries; false if it was already gone.
pub fn delete(conn: &mut DbConnection, actor: &Actor, hook: &Hook) -> QueryResult<bool> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        hook_delivery::delete_for_hook(conn, hook.id)?;
        if hook::delete(conn, hook.id)? == 0 {
            return Ok(false);
        }
        audit::record(
            conn,
            actor,
            Action::WebhookDeleted,
            &hook.target_url,
            hook.event_type.as_deref().unwrap_or("every event"),
        )?;
        Ok(true)
    })
}

/// Queues a test event for one hook ("Send test event").
pub fn send_test(
    conn: &mut DbConnection,
    hook: &Hook,
    payload: &serde_json::Value,
) -> QueryResult<()> {
    hook_delivery::insert(conn, hook.id, TEST_EVENT, &payload.to_string())
}

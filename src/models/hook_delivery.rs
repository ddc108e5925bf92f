//! The webhook outbox: one row per event and hook, from the moment the event is recorded
//! until it is delivered or given up.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::hook_deliveries;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hook_deliveries)]
pub struct Delivery {
    pub id: i32,
    pub public_id: String,
    pub hook_id: i32,
    pub event_type: String,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: PrimitiveDateTime,
    pub created_at: PrimitiveDateTime,
    pub last_attempt_at: Option<PrimitiveDateTime>,
    pub last_status: Option<i32>,
    pub last_duration_ms: Option<i32>,
    pub last_error: Option<String>,
}

/// Queues `payload` for the hook, due at once.
pub fn insert(
    conn: &mut DbConnection,
    hook_id: i32,
    event_type: &str,
    payload: &str,
) -> QueryResult<()> {
    let now = crate::db::now();
    diesel::insert_into(hook_deliveries::table)
        .values((
            hook_deliveries::public_id.eq(super::public_id("dlv")),
            hook_deliveries::hook_id.eq(hook_id),
            hook_deliveries::event_type.eq(event_type),
            hook_deliveries::payload.eq(payload),
            hook_deliveries::state.eq(PENDING),
            hook_deliveries::attempts.eq(0),
            hook_deliveries::next_attempt_at.eq(now),
            hook_deliveries::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// The first pending delivery of each hook (one at a time per hook, in order), if it is
/// due at `now`; at most `limit` hooks' worth.
pub fn due(
    conn: &mut DbConnection,
    now: PrimitiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    let pending: Vec<Delivery> = hook_deliveries::table
        .filter(hook_deliveries::state.eq(PENDING))
        .order(hook_deliveries::id.asc())
        .limit(limit * 20)
        .select(Delivery::as_select())
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(pending
        .into_iter()
        .filter(|d| seen.insert(d.hook_id))
        .filter(|d| d.next_attempt_at <= now)
        .take(usize::try_from(limit).unwrap_or(0))
        .collect())
}

/// Takes the delivery for one attempt, if no other instance took it since it was read:
/// its next attempt moves to `lease_until`, so a crash mid-send retries it after that.
pub fn claim(
    conn: &mut DbConnection,
    delivery: &Delivery,
    now: PrimitiveDateTime,
    lease_until: PrimitiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        hook_deliveries::table
            .find(delivery.id)
            .filter(hook_deliveries::state.eq(PENDING))
            .filter(hook_deliveries::attempts.eq(delivery.attempts))
            .filter(hook_deliveries::next_attempt_at.le(now)),
    )
    .set((
        hook_deliveries::attempts.eq(delivery.attempts + 1),
        hook_deliveries::next_attempt_at.eq(lease_until),
        hook_deliveries::last_attempt_at.eq(now),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// What one attempt got back.
pub struct Outcome<'a> {
    pub status: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<&'a str>,
}

/// Records an attempt: delivered, or pending again at `retry_at`, or failed for good when
/// there is no `retry_at`.
pub fn record_attempt(
    conn: &mut DbConnection,
    id: i32,
    outcome: &Outcome<'_>,
    delivered: bool,
    retry_at: Option<PrimitiveDateTime>,
) -> QueryResult<()> {
    let state = match (delivered, retry_at) {
        (true, _) => DELIVERED,
        (false, Some(_)) => PENDING,
        (false, None) => FAILED,
    };
    diesel::update(hook_deliveries::table.find(id))
        .set((
            hook_deliveries::state.eq(state),
            hook_deliveries::last_status.eq(outcome.status),
            hook_deliveries::last_duration_ms.eq(outcome.duration_ms),
            hook_deliveries::last_error.eq(outcome.error),
            hook_deliveries::next_attempt_at.eq(retry_at.unwrap_or_else(crate::db::now)),
        ))
        .execute(conn)
        .map(drop)
}

/// The hook's latest deliveries, newest first.
pub fn recent(conn: &mut DbConnection, hook_id: i32, limit: i64) -> QueryResult<Vec<Delivery>> {
    hook_deliveries::table
        .filter(hook_deliveries::hook_id.eq(hook_id))
        .order(hook_deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

pub fn delete_for_hook(conn: &mut DbConnection, hook_id: i32) -> QueryResult<usize> {
    diesel::delete(hook_deliveries::table.filter(hook_deliveries::hook_id.eq(hook_id)))
        .execute(conn)
}

/// Forgets finished deliveries created before `before` (housekeeping).
pub fn prune(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        hook_deliveries::table
            .filter(hook_deliveries::state.ne(PENDING))
            .filter(hook_deliveries::created_at.lt(before)),
    )
    .execute(conn)
}

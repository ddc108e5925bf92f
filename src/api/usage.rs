//! Usage of keys, counted in memory per request and written in batches: "Last used",
//! the daily count, and the addresses and user agents seen. A flush runs every
//! second and at shutdown, so the database sees one write per key per second at most.

use std::collections::HashMap;
use std::sync::Mutex;

use diesel::prelude::*;
use time::{Date, Duration, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::db::schema::{api_key_clients, api_key_usage, api_keys};
use crate::domain::sighting::SightingKind;

/// Longest user agent kept.
const MAX_AGENT_LEN: usize = 300;

#[derive(Debug, Default, Clone)]
struct PendingUse {
    last_used_at: Option<PrimitiveDateTime>,
    last_ip: String,
    last_agent: String,
    per_day: HashMap<Date, i64>,
    /// (kind, value) → last seen.
    clients: HashMap<(SightingKind, String), PrimitiveDateTime>,
}

impl PendingUse {
    fn merge(&mut self, newer: PendingUse) {
        if newer.last_used_at >= self.last_used_at {
            self.last_used_at = newer.last_used_at;
            self.last_ip = newer.last_ip;
            self.last_agent = newer.last_agent;
        }
        for (day, n) in newer.per_day {
            *self.per_day.entry(day).or_default() += n;
        }
        for (client, seen) in newer.clients {
            let entry = self.clients.entry(client).or_insert(seen);
            *entry = (*entry).max(seen);
        }
    }
}

#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<HashMap<i32, PendingUse>>,
}

impl UsageRecorder {
    /// Notes one authenticated request. Cheap: a map update under a mutex.
    pub fn record(&self, key_id: i32, at: PrimitiveDateTime, ip: &str, agent: &str) {
        let agent: String = agent.chars().take(MAX_AGENT_LEN).collect();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let entry = pending.entry(key_id).or_default();
        entry.last_used_at = Some(at);
        entry.last_ip = ip.to_string();
        *entry.per_day.entry(at.date()).or_default() += 1;
        entry.clients.insert((SightingKind::Ip, ip.to_string()), at);
        if !agent.is_empty() {
            entry
                .clients
                .insert((SightingKind::Agent, agent.clone()), at);
        }
        entry.last_agent = agent;
    }

    /// Requests noted but not yet written.
    pub fn pending_requests(&self) -> i64 {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.values().flat_map(|p| p.per_day.values()).sum()
    }

    /// Writes everything noted so far in one transaction. On failure the batch is
    /// kept for the next flush, so a database outage loses nothing.
    pub fn flush(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(0);
        }
        match conn.transaction(|conn| write_batch(conn, &batch)) {
            Ok(written) => Ok(written),
            Err(e) => {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for (key_id, older) in batch {
                    let newer = pending.remove(&key_id).unwrap_or_default();
                    let mut merged = older;
                    merged.merge(newer);
                    pending.insert(key_id, merged);
                }
                Err(e)
            }
        }
    }
}

fn write_batch(conn: &mut DbConnection, batch: &HashMap<i32, PendingUse>) -> QueryResult<usize> {
    let ids: Vec<i32> = batch.keys().copied().collect();
    // Keys deleted since their requests are skipped.
    let existing: Vec<i32> = api_keys::table
        .filter(api_keys::id.eq_any(&ids))
        .select(api_keys::id)
        .load(conn)?;
    for key_id in &existing {
        let used = &batch[key_id];
        if let Some(at) = used.last_used_at {
            diesel::update(api_keys::table.find(key_id))
                .set((
                    api_keys::last_used_at.eq(at),
                    api_keys::last_used_ip.eq(&used.last_ip),
                    api_keys::last_used_agent.eq(&used.last_agent),
                ))
                .execute(conn)?;
        }
        for (day, requests) in &used.per_day {
            add_requests(conn, *key_id, *day, *requests)?;
        }
        for ((kind, value), seen) in &used.clients {
            note_client(conn, *key_id, *kind, value, *seen)?;
        }
    }
    Ok(existing.len())
}

fn add_requests(conn: &mut DbConnection, key_id: i32, day: Date, requests: i64) -> QueryResult<()> {
    let row = api_key_usage::table
        .filter(api_key_usage::key_id.eq(key_id))
        .filter(api_key_usage::day.eq(day));
    let updated = diesel::update(row)
        .set(api_key_usage::requests.eq(api_key_usage::requests + requests))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(api_key_usage::table)
            .values((
                api_key_usage::key_id.eq(key_id),
                api_key_usage::day.eq(day),
                api_key_usage::requests.eq(requests),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records an address or agent; one not seen for 30 days counts as new again.
fn note_client(
    conn: &mut DbConnection,
    key_id: i32,
    kind: SightingKind,
    value: &str,
    seen: PrimitiveDateTime,
) -> QueryResult<()> {
    let row = api_key_clients::table
        .filter(api_key_clients::key_id.eq(key_id))
        .filter(api_key_clients::kind.eq(kind.as_str()))
        .filter(api_key_clients::value.eq(value));
    let last_seen: Option<PrimitiveDateTime> = row
        .select(api_key_clients::last_seen)
        .first(conn)
        .optional()?;
    match last_seen {
        None => diesel::insert_into(api_key_clients::table)
            .values((
                api_key_clients::key_id.eq(key_id),
                api_key_clients::kind.eq(kind.as_str()),
                api_key_clients::value.eq(value),
                api_key_clients::first_seen.eq(seen),
                api_key_clients::last_seen.eq(seen),
            ))
            .execute(conn)?,
        Some(last) if seen - last > Duration::days(30) => diesel::update(row)
            .set((
                api_key_clients::first_seen.eq(seen),
                api_key_clients::last_seen.eq(seen),
            ))
            .execute(conn)?,
        Some(_) => diesel::update(row)
            .set(api_key_clients::last_seen.eq(seen))
            .execute(conn)?,
    };
    Ok(())
}

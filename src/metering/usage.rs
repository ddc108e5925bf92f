//! Usage of keys, counted in memory per request and written in batches: "Last used",
//! the daily count, and the addresses and user agents seen. A flush runs every
//! second and at shutdown, so the database sees one write per key per second at most.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use diesel::{Connection, QueryResult};
use time::{Date, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::domain::sighting::SightingKind;
use crate::metrics::UsageFlushMetrics;
use crate::models::{api_key, key_client, key_usage};

/// Longest user agent kept.
const MAX_AGENT_LEN: usize = 300;

#[derive(Debug, Default, Clone)]
struct PendingUse {
    last_used_at: Option<PrimitiveDateTime>,
    last_ip: String,
    last_agent: String,
    per_day: HashMap<Date, i64>,
    /// Kind → value → last seen.
    clients: HashMap<SightingKind, HashMap<String, PrimitiveDateTime>>,
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
        for (kind, values) in newer.clients {
            for (value, seen) in values {
                self.seen(kind, &value, seen);
            }
        }
    }

    /// Notes a client at `at` (the later time wins); allocates only for a new value.
    fn seen(&mut self, kind: SightingKind, value: &str, at: PrimitiveDateTime) {
        let values = self.clients.entry(kind).or_default();
        match values.get_mut(value) {
            Some(last) => *last = (*last).max(at),
            None => {
                values.insert(value.to_string(), at);
            }
        }
    }
}

/// What waits for the next flush, and since when (for the flush lag in `/metrics`).
#[derive(Default)]
struct Pending {
    keys: HashMap<i32, PendingUse>,
    /// When the oldest request waiting was noted: read from the clock only when the
    /// first request after a flush arrives.
    since: Option<Instant>,
}

#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<Pending>,
    metrics: Arc<UsageFlushMetrics>,
}

impl UsageRecorder {
    /// Notes one authenticated request. Cheap: a map update under a mutex.
    pub fn record(&self, key_id: i32, at: PrimitiveDateTime, ip: &str, agent: &str) {
        let agent = match agent.char_indices().nth(MAX_AGENT_LEN) {
            Some((cut, _)) => &agent[..cut],
            None => agent,
        };
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.since.is_none() {
            pending.since = Some(Instant::now());
        }
        let entry = pending.keys.entry(key_id).or_default();
        entry.last_used_at = Some(at);
        *entry.per_day.entry(at.date()).or_default() += 1;
        // A key is mostly called from the same place: nothing is allocated for a client
        // already noted in this batch.
        entry.seen(SightingKind::Ip, ip, at);
        if !agent.is_empty() {
            entry.seen(SightingKind::Agent, agent, at);
        }
        if entry.last_ip != ip {
            entry.last_ip = ip.to_string();
        }
        if entry.last_agent != agent {
            entry.last_agent = agent.to_string();
        }
    }

    /// Requests noted but not yet written.
    pub fn pending_requests(&self) -> i64 {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        requests_in(&pending.keys)
    }

    /// Where each flush reports its lag and size.
    pub fn flush_metrics(&self) -> Arc<UsageFlushMetrics> {
        self.metrics.clone()
    }

    /// Writes everything noted so far in one transaction. On failure the batch is
    /// kept for the next flush, so a database outage loses nothing.
    pub fn flush(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let Pending { keys: batch, since } =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(0);
        }
        let written = conn.transaction(|conn| {
            crate::db::write_first(conn)?;
            write_batch(conn, &batch)
        });
        match written {
            Ok(written) => {
                let waited = since.map(|t| t.elapsed()).unwrap_or_default();
                let requests = u64::try_from(requests_in(&batch)).unwrap_or_default();
                self.metrics.flushed(requests, waited);
                Ok(written)
            }
            Err(e) => {
                self.metrics.failed();
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for (key_id, older) in batch {
                    let newer = pending.keys.remove(&key_id).unwrap_or_default();
                    let mut merged = older;
                    merged.merge(newer);
                    pending.keys.insert(key_id, merged);
                }
                pending.since = since.into_iter().chain(pending.since).min();
                Err(e)
            }
        }
    }
}

fn requests_in(keys: &HashMap<i32, PendingUse>) -> i64 {
    keys.values().flat_map(|p| p.per_day.values()).sum()
}

fn write_batch(conn: &mut DbConnection, batch: &HashMap<i32, PendingUse>) -> QueryResult<usize> {
    let ids: Vec<i32> = batch.keys().copied().collect();
    // Keys deleted since their requests are skipped.
    let existing = api_key::existing_ids(conn, &ids)?;
    for key_id in &existing {
        let used = &batch[key_id];
        if let Some(at) = used.last_used_at {
            api_key::record_last_use(conn, *key_id, at, &used.last_ip, &used.last_agent)?;
        }
        for (day, requests) in &used.per_day {
            key_usage::add_requests(conn, *key_id, *day, *requests)?;
        }
        for (kind, values) in &used.clients {
            for (value, seen) in values {
                key_client::note(conn, *key_id, *kind, value, *seen)?;
            }
        }
    }
    Ok(existing.len())
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;
    use crate::domain::Role;
    use crate::domain::api_key::PlainKey;
    use crate::models::api_key::{ApiKey, KeyScope, NewApiKey};
    use crate::models::{user, workspace};

    const WORKSPACE: i32 = 1;

    /// A migrated in-memory database with one workspace, its admin and two keys.
    fn database() -> (DbConnection, [i32; 2]) {
        let mut conn = crate::db::temp_sqlite::in_memory();
        let keys = seed(&mut conn);
        (conn, keys)
    }

    /// Migrates `conn`'s database and adds one workspace, its admin and two keys.
    fn seed(conn: &mut DbConnection) -> [i32; 2] {
        crate::db::run_migrations(conn).unwrap();
        let workspace_id = workspace::create(conn, "Analytical Engines").unwrap();
        assert_eq!(workspace_id, WORKSPACE);
        let admin = user::insert(
            conn,
            &user::NewUser {
                workspace_id,
                name: "Ada",
                email: "ada@example.com",
                password_hash: "-",
                role: Role::Admin,
                api_access: true,
            },
        )
        .unwrap();
        ["Clay", "Zapier"].map(|name| {
            let plain = PlainKey::generate();
            api_key::insert(
                conn,
                &NewApiKey {
                    workspace_id,
                    created_by: admin,
                    created_by_name: "Ada",
                    name,
                    note: "",
                    digest: plain.digest(),
                    last4: &plain.last4(),
                    access: crate::domain::key_access::KeyAccess {
                        scopes: crate::domain::scopes::Scopes::Full,
                        verify_keys: false,
                    },
                    allowed_ips: "",
                    expires_in_days: None,
                    expires_at: None,
                },
            )
            .unwrap()
        })
    }

    /// A database without tables: every write fails.
    fn broken_database() -> DbConnection {
        crate::db::temp_sqlite::in_memory()
    }

    fn key(conn: &mut DbConnection, id: i32) -> ApiKey {
        let scope = KeyScope {
            workspace_id: WORKSPACE,
            only_created_by: None,
        };
        api_key::find_visible(conn, scope, id).unwrap().unwrap()
    }

    fn counts(conn: &mut DbConnection) -> Vec<(i32, Date, i64)> {
        let since = crate::db::now().date() - Duration::days(30);
        let mut rows = key_usage::usage_since(conn, WORKSPACE, since).unwrap();
        rows.sort();
        rows
    }

    #[test]
    fn requests_wait_in_memory_until_a_flush_writes_them_once() {
        let (mut conn, [clay, zapier]) = database();
        let recorder = UsageRecorder::default();
        let at = crate::db::now();
        for _ in 0..3 {
            recorder.record(clay, at, "203.0.113.7", "Clay/2.0");
        }
        recorder.record(zapier, at, "198.51.100.1", "Zapier");
        assert_eq!(recorder.pending_requests(), 4);
        assert!(
            counts(&mut conn).is_empty(),
            "nothing written before the flush"
        );

        assert_eq!(recorder.flush(&mut conn).unwrap(), 2);
        assert_eq!(recorder.pending_requests(), 0);
        assert_eq!(
            counts(&mut conn),
            vec![(clay, at.date(), 3), (zapier, at.date(), 1)]
        );
        assert_eq!(
            recorder.flush(&mut conn).unwrap(),
            0,
            "a second flush has nothing to write"
        );
        assert_eq!(counts(&mut conn)[0].2, 3);
    }

    #[test]
    fn last_used_is_the_latest_request_with_its_address_and_agent() {
        let (mut conn, [clay, _]) = database();
        let recorder = UsageRecorder::default();
        let earlier = crate::db::now() - Duration::minutes(5);
        let later = crate::db::now();
        recorder.record(clay, earlier, "203.0.113.7", "Clay/1.0");
        recorder.record(clay, later, "203.0.113.8", "Clay/2.0");
        recorder.flush(&mut conn).unwrap();
        let key = key(&mut conn, clay);
        assert_eq!(key.last_used_at, Some(later));
        assert_eq!(key.last_used_ip.as_deref(), Some("203.0.113.8"));
        assert_eq!(key.last_used_agent.as_deref(), Some("Clay/2.0"));
    }

    #[test]
    fn a_failed_flush_keeps_every_request_for_the_next_one() {
        let (mut conn, [clay, _]) = database();
        let recorder = UsageRecorder::default();
        let first = crate::db::now() - Duration::seconds(2);
        recorder.record(clay, first, "203.0.113.7", "Clay/1.0");
        recorder.record(clay, first, "203.0.113.7", "Clay/1.0");

        assert!(recorder.flush(&mut broken_database()).is_err());
        assert_eq!(recorder.pending_requests(), 2, "the failed batch is kept");

        // Requests noted after the failure merge with the kept batch; the newest wins "Last used".
        let second = crate::db::now();
        recorder.record(clay, second, "198.51.100.9", "Clay/2.0");
        assert_eq!(recorder.flush(&mut conn).unwrap(), 1);
        assert_eq!(counts(&mut conn), vec![(clay, second.date(), 3)]);
        let key = key(&mut conn, clay);
        assert_eq!(key.last_used_at, Some(second));
        assert_eq!(key.last_used_ip.as_deref(), Some("198.51.100.9"));
    }

    #[test]
    fn usage_of_a_key_deleted_meanwhile_is_dropped() {
        let (mut conn, [clay, zapier]) = database();
        let recorder = UsageRecorder::default();
        recorder.record(clay, crate::db::now(), "203.0.113.7", "Clay");
        recorder.record(zapier, crate::db::now(), "203.0.113.7", "Zapier");
        api_key::delete(&mut conn, zapier).unwrap();
        assert_eq!(recorder.flush(&mut conn).unwrap(), 1);
        assert_eq!(recorder.pending_requests(), 0);
        assert!(counts(&mut conn).iter().all(|(id, _, _)| *id == clay));
    }

    #[test]
    fn a_long_user_agent_is_cut_to_300_characters() {
        let (mut conn, [clay, _]) = database();
        let recorder = UsageRecorder::default();
        recorder.record(clay, crate::db::now(), "203.0.113.7", &"a".repeat(1000));
        recorder.flush(&mut conn).unwrap();
        assert_eq!(
            key(&mut conn, clay).last_used_agent.map(|a| a.len()),
            Some(300)
        );
    }

    #[test]
    fn requests_on_different_days_are_counted_per_day() {
        let (mut conn, [clay, _]) = database();
        let recorder = UsageRecorder::default();
        let today = crate::db::now();
        let yesterday = today - Duration::days(1);
        recorder.record(clay, yesterday, "203.0.113.7", "Clay");
        recorder.record(clay, today, "203.0.113.7", "Clay");
        recorder.record(clay, today, "203.0.113.7", "Clay");
        recorder.flush(&mut conn).unwrap();
        assert_eq!(
            counts(&mut conn),
            vec![(clay, yesterday.date(), 1), (clay, today.date(), 2)]
        );
    }

    #[test]
    fn a_flush_waits_for_another_writer_instead_of_failing_at_once() {
        use diesel::connection::SimpleConnection;
        let file = crate::db::temp_sqlite::TempSqlite::new("usage");
        let pool = file.pool(2);
        let mut conn = pool.get().unwrap();
        let [key_id, _] = seed(&mut conn);
        let usage = UsageRecorder::default();
        usage.record(key_id, crate::db::now(), "203.0.113.7", "curl/8.5");

        // Another connection holds the write lock, then commits a change.
        let (locked, wait_for_lock) = std::sync::mpsc::channel();
        let other = pool.get().unwrap();
        let writer = std::thread::spawn(move || {
            let mut other = other;
            other
                .batch_execute("BEGIN IMMEDIATE; UPDATE workspaces SET name = name || '.';")
                .unwrap();
            locked.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.batch_execute("COMMIT").unwrap();
        });
        wait_for_lock.recv().unwrap();
        let flushed = usage.flush(&mut conn).map_err(|e| e.to_string());
        writer.join().unwrap();
        assert_eq!(flushed, Ok(1), "the flush waited for the lock");
        assert_eq!(usage.pending_requests(), 0);
    }
}

//! The budget all instances share: one sorted set per key in Redis, kept by a Lua script
//! that, atomically and on Redis's own clock (`TIME`, so instances need not agree on the
//! time), drops the requests that left the window, counts the rest and logs this one if
//! there is room. Same window semantics as the local `SlidingLog`, exact to the
//! microsecond. A key's set expires (`PEXPIRE`) a window after its newest request.
//!
//! Why a runtime of its own: the check runs inside the request's single blocking call
//! (after the key is verified, before its use is recorded), and going back to async for
//! Redis would cost a second hop per request. So the connection lives on a one-thread
//! tokio runtime owned by this value, and the blocking thread waits on it
//! (`Handle::block_on`) for at most `TIMEOUT`; no actix worker ever blocks. One
//! multiplexed connection carries the checks of every blocking thread at once.
//!
//! When Redis fails or is slow, `check` says so and the caller decides locally; the
//! connection is dropped, and a task reconnects at most once a second until Redis
//! answers again. Warnings are logged at most once a minute.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Script};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

use super::redis_url::RedisUrl;
use super::sliding_log::Verdict;

/// The longest a request waits for Redis before it is decided locally.
pub const TIMEOUT: Duration = Duration::from_millis(200);
/// How often a lost connection is tried again.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// At most one warning about Redis per this long.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// Redis keys are this and the key's id (never the key itself).
pub const KEY_PREFIX: &str = "keydesk:rate-limit:";

/// KEYS[1]: the key's set; ARGV: window (µs), limit, a member unique to this request.
/// Returns {accepted (0/1), requests in the window, oldest, newest, now} (times in µs).
/// Times go to Redis formatted with `%d`: Lua's own number-to-string conversion keeps
/// only 14 digits, which would round a microsecond timestamp to 100 µs.
const SLIDING_WINDOW: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - window))
local count = redis.call('ZCARD', KEYS[1])
local accepted = 0
if count < limit then
  redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1)
  count = count + 1
  accepted = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
return {accepted, count, tonumber(oldest or now), tonumber(newest or now), now}
";

/// Why a check could not be decided by Redis.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("not connected")]
    NotConnected,
    #[error("{0}")]
    Failed(redis::RedisError),
    #[error("no answer within {} ms", TIMEOUT.as_millis())]
    TimedOut,
}

pub struct SharedBudget {
    /// `Some` until dropped (see `Drop`).
    runtime: Option<Runtime>,
    link: Arc<Link>,
    script: Script,
    limit: u32,
    window_us: u64,
    /// Makes each logged request a distinct member of its set.
    member_prefix: String,
    sequence: AtomicU64,
}

/// The connection, shared with the task that restores it.
struct Link {
    client: Client,
    /// With the generation it was made in, so a late failure on an old connection
    /// does not drop a new one.
    conn: RwLock<Option<(u64, MultiplexedConnection)>>,
    generation: AtomicU64,
    lost: Notify,
    warned_at: Mutex<Option<Instant>>,
}

impl SharedBudget {
    /// Connects, waiting for the first attempt at most `TIMEOUT` (so that with Redis up
    /// the first request is already shared); until connected, `check` is `NotConnected`.
    pub fn connect(url: &RedisUrl, limit: u32, window: Duration) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("keydesk-redis")
            .enable_all()
            .build()
            .expect("a thread for the Redis connection");
        let link = Arc::new(Link {
            client: url.client(),
            conn: RwLock::new(None),
            generation: AtomicU64::new(0),
            lost: Notify::new(),
            warned_at: Mutex::new(None),
        });
        let (first_attempt, attempted) = std::sync::mpsc::channel();
        runtime.spawn(keep_connected(link.clone(), first_attempt));
        let _ = attempted.recv_timeout(TIMEOUT);
        let nonce: u64 = rand::random();
        Self {
            runtime: Some(runtime),
            link,
            script: Script::new(SLIDING_WINDOW),
            limit: limit.max(1),
            window_us: window.as_micros().max(1) as u64,
            member_prefix: format!("{nonce:016x}"),
            sequence: AtomicU64::new(0),
        }
    }

    pub fn is_connected(&self) -> bool {
        self.link.current().is_some()
    }

    /// Counts one request for `key_id` against the shared budget. Call it from a
    /// blocking thread only (it waits for Redis, at most `TIMEOUT`).
    pub fn check(&self, key_id: i32) -> Result<Verdict, Unavailable> {
        let (generation, mut conn) = self.link.current().ok_or(Unavailable::NotConnected)?;
        let member = format!(
            "{}:{}",
            self.member_prefix,
            self.sequence.fetch_add(1, Ordering::Relaxed)
        );
        let mut invocation = self.script.key(format!("{KEY_PREFIX}{key_id}"));
        invocation.arg(self.window_us).arg(self.limit).arg(member);
        let runtime = self.runtime.as_ref().expect("present until dropped");
        let answer = runtime.handle().block_on(async {
            tokio::time::timeout(TIMEOUT, invocation.invoke_async(&mut conn)).await
        });
        let failure = match answer {
            Ok(Ok(reply)) => return Ok(self.verdict(reply)),
            Ok(Err(e)) => Unavailable::Failed(e),
            Err(_) => Unavailable::TimedOut,
        };
        self.link.lose(generation);
        self.link.warn(&failure);
        Err(failure)
    }

    fn verdict(
        &self,
        (accepted, count, oldest, newest, now): (i64, i64, i64, i64, i64),
    ) -> Verdict {
        let window = self.window_us as i64;
        let until = |at: i64| Duration::from_micros((at + window - now).max(0) as u64);
        Verdict {
            accepted: accepted == 1,
            remaining: (i64::from(self.limit) - count).max(0) as u32,
            retry_after: until(oldest),
            full_after: until(newest),
        }
    }
}

impl Drop for SharedBudget {
    fn drop(&mut self) {
        // The last `AppState` may go away on an async thread, where a runtime may not
        // block to shut down.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Link {
    fn current(&self) -> Option<(u64, MultiplexedConnection)> {
        self.conn
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Drops the connection of `generation` (if still the current one) and wakes the
    /// task that restores it.
    fn lose(&self, generation: u64) {
        let mut conn = self.conn.write().unwrap_or_else(PoisonError::into_inner);
        if conn.as_ref().is_some_and(|(g, _)| *g == generation) {
            *conn = None;
            self.lost.notify_one();
        }
    }

    fn install(&self, connection: MultiplexedConnection) {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        *self.conn.write().unwrap_or_else(PoisonError::into_inner) = Some((generation, connection));
    }

    fn warn(&self, problem: &dyn std::fmt::Display) {
        if warning_due(&self.warned_at, Instant::now()) {
            tracing::warn!(
                "Redis is unreachable ({problem}): this instance counts rate limits on its own until it is back"
            );
        }
    }
}

/// True at most once per `WARN_EVERY`.
fn warning_due(warned_at: &Mutex<Option<Instant>>, now: Instant) -> bool {
    let mut last = warned_at.lock().unwrap_or_else(PoisonError::into_inner);
    if last.is_some_and(|at| now.saturating_duration_since(at) < WARN_EVERY) {
        return false;
    }
    *last = Some(now);
    true
}

/// Connects, and reconnects (at most once a second) whenever a check loses the connection.
async fn keep_connected(link: Arc<Link>, first_attempt: std::sync::mpsc::Sender<()>) {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(TIMEOUT)
        .set_response_timeout(TIMEOUT);
    let mut ever_connected = false;
    loop {
        if link.current().is_none() {
            match link
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
            {
                Ok(connection) => {
                    link.install(connection);
                    *link
                        .warned_at
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = None;
                    if ever_connected {
                        tracing::info!(
                            "Redis is back: rate limits are shared between instances again"
                        );
                    } else {
                        tracing::info!("rate limits are shared between instances through Redis");
                    }
                    ever_connected = true;
                    let _ = first_attempt.send(());
                }
                Err(e) => {
                    link.warn(&e);
                    let _ = first_attempt.send(());
                    tokio::time::sleep(RETRY_EVERY).await;
                    continue;
                }
            }
        }
        link.lost.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_due_at_most_once_a_minute() {
        let warned_at = Mutex::new(None);
        let start = Instant::now();
        assert!(warning_due(&warned_at, start));
        assert!(!warning_due(&warned_at, start + Duration::from_secs(30)));
        assert!(!warning_due(&warned_at, start + Duration::from_secs(59)));
        assert!(warning_due(&warned_at, start + Duration::from_secs(61)));
    }

    #[test]
    fn without_redis_a_check_is_not_decided_and_returns_at_once() {
        let url = crate::metering::redis_url::unreachable();
        let budget = SharedBudget::connect(&url, 20, Duration::from_secs(2));
        let started = Instant::now();
        assert!(matches!(budget.check(1), Err(Unavailable::NotConnected)));
        assert!(started.elapsed() < TIMEOUT);
        assert!(!budget.is_connected());
    }
}

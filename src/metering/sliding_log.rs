//! This instance's own limiter: a sliding log per key, so at most `limit` requests are
//! accepted in any window of length `window` (a refused request is not logged).
//!
//! Requests are logged per millisecond tick, as (tick, how many), and a tick leaves the
//! window when its last possible instant does: a request may wait up to 1 ms longer than
//! an exact log would make it, never less. So a key's log holds at most
//! `min(limit, window / 1 ms)` entries, which keeps it small even with a limit of a
//! billion (as benchmarks run). Keys are spread over a few mutex-guarded shards;
//! `forget_idle` drops keys whose log is empty.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

const SHARDS: usize = 16;

/// What one check decided, in durations from the instant it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub accepted: bool,
    /// Requests still allowed in the current window.
    pub remaining: u32,
    /// For a refusal: until the oldest logged request leaves the window.
    pub retry_after: Duration,
    /// Until every logged request has left the window (the full allowance is back).
    pub full_after: Duration,
}

pub struct SlidingLog {
    limit: u32,
    window: Duration,
    epoch: Instant,
    shards: Vec<Mutex<HashMap<i32, KeyLog>>>,
}

#[derive(Default)]
struct KeyLog {
    /// (millisecond tick since the epoch, requests accepted in it), oldest first.
    ticks: VecDeque<(u64, u32)>,
    accepted: u32,
}

impl SlidingLog {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            epoch: Instant::now(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Logs one request for `key_id` unless its window is full.
    pub fn check(&self, key_id: i32) -> Verdict {
        self.check_at(key_id, Instant::now())
    }

    pub fn check_at(&self, key_id: i32, now: Instant) -> Verdict {
        let tick = self.tick_of(now);
        let mut shard = self.shard(key_id);
        let log = shard.entry(key_id).or_default();
        self.drop_expired(log, now);
        let accepted = log.accepted < self.limit;
        if accepted {
            match log.ticks.back_mut() {
                Some((last, count)) if *last == tick => *count += 1,
                _ => log.ticks.push_back((tick, 1)),
            }
            log.accepted += 1;
        }
        let oldest = log.ticks.front().map_or(tick, |(t, _)| *t);
        let newest = log.ticks.back().map_or(tick, |(t, _)| *t);
        Verdict {
            accepted,
            remaining: self.limit - log.accepted,
            retry_after: self.leaves_at(oldest).saturating_duration_since(now),
            full_after: self.leaves_at(newest).saturating_duration_since(now),
        }
    }

    /// Forgets keys with nothing left in their window, so memory stays bounded.
    pub fn forget_idle(&self) {
        let now = Instant::now();
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            shard.retain(|_, log| {
                self.drop_expired(log, now);
                !log.ticks.is_empty()
            });
            shard.shrink_to_fit();
        }
    }

    /// Keys with requests in their window (what `forget_idle` keeps).
    pub fn keys_held(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    fn shard(&self, key_id: i32) -> MutexGuard<'_, HashMap<i32, KeyLog>> {
        self.shards[key_id.unsigned_abs() as usize % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn tick_of(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_millis() as u64
    }

    /// When the requests of `tick` leave the window: a window after the tick's end.
    fn leaves_at(&self, tick: u64) -> Instant {
        self.epoch + Duration::from_millis(tick + 1) + self.window
    }

    fn drop_expired(&self, log: &mut KeyLog, now: Instant) {
        while let Some(&(tick, count)) = log.ticks.front() {
            if self.leaves_at(tick) > now {
                break;
            }
            log.ticks.pop_front();
            log.accepted -= count;
        }
    }
}

#[cfg(test)]
#[path = "sliding_log_tests.rs"]
mod tests;

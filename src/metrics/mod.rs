//! What `/metrics` reports, counted where it happens: requests by route and status (the
//! access log), key checks by outcome (the API's gate), rate-limit refusals, usage
//! flushes (their lag and size), webhook deliveries by outcome. Recording is a relaxed
//! atomic addition into a counter chosen without formatting or allocating; labels are
//! fixed words, route patterns and status codes, never a key, a name or a path a client
//! chose. The pool and the rate limiter's backend are read when scraped (`scrape`).

mod histogram;
pub mod http;
pub mod scrape;
pub mod token;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use histogram::AtomicHistogram;

/// Every outcome of the API's key check: `ok`, then each refusal code the gate answers
/// with (see `api::auth` and `api::standing`); a code missing here counts as `other`.
pub const KEY_CHECK_OUTCOMES: [&str; 18] = [
    "ok",
    "missing_key",
    "malformed_authorization",
    "key_has_whitespace",
    "not_a_keydesk_key",
    "key_truncated",
    "key_too_long",
    "key_invalid_characters",
    "key_bad_checksum",
    "key_unknown",
    "key_other_workspace",
    "key_regenerated",
    "key_disabled",
    "key_expired",
    "ip_not_allowed",
    "read_only_key",
    "insufficient_scope",
    "other",
];

/// What became of one webhook delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// No 2xx answer; it is tried again later.
    FailedWillRetry,
    /// No 2xx answer, and 24 hours have passed since the event: no more attempts.
    GivenUp,
    /// Not sent: the target did not resolve, or resolved to a refused address.
    TargetRefused,
}

impl DeliveryOutcome {
    const ALL: [DeliveryOutcome; 4] = [
        Self::Delivered,
        Self::FailedWillRetry,
        Self::GivenUp,
        Self::TargetRefused,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::FailedWillRetry => "failed_will_retry",
            Self::GivenUp => "given_up",
            Self::TargetRefused => "target_refused",
        }
    }
}

/// Whether API rate limits are drawn from the shared store or, because it cannot be
/// reached, from this instance's own counts. The limiter reports it; `/metrics` reads it.
pub trait RateLimitBackendStatus: Send + Sync {
    /// True while this instance counts on its own for want of the shared store.
    fn in_fallback(&self) -> bool;
    /// How many times this instance fell back since it started.
    fn fallbacks(&self) -> u64;
}

/// Limits counted by each instance alone: never in fallback. Also a ready-made status
/// for a shared limiter to update.
#[derive(Debug, Default)]
pub struct FallbackState {
    in_fallback: AtomicBool,
    fallbacks: AtomicU64,
}

impl FallbackState {
    /// The shared store is unreachable: counted once per switch.
    pub fn fell_back(&self) {
        if !self.in_fallback.swap(true, Ordering::Relaxed) {
            self.fallbacks.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn recovered(&self) {
        self.in_fallback.store(false, Ordering::Relaxed);
    }
}

impl RateLimitBackendStatus for FallbackState {
    fn in_fallback(&self) -> bool {
        self.in_fallback.load(Ordering::Relaxed)
    }

    fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
}

/// Usage flushes (`metering::usage`): how old the oldest request written was, and how
/// many requests each flush wrote.
pub struct UsageFlushMetrics {
    pub lag: AtomicHistogram,
    pub batch: AtomicHistogram,
    pub failures: AtomicU64,
}

/// Lag buckets in milliseconds: 10 ms to 1 minute (a flush runs every second).
const LAG_BOUNDS_MILLIS: &[u64] = &[
    10, 50, 100, 250, 500, 1_000, 1_500, 2_000, 5_000, 10_000, 30_000, 60_000,
];
/// Batch sizes in requests.
const BATCH_BOUNDS: &[u64] = &[1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000, 50_000];

impl Default for UsageFlushMetrics {
    fn default() -> Self {
        Self {
            lag: AtomicHistogram::new(LAG_BOUNDS_MILLIS, 1e3),
            batch: AtomicHistogram::new(BATCH_BOUNDS, 1.0),
            failures: AtomicU64::new(0),
        }
    }
}

impl UsageFlushMetrics {
    pub fn flushed(&self, requests: u64, oldest_waited: std::time::Duration) {
        self.batch.observe(requests);
        self.lag
            .observe(u64::try_from(oldest_waited.as_millis()).unwrap_or(u64::MAX));
    }

    pub fn failed(&self) {
        self.failures.fetch_add(1, Ordering::Relaxed);
    }
}

/// The counters of one server, kept in its state (so tests in one process never share them).
pub struct Metrics {
    pub http: http::HttpMetrics,
    key_checks: [AtomicU64; KEY_CHECK_OUTCOMES.len()],
    rate_limit_refusals: AtomicU64,
    pub usage: Arc<UsageFlushMetrics>,
    webhook_deliveries: [AtomicU64; DeliveryOutcome::ALL.len()],
}

impl Metrics {
    pub fn new(usage: Arc<UsageFlushMetrics>) -> Self {
        Self {
            http: http::HttpMetrics::default(),
            key_checks: Default::default(),
            rate_limit_refusals: AtomicU64::new(0),
            usage,
            webhook_deliveries: Default::default(),
        }
    }

    /// A key accepted by the API's gate.
    pub fn key_accepted(&self) {
        self.key_checks[0].fetch_add(1, Ordering::Relaxed);
    }

    /// A key refused by the API's gate, with the code the refusal carries.
    pub fn key_refused(&self, code: &str) {
        let slot = KEY_CHECK_OUTCOMES[1..KEY_CHECK_OUTCOMES.len() - 1]
            .iter()
            .position(|known| *known == code)
            .map_or(KEY_CHECK_OUTCOMES.len() - 1, |i| i + 1);
        self.key_checks[slot].fetch_add(1, Ordering::Relaxed);
    }

    pub fn rate_limited(&self) {
        self.rate_limit_refusals.fetch_add(1, Ordering::Relaxed);
    }

    pub fn webhook_attempt(&self, outcome: DeliveryOutcome) {
        self.webhook_deliveries[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_code_is_counted_under_its_own_name_or_else_as_other() {
        let metrics = Metrics::new(Arc::default());
        metrics.key_refused("key_unknown");
        metrics.key_refused("something_new");
        metrics.key_refused("ok");
        let count = |outcome: &str| {
            let slot = KEY_CHECK_OUTCOMES
                .iter()
                .position(|o| *o == outcome)
                .unwrap();
            metrics.key_checks[slot].load(Ordering::Relaxed)
        };
        assert_eq!(count("key_unknown"), 1);
        assert_eq!(count("other"), 2, "\"ok\" is no refusal code");
        assert_eq!(count("ok"), 0);
    }

    #[test]
    fn falling_back_is_counted_once_per_switch() {
        let state = FallbackState::default();
        state.fell_back();
        state.fell_back();
        assert!(state.in_fallback());
        state.recovered();
        state.fell_back();
        assert_eq!(state.fallbacks(), 2);
    }
}

//! Per-key rate limiting: at most `limit` requests in any window of length `window`
//! (a sliding log, not a refilling bucket, so a burst is never followed by a second
//! one within the same window), with the numbers every response reports in
//! `X-RateLimit-*` headers.
//!
//! Without Redis each instance counts on its own (`SlidingLog`). With a Redis URL all
//! instances draw on one budget per key (`SharedBudget`); whenever Redis cannot decide
//! a request (down, slow, not yet connected), this instance's own log decides it and
//! the fallback is counted, so an API request never fails because of Redis.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::redis_url::RedisUrl;
use super::shared_budget::SharedBudget;
use super::sliding_log::{SlidingLog, Verdict};

pub struct ApiRateLimiter {
    local: SlidingLog,
    shared: Option<SharedBudget>,
    /// Requests decided locally because Redis could not decide them.
    fallbacks: AtomicU64,
}

/// What to tell the client about its allowance.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// When the full allowance is available again.
    pub reset_at: SystemTime,
    /// Set when the request was refused: until the oldest request leaves the window.
    pub retry_after: Option<Duration>,
}

impl ApiRateLimiter {
    /// Counted by this instance alone.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            local: SlidingLog::new(limit, window),
            shared: None,
            fallbacks: AtomicU64::new(0),
        }
    }

    /// One budget per key shared through Redis, or this instance's own without a URL.
    pub fn shared_through(redis: Option<&RedisUrl>, limit: u32, window: Duration) -> Self {
        Self {
            shared: redis.map(|url| SharedBudget::connect(url, limit, window)),
            ..Self::new(limit, window)
        }
    }

    /// Counts one request for `key_id`. With Redis it waits for Redis (at most
    /// `shared_budget::TIMEOUT`), so call it from a blocking thread.
    pub fn check(&self, key_id: i32) -> Allowance {
        let verdict = match &self.shared {
            None => self.local.check(key_id),
            Some(shared) => shared.check(key_id).unwrap_or_else(|_| {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                self.local.check(key_id)
            }),
        };
        self.allowance(verdict)
    }

    fn allowance(&self, verdict: Verdict) -> Allowance {
        Allowance {
            limit: self.local.limit(),
            remaining: verdict.remaining,
            reset_at: SystemTime::now() + verdict.full_after,
            retry_after: (!verdict.accepted).then_some(verdict.retry_after),
        }
    }

    /// The allowance reported on requests that are not counted (refused before the limiter).
    pub fn uncounted(&self) -> Allowance {
        Allowance {
            limit: self.local.limit(),
            remaining: self.local.limit(),
            reset_at: SystemTime::now(),
            retry_after: None,
        }
    }

    /// Forgets keys with nothing in their local window, so memory stays bounded (Redis
    /// expires its own).
    pub fn forget_idle(&self) {
        self.local.forget_idle();
    }

    /// Whether a Redis URL was configured.
    pub fn uses_redis(&self) -> bool {
        self.shared.is_some()
    }

    /// Whether requests are counted against the shared budget right now (false without
    /// Redis, and while Redis is unreachable).
    pub fn is_shared(&self) -> bool {
        self.shared.as_ref().is_some_and(SharedBudget::is_connected)
    }

    /// Requests decided by this instance alone because Redis could not decide them,
    /// since start.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
}

/// What `/metrics` reports of the shared budget: in fallback while Redis is configured
/// but not answering.
impl crate::metrics::RateLimitBackendStatus for ApiRateLimiter {
    fn in_fallback(&self) -> bool {
        self.uses_redis() && !self.is_shared()
    }

    fn fallbacks(&self) -> u64 {
        ApiRateLimiter::fallbacks(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_is_refused_until_the_oldest_leaves_the_window() {
        let limiter = ApiRateLimiter::new(20, Duration::from_secs(2));
        for i in 0..20 {
            let a = limiter.check(1);
            assert!(a.retry_after.is_none(), "request {i}");
            assert_eq!(a.remaining, 19 - i);
        }
        let refused = limiter.check(1);
        assert_eq!(refused.remaining, 0);
        let wait = refused.retry_after.expect("refused");
        assert!(wait > Duration::from_millis(1500) && wait <= Duration::from_millis(2001));
        let reset = refused.reset_at.duration_since(SystemTime::now()).unwrap();
        assert!(reset > Duration::from_millis(1500) && reset <= Duration::from_millis(2001));
        assert!(
            limiter.check(2).retry_after.is_none(),
            "another key has its own allowance"
        );
        assert!(!limiter.is_shared());
        assert_eq!(limiter.fallbacks(), 0);
    }

    #[test]
    fn with_redis_unreachable_requests_are_decided_locally_and_counted_as_fallbacks() {
        let url = crate::metering::redis_url::unreachable();
        let limiter = ApiRateLimiter::shared_through(Some(&url), 2, Duration::from_secs(60));
        assert!(limiter.check(1).retry_after.is_none());
        assert!(limiter.check(1).retry_after.is_none());
        assert!(
            limiter.check(1).retry_after.is_some(),
            "the local limit holds"
        );
        assert!(limiter.uses_redis());
        assert!(!limiter.is_shared());
        assert_eq!(limiter.fallbacks(), 3);
    }
}

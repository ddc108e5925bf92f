//! Per-key rate limiting (governor's GCRA): `limit` requests per `window`, refilled
//! evenly, with the numbers every response reports in `X-RateLimit-*` headers.
//! Limits live in this instance's memory: each instance counts on its own.

use std::num::NonZeroU32;
use std::time::{Duration, SystemTime};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Limiter =
    RateLimiter<i32, DefaultKeyedStateStore<i32>, DefaultClock, StateInformationMiddleware>;

pub struct ApiRateLimiter {
    limiter: Limiter,
    limit: u32,
    /// Time to earn back one request.
    per_request: Duration,
}

/// What to tell the client about its allowance.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// When the full allowance is available again.
    pub reset_at: SystemTime,
    /// Set when the request was refused.
    pub retry_after: Option<Duration>,
}

impl ApiRateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        let limit = limit.max(1);
        let per_request = (window / limit).max(Duration::from_nanos(1));
        let quota = Quota::with_period(per_request)
            .expect("a positive period")
            .allow_burst(NonZeroU32::new(limit).expect("limit >= 1"));
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            limit,
            per_request,
        }
    }

    /// Counts one request for `key_id`.
    pub fn check(&self, key_id: i32) -> Allowance {
        match self.limiter.check_key(&key_id) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Allowance {
                    limit: self.limit,
                    remaining,
                    reset_at: SystemTime::now() + self.per_request * (self.limit - remaining),
                    retry_after: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Allowance {
                    limit: self.limit,
                    remaining: 0,
                    reset_at: SystemTime::now() + wait + self.per_request * (self.limit - 1),
                    retry_after: Some(wait),
                }
            }
        }
    }

    /// The allowance reported on requests that are not counted (refused before the limiter).
    pub fn uncounted(&self) -> Allowance {
        Allowance {
            limit: self.limit,
            remaining: self.limit,
            reset_at: SystemTime::now(),
            retry_after: None,
        }
    }

    /// Forgets keys that have their full allowance again, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_after_the_limit_is_refused_and_other_keys_are_unaffected() {
        let limiter = ApiRateLimiter::new(20, Duration::from_secs(2));
        for i in 0..20 {
            let a = limiter.check(1);
            assert!(a.retry_after.is_none(), "request {i}");
            assert_eq!(a.remaining, 19 - i);
        }
        let refused = limiter.check(1);
        assert_eq!(refused.remaining, 0);
        let wait = refused.retry_after.expect("refused");
        assert!(wait <= Duration::from_millis(100));
        assert!(
            limiter.check(2).retry_after.is_none(),
            "another key has its own allowance"
        );
    }
}

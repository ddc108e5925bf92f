use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::SlidingLog;

const WINDOW: Duration = Duration::from_secs(2);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_burst_of_the_limit_passes_and_the_next_request_waits_for_the_oldest_to_leave() {
    let log = SlidingLog::new(20, WINDOW);
    let start = Instant::now();
    for i in 0..20 {
        let verdict = log.check_at(1, start + ms(i * 10));
        assert!(verdict.accepted, "request {i}");
        assert_eq!(verdict.remaining, 19 - i as u32);
    }
    let refused = log.check_at(1, start + ms(500));
    assert!(!refused.accepted);
    assert_eq!(refused.remaining, 0);
    // The first request (at 0 ms) leaves 2 s later (at the end of its tick), so 1.5 s
    // from now; the last (at 190 ms) leaves at 2.19 s.
    let around = |d: Duration, expected: u64| d > ms(expected) && d <= ms(expected + 1);
    assert!(
        around(refused.retry_after, 1500),
        "{:?}",
        refused.retry_after
    );
    assert!(around(refused.full_after, 1690), "{:?}", refused.full_after);
    assert!(
        log.check_at(2, start + ms(500)).accepted,
        "another key has its own allowance"
    );
}

#[test]
fn half_a_window_after_a_burst_nothing_more_is_let_through() {
    // An evenly refilling bucket would let about half the limit through again here.
    let log = SlidingLog::new(10, WINDOW);
    let start = Instant::now();
    for _ in 0..10 {
        assert!(log.check_at(7, start).accepted);
    }
    for t in [100, 1000, 1999] {
        assert!(!log.check_at(7, start + ms(t)).accepted, "at {t} ms");
    }
    let back = log.check_at(7, start + ms(2001));
    assert!(back.accepted);
    assert_eq!(back.remaining, 9, "the whole burst left together");
}

#[test]
fn requests_come_back_one_by_one_as_they_leave_the_window() {
    let log = SlidingLog::new(3, WINDOW);
    let start = Instant::now();
    for t in [0, 500, 1000] {
        assert!(log.check_at(3, start + ms(t)).accepted);
    }
    assert!(!log.check_at(3, start + ms(1500)).accepted);
    let one_back = log.check_at(3, start + ms(2001));
    assert!(one_back.accepted);
    assert_eq!(one_back.remaining, 0);
    assert!(!log.check_at(3, start + ms(2200)).accepted);
    assert!(log.check_at(3, start + ms(2501)).accepted);
}

#[test]
fn a_keys_log_holds_at_most_one_entry_per_millisecond_and_idle_keys_are_forgotten() {
    let log = SlidingLog::new(1_000_000_000, ms(50));
    let start = Instant::now();
    for i in 0..10_000u64 {
        assert!(log.check_at(9, start + Duration::from_micros(i)).accepted);
    }
    {
        let shard = log.shard(9);
        assert!(shard[&9].ticks.len() <= 11, "{}", shard[&9].ticks.len());
    }
    assert_eq!(log.keys_held(), 1);
    std::thread::sleep(ms(80));
    log.forget_idle();
    assert_eq!(log.keys_held(), 0);
}

proptest! {
    #[test]
    fn no_window_ever_holds_more_than_the_limit(
        limit in 1u32..8,
        gaps in proptest::collection::vec(0u64..700, 1..200),
    ) {
        let log = SlidingLog::new(limit, WINDOW);
        let start = Instant::now();
        let mut at = Duration::ZERO;
        let mut accepted: Vec<Duration> = Vec::new();
        for gap in gaps {
            at += ms(gap);
            let verdict = log.check_at(5, start + at);
            // Accepted requests whose window still covers `at`, exactly and with the
            // millisecond of slack the log allows itself.
            let within = |slack: Duration| {
                accepted.iter().filter(|t| **t + WINDOW + slack > at).count() as u32
            };
            if verdict.accepted {
                prop_assert!(within(Duration::ZERO) < limit);
                accepted.push(at);
            } else {
                prop_assert!(within(ms(1)) >= limit, "refused with room at {:?}", at);
            }
        }
    }
}

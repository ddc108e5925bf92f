//! Every hint and both sides of its boundary, by kind of hint; the keys and sightings
//! they are tried on are built here.

mod sightings;
mod standing;
mod timing;

use time::macros::datetime;

use super::*;

const NOW: PrimitiveDateTime = datetime!(2025-06-15 12:00:00);
const SECOND: Duration = Duration::seconds(1);
const LAST_IP: &str = "198.51.100.7";

/// A key issued 10 days ago and used an hour ago: no hint at all.
fn healthy() -> KeyFacts<'static> {
    KeyFacts {
        expires_at: None,
        last_used_at: Some(NOW - Duration::hours(1)),
        last_used_ip: Some(LAST_IP),
        secret_issued_at: NOW - Duration::days(10),
        disabled: None,
        disabled_unused_days: None,
        max_lifetime_days: None,
        creator_gone: None,
    }
}

fn expiring(at: PrimitiveDateTime) -> KeyFacts<'static> {
    KeyFacts {
        expires_at: Some(at),
        ..healthy()
    }
}

fn last_used(ago: Duration) -> KeyFacts<'static> {
    KeyFacts {
        last_used_at: Some(NOW - ago),
        ..healthy()
    }
}

fn never_used(issued_ago: Duration) -> KeyFacts<'static> {
    KeyFacts {
        last_used_at: None,
        secret_issued_at: NOW - issued_ago,
        ..healthy()
    }
}

fn issued(ago: Duration) -> KeyFacts<'static> {
    KeyFacts {
        secret_issued_at: NOW - ago,
        ..healthy()
    }
}

fn kinds(key: KeyFacts<'_>, sightings: &[Sighting]) -> Vec<HintKind> {
    hints(&key, sightings, NOW).iter().map(|h| h.kind).collect()
}

/// The single hint a key gets, failing if it gets none or several.
fn only_hint(key: KeyFacts<'_>, sightings: &[Sighting]) -> Hint {
    let mut all = hints(&key, sightings, NOW);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

fn agent(value: &str, last_seen_ago: Duration) -> Sighting {
    let at = NOW - last_seen_ago;
    Sighting {
        kind: SightingKind::Agent,
        value: value.into(),
        first_seen: at,
        last_seen: at,
    }
}

fn ip(value: &str, first_seen_ago: Duration) -> Sighting {
    Sighting {
        kind: SightingKind::Ip,
        value: value.into(),
        first_seen: NOW - first_seen_ago,
        last_seen: NOW - Duration::hours(1),
    }
}

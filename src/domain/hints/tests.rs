//! Every hint and both sides of its boundary.

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

#[test]
fn a_healthy_key_has_no_hints() {
    assert_eq!(kinds(healthy(), &[]), []);
}

#[test]
fn a_key_whose_expiry_is_now_or_past_is_expired() {
    assert_eq!(kinds(expiring(NOW), &[]), [HintKind::Expired]);
    let hint = only_hint(expiring(datetime!(2025-06-01 08:00:00)), &[]);
    assert_eq!(
        (hint.label(), hint.tone().css_class()),
        ("Expired", "danger")
    );
    assert_eq!(
        hint.sentence,
        "Expired on Jun 1, 2025: integrations using it are refused. Regenerate it to issue a new secret, or delete it."
    );
}

#[test]
fn a_key_expiring_within_7_days_expires_soon() {
    assert_eq!(kinds(expiring(NOW + SECOND), &[]), [HintKind::ExpiresSoon]);
    assert_eq!(
        kinds(expiring(NOW + Duration::days(7)), &[]),
        [HintKind::ExpiresSoon]
    );
    let hint = only_hint(expiring(NOW + Duration::days(3)), &[]);
    assert_eq!(
        (hint.label(), hint.tone().css_class()),
        ("Expires soon", "warn")
    );
    assert_eq!(
        hint.sentence,
        "Expires in 3 days: regenerate it or create a replacement before then."
    );
}

#[test]
fn a_key_expiring_just_after_7_days_has_no_expiry_hint() {
    assert_eq!(kinds(expiring(NOW + Duration::days(7) + SECOND), &[]), []);
}

#[test]
fn the_banner_uses_the_same_window_as_expires_soon() {
    assert!(!expires_soon(None, NOW));
    assert!(!expires_soon(Some(NOW), NOW));
    assert!(expires_soon(Some(NOW + SECOND), NOW));
    assert!(expires_soon(Some(NOW + Duration::days(7)), NOW));
    assert!(!expires_soon(Some(NOW + Duration::days(7) + SECOND), NOW));
}

#[test]
fn a_key_unused_for_89_or_exactly_90_days_is_not_inactive() {
    assert_eq!(kinds(last_used(Duration::days(89)), &[]), []);
    assert_eq!(kinds(last_used(Duration::days(90)), &[]), []);
}

#[test]
fn a_key_unused_for_just_over_90_days_is_inactive() {
    let hint = only_hint(last_used(Duration::days(90) + SECOND), &[]);
    assert_eq!(
        (hint.label(), hint.tone().css_class()),
        ("Inactive", "warn")
    );
    assert_eq!(
        hint.sentence,
        "Not used in over 90 days: delete it if no integration needs it any more."
    );
}

#[test]
fn a_key_unused_23_or_exactly_24_hours_after_its_secret_has_no_hint() {
    assert_eq!(kinds(never_used(Duration::hours(23)), &[]), []);
    assert_eq!(kinds(never_used(Duration::hours(24)), &[]), []);
}

#[test]
fn a_key_unused_just_over_24_hours_after_its_secret_is_never_used() {
    let hint = only_hint(never_used(Duration::hours(24) + SECOND), &[]);
    assert_eq!(
        (hint.label(), hint.tone().css_class()),
        ("Never used", "info")
    );
    assert_eq!(
        hint.sentence,
        "Not used since it was created 1 day ago: check that the integration has the entire key, with no extra spaces."
    );
}

#[test]
fn a_secret_exactly_182_days_old_needs_no_rotation() {
    assert_eq!(kinds(issued(Duration::days(182)), &[]), []);
}

#[test]
fn a_secret_just_over_182_days_old_should_be_rotated() {
    let hint = only_hint(issued(Duration::days(182) + SECOND), &[]);
    assert_eq!((hint.label(), hint.tone().css_class()), ("Rotate", "info"));
    assert_eq!(
        hint.sentence,
        "This secret is over 6 months old: regenerate it to rotate it."
    );
}

#[test]
fn one_agent_in_the_last_30_days_is_not_shared() {
    assert_eq!(
        kinds(healthy(), &[agent("Zapier/1.0", Duration::hours(2))]),
        []
    );
}

#[test]
fn two_distinct_agents_in_the_last_30_days_make_a_key_shared() {
    let sightings = [
        agent("Zapier/1.0", Duration::hours(2)),
        agent("curl/8.5", Duration::days(30)),
    ];
    let hint = only_hint(healthy(), &sightings);
    assert_eq!((hint.label(), hint.tone().css_class()), ("Shared", "warn"));
    assert_eq!(
        hint.sentence,
        "Used by 2 different tools in the last 30 days: give each integration its own key, so you can revoke one without breaking the others."
    );
}

#[test]
fn an_agent_last_seen_31_days_ago_does_not_count() {
    let sightings = [
        agent("Zapier/1.0", Duration::hours(2)),
        agent("curl/8.5", Duration::days(31)),
    ];
    assert_eq!(kinds(healthy(), &sightings), []);
}

#[test]
fn the_same_agent_seen_twice_counts_once() {
    let sightings = [
        agent("Zapier/1.0", Duration::hours(2)),
        agent("Zapier/1.0", Duration::days(5)),
    ];
    assert_eq!(kinds(healthy(), &sightings), []);
}

#[test]
fn a_last_address_first_seen_within_7_days_after_others_is_new() {
    for first_seen_ago in [Duration::days(2), Duration::days(7)] {
        let sightings = [
            ip("203.0.113.9", Duration::days(20)),
            ip(LAST_IP, first_seen_ago),
        ];
        let hint = only_hint(healthy(), &sightings);
        assert_eq!(
            (hint.label(), hint.tone().css_class()),
            ("New address", "warn")
        );
        assert_eq!(
            hint.sentence,
            "Used from 198.51.100.7, an address not seen for this key in the previous 30 days: if you don't recognise it, regenerate the key."
        );
    }
}

#[test]
fn a_last_address_first_seen_over_7_days_ago_is_not_new() {
    for first_seen_ago in [Duration::days(7) + SECOND, Duration::days(8)] {
        let sightings = [
            ip("203.0.113.9", Duration::days(20)),
            ip(LAST_IP, first_seen_ago),
        ];
        assert_eq!(kinds(healthy(), &sightings), [], "{first_seen_ago}");
    }
}

#[test]
fn a_key_only_ever_used_from_one_address_has_no_new_address() {
    assert_eq!(kinds(healthy(), &[ip(LAST_IP, Duration::days(1))]), []);
}

#[test]
fn only_addresses_seen_before_the_last_one_make_it_new() {
    let later = [
        ip(LAST_IP, Duration::days(3)),
        ip("203.0.113.9", Duration::days(1)),
    ];
    assert_eq!(kinds(healthy(), &later), []);
    let agent_before = [
        agent("Zapier/1.0", Duration::days(20)),
        ip(LAST_IP, Duration::days(1)),
    ];
    assert_eq!(kinds(healthy(), &agent_before), []);
}

#[test]
fn hints_come_most_urgent_first() {
    let key = KeyFacts {
        expires_at: Some(NOW - Duration::days(1)),
        last_used_at: Some(NOW - Duration::days(100)),
        last_used_ip: Some(LAST_IP),
        secret_issued_at: NOW - Duration::days(200),
        disabled: None,
        disabled_unused_days: None,
        max_lifetime_days: None,
        creator_gone: None,
    };
    let sightings = [
        agent("Zapier/1.0", Duration::days(2)),
        agent("curl/8.5", Duration::days(3)),
        ip("203.0.113.9", Duration::days(20)),
        ip(LAST_IP, Duration::days(2)),
    ];
    use HintKind::*;
    assert_eq!(
        kinds(key, &sightings),
        [Expired, Inactive, Rotate, Shared, NewAddress]
    );
    let unused = KeyFacts {
        expires_at: Some(NOW + Duration::days(2)),
        ..never_used(Duration::days(200))
    };
    assert_eq!(kinds(unused, &[]), [ExpiresSoon, NeverUsed, Rotate]);
}

#[test]
fn a_disabled_key_says_so_first_and_why_disabling_is_the_safe_step() {
    let key = KeyFacts {
        disabled: Some((NOW - Duration::days(1), "Ada Lovelace")),
        expires_at: Some(NOW - SECOND),
        ..healthy()
    };
    let hints = hints(&key, &[], NOW);
    assert_eq!(hints[0].kind, HintKind::Disabled);
    assert_eq!(hints[0].kind.tone(), Tone::Danger);
    assert!(
        hints[0]
            .sentence
            .starts_with("Disabled by Ada Lovelace on ")
    );
    assert!(
        hints[0]
            .sentence
            .contains("the safe way to learn whether anything still uses a key")
    );
    assert_eq!(hints[1].kind, HintKind::Expired, "the other hints follow");
}

#[test]
fn a_key_disabled_by_the_policy_says_after_how_many_days_unused() {
    let key = KeyFacts {
        disabled: Some((NOW - Duration::days(1), "Key policy")),
        disabled_unused_days: Some(90),
        ..healthy()
    };
    let hint = only_hint(key, &[]);
    assert_eq!(hint.kind, HintKind::Disabled);
    assert!(
        hint.sentence
            .starts_with("Disabled by the key policy on Jun 14, 2025 after 90 days unused"),
        "{}",
        hint.sentence
    );
    assert!(
        hint.sentence
            .contains("Enable it if an integration still needs it")
    );
}

fn under_lifetime(days: u16, expires_at: Option<PrimitiveDateTime>) -> KeyFacts<'static> {
    KeyFacts {
        max_lifetime_days: Some(days),
        expires_at,
        ..healthy()
    }
}

#[test]
fn a_key_beyond_the_policy_lifetime_is_flagged_from_one_second_past_it() {
    let issued = healthy().secret_issued_at;
    let limit = issued + Duration::days(30);
    assert_eq!(kinds(under_lifetime(30, Some(limit)), &[]), []);
    let hint = only_hint(under_lifetime(30, Some(limit + SECOND)), &[]);
    assert_eq!(hint.kind, HintKind::BeyondPolicy);
    assert_eq!(hint.tone(), Tone::Warn);
    assert!(
        hint.sentence.contains("at most 30 days: regenerate it"),
        "{}",
        hint.sentence
    );

    let never = only_hint(under_lifetime(30, None), &[]);
    assert!(
        never
            .sentence
            .starts_with("Never expires, but the key policy allows keys at most 30 days")
    );
    assert_eq!(kinds(healthy(), &[]), [], "no policy, no flag");
}

#[test]
fn a_key_whose_creator_lost_access_or_left_says_admins_manage_it() {
    let kept = KeyFacts {
        creator_gone: Some(CreatorGone::NoApiAccess("Mia Member")),
        ..healthy()
    };
    let hints = hints(&kept, &[], NOW);
    assert_eq!(hints[0].kind, HintKind::ManagedByAdmins);
    assert_eq!(hints[0].label(), "Managed by admins");
    assert!(
        hints[0]
            .sentence
            .starts_with("Managed by admins: Mia Member no longer has API access.")
    );
    let left = KeyFacts {
        creator_gone: Some(CreatorGone::Removed("Mia Member")),
        ..healthy()
    };
    assert!(
        super::hints(&left, &[], NOW)[0]
            .sentence
            .starts_with("Managed by admins: Mia Member was removed from the workspace.")
    );
}

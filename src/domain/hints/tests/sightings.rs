//! The hints read from where a key was used: shared by several agents, a new address.

use super::*;

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

//! The hints about a key's standing (disabled, beyond the policy's lifetime, its creator
//! gone) and the order all hints come in.

use super::*;

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

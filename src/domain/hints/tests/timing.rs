//! The hints that come with time: expired or expiring, inactive, never used, rotate.

use super::*;

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

//! Each pattern against the code that reads the input: what the pattern allows is
//! read without error, and (for names) what the reader allows matches the pattern.

use proptest::prelude::*;
use proptest::string::string_regex;

use super::*;
use crate::api::dates::{self, Bound, Zone};
use crate::domain::Email;
use crate::domain::name::Name;

/// Strings the pattern matches (its anchors dropped: the generator makes whole strings).
fn matching(pattern: &str) -> impl Strategy<Value = String> {
    let body = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$'));
    string_regex(body.expect("an anchored pattern")).expect("a pattern the generator reads")
}

/// Names of at most 8 characters, as the Rust engine reads the pattern.
static NAME_8: LazyLock<Regex> = LazyLock::new(|| compile(&name_pattern(8)));

/// Text mixing the characters names trip on: spaces of every kind, controls,
/// invisible formatting characters, letters from beyond the Basic Multilingual Plane.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just(' '),
        Just('\t'),
        Just('\n'),
        Just('\u{a0}'),
        Just('\u{3000}'),
        Just('\u{200b}'),
        Just('\u{202e}'),
        Just('\u{feff}'),
        Just('\u{7f}'),
        Just('\u{85}'),
        Just('\u{1f600}'),
        Just('é'),
        Just('a'),
        any::<char>(),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_name_is_accepted_exactly_when_its_pattern_matches(text in tricky_text()) {
        prop_assert_eq!(
            NAME_8.is_match(&text),
            Name::parse_with_max(&text, 8).is_ok(),
            "{:?}", text
        );
    }

    #[test]
    fn every_email_the_pattern_allows_is_accepted(raw in matching(EMAIL)) {
        prop_assume!(raw.chars().count() <= EMAIL_MAX_LEN);
        let email = email("email", &raw).unwrap();
        prop_assert!(Email::parse(&email).is_ok(), "{:?}", raw);
    }

    #[test]
    fn every_date_the_pattern_allows_is_read(raw in matching(&DATE)) {
        let paris = Zone::parse("timezone", "Pacific/Kiritimati").unwrap();
        for zone in [Zone::utc(), paris] {
            for bound in [Bound::Start, Bound::End] {
                prop_assert!(dates::parse("minDate", &raw, bound, &zone).is_ok(), "{:?}", raw);
            }
        }
    }
}

#[test]
fn the_extreme_dates_are_read_without_overflow() {
    let zone = Zone::parse("timezone", "Etc/GMT+12").unwrap();
    for raw in [
        "9999-12-31",
        "9999-12-31T23:59:59.999999999",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01T00:00:00+23:59",
        "0000-01-01",
        "99999999999999",
    ] {
        for bound in [Bound::Start, Bound::End] {
            assert!(is_date(raw), "{raw}");
            let at = dates::parse("minDate", raw, bound, &zone).unwrap();
            assert!((0..=9999).contains(&at.year()), "{raw} read as {at}");
        }
    }
}

#[test]
fn dates_outside_the_grammar_are_refused() {
    for raw in [
        "2023-02-29",
        "2024-13-01",
        "2024-01-01T24:00:00Z",
        "2024-01-01 10:00:00",
        " 2024-01-01",
        "123456789012345",
        "",
        "2024-01-01T10:00:00+24:00",
    ] {
        assert!(!is_date(raw), "{raw}");
    }
    assert!(is_date("2024-02-29"));
    assert!(is_date("2000-02-29"));
    assert!(!is_date("1900-02-29"));
}

#[test]
fn emails_and_domains_follow_their_patterns() {
    assert_eq!(
        email("email", "Ada.Lovelace+x@Example.co.uk").unwrap(),
        "ada.lovelace+x@example.co.uk"
    );
    for bad in [
        "ada",
        "ada@example",
        "ada@.example.com",
        "é@example.com",
        " ada@example.com",
        "ada@exa mple.com",
    ] {
        assert!(email("email", bad).is_err(), "{bad}");
    }
    assert_eq!(
        email_or_domain("email", "@Example.com").unwrap(),
        "@example.com"
    );
    assert!(email_or_domain("email", "@example").is_err());
}

#[test]
fn time_zones_are_exact_names() {
    assert!(is_time_zone("Europe/Paris"));
    assert!(is_time_zone("UTC"));
    assert!(!is_time_zone("europe/paris"));
    assert!(!is_time_zone("Mars/Olympus_Mons"));
    assert!(TIME_ZONES.len() > 300);
}

#[test]
fn the_name_pattern_escapes_survive_json() {
    let schema = name_schema(200);
    let pattern = schema["pattern"].as_str().unwrap();
    assert!(pattern.contains(r"\u200B"), "zero-width space refused");
    let re = compile(pattern);
    assert!(re.is_match(" Clay sync\t"));
    assert!(!re.is_match("Clay\u{200b}sync"));
}

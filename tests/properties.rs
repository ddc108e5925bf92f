//! Properties of every parser a caller reaches without logging in or with a form:
//! none panics on any input, and what each accepts reads back to the same value.
//! (The Authorization header and `access_token` parsing: `src/api/auth_properties.rs`.)

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keydesk::domain::access_request::Reason;
use keydesk::domain::api_key::{KEY_LEN, PlainKey};
use keydesk::domain::key_settings::AllowedIps;
use keydesk::domain::leaver_keys::KeysChoice;
use keydesk::domain::{Email, Name, Note};
use keydesk::redact::{REDACTED, for_log, redact_keys};
use keydesk::web::access_log::redact_target;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

fn key_pattern() -> regex::Regex {
    regex::Regex::new("kd_[0-9A-Za-z]{38}").unwrap()
}

/// A fresh key from `PlainKey::generate` (the operating system's randomness).
fn any_key() -> impl Strategy<Value = String> {
    any::<u8>().prop_map(|_| PlainKey::generate().expose().to_string())
}

/// What the redactor must catch: the shape alone, drawn by proptest so a failure replays.
fn key_shaped() -> impl Strategy<Value = String> {
    "kd_[0-9A-Za-z]{38}"
}

/// Text in which a key may hide: anything, ASCII and URL syntax more often.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~]{0,40}", "[%0-9A-Fa-f_kd+&=?/]{0,40}",]
}

/// `s` with every byte percent-encoded `times` times.
fn encode_all(s: &str, times: usize) -> String {
    let mut out = s.to_string();
    for _ in 0..times {
        out = out.bytes().map(|b| format!("%{b:02X}")).collect();
    }
    out
}

/// A key written the ways a URL or a confused client might write it.
fn disguised(key: &str, how: u8) -> String {
    let body = &key[3..];
    match how % 6 {
        0 => key.to_string(),
        1 => format!("kd%5F{body}"),
        2 => format!("kd%255F{body}"),
        3 => encode_all(key, 1),
        4 => encode_all(key, 2),
        _ => format!("%6Bd_{body}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn key_parsing_never_panics_and_accepts_only_the_documented_shape(raw in text()) {
        if PlainKey::parse(&raw).is_ok() {
            prop_assert_eq!(raw.len(), KEY_LEN);
            prop_assert!(key_pattern().is_match(&raw));
        }
    }

    #[test]
    fn a_generated_key_parses_back_to_the_same_digest(key in any_key()) {
        let parsed = PlainKey::parse(&key).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        prop_assert_eq!(parsed.digest().0, expected);
        prop_assert_eq!(parsed.expose(), key.as_str());
    }

    #[test]
    fn any_one_changed_character_of_a_key_is_refused(
        key in any_key(),
        at in 0..KEY_LEN,
        replacement in "[0-9A-Za-z_]",
    ) {
        let mut changed = key.clone();
        changed.replace_range(at..at + 1, &replacement);
        prop_assume!(changed != key);
        prop_assert!(PlainKey::parse(&changed).is_err());
    }

    #[test]
    fn allowed_ips_never_panic_and_their_display_parses_to_the_same_list(raw in text()) {
        if let Ok(ips) = AllowedIps::parse(&raw) {
            prop_assert_eq!(AllowedIps::parse(&ips.display()), Ok(ips.clone()));
            prop_assert_eq!(AllowedIps::from_stored(&ips.to_stored()), ips);
        }
    }

    #[test]
    fn generated_allow_lists_are_accepted_and_round_trip(
        nets in prop::collection::vec(
            prop_oneof![
                (any::<u32>(), 0u8..=32).prop_map(|(a, p)| (IpAddr::V4(Ipv4Addr::from(a)), p)),
                (any::<u128>(), 0u8..=128).prop_map(|(a, p)| (IpAddr::V6(Ipv6Addr::from(a)), p)),
            ],
            0..20,
        ),
        separator in prop_oneof![Just(", "), Just("\n"), Just(" "), Just(",")],
    ) {
        let raw: Vec<String> = nets.iter().map(|(ip, p)| format!("{ip}/{p}")).collect();
        let ips = AllowedIps::parse(&raw.join(separator))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(AllowedIps::parse(&ips.display()), Ok(ips.clone()));
        for (ip, _) in &nets {
            prop_assert!(ips.allows(*ip), "{} is inside its own range", ip);
        }
    }

    #[test]
    fn names_never_panic_and_an_accepted_name_parses_to_itself(raw in text()) {
        if let Ok(name) = Name::parse(&raw) {
            prop_assert_eq!(Name::parse(name.as_str()), Ok(name.clone()));
            prop_assert!(name.as_str().chars().count() <= Name::MAX_CHARS);
            prop_assert!(!name.as_str().chars().any(|c| c.is_control()));
            prop_assert_eq!(name.as_str().trim(), name.as_str());
        }
    }

    #[test]
    fn notes_never_panic_and_an_accepted_note_parses_to_itself(raw in text()) {
        if let Ok(note) = Note::parse(&raw) {
            prop_assert_eq!(Note::parse(note.as_str()), Ok(note.clone()));
            prop_assert!(note.as_str().chars().count() <= Note::MAX_CHARS);
        }
    }

    #[test]
    fn access_request_reasons_never_panic_and_an_accepted_reason_parses_to_itself(raw in text()) {
        if let Ok(reason) = Reason::parse(&raw) {
            prop_assert_eq!(Reason::parse(reason.as_str()), Ok(reason.clone()));
            prop_assert!(reason.as_str().chars().count() <= Reason::MAX_CHARS);
        }
    }

    #[test]
    fn the_keys_choice_accepts_only_keep_and_disable(raw in text()) {
        let parsed = KeysChoice::parse(&raw);
        prop_assert_eq!(parsed.is_ok(), raw == "keep" || raw == "disable");
    }

    #[test]
    fn emails_never_panic_and_an_accepted_email_parses_to_itself(
        raw in prop_oneof![text(), "[a-zA-Z0-9.+]{1,20}@[a-z0-9]{1,10}\\.[a-z]{2,4}"],
    ) {
        if let Ok(email) = Email::parse(&raw) {
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
        }
    }

    #[test]
    fn the_redactor_leaves_no_key_in_any_encoding_and_is_idempotent(
        before in text(),
        key in key_shaped(),
        how in any::<u8>(),
        after in text(),
    ) {
        let line = format!("{before}{}{after}", disguised(&key, how));
        let once = redact_keys(&line).into_owned();
        prop_assert!(!key_pattern().is_match(&once), "{}", once);
        prop_assert!(!once.contains(&key[3..]));
        prop_assert!(once.contains(REDACTED));
        prop_assert_eq!(redact_keys(&once).into_owned(), once);
    }

    #[test]
    fn a_logged_url_never_holds_a_key_and_logging_it_again_changes_nothing(
        path in text(),
        query in text(),
        key in key_shaped(),
        how in any::<u8>(),
    ) {
        let query = format!("{query}{}", disguised(&key, how));
        let target = redact_target(&format!("/{path}"), &query);
        prop_assert!(!key_pattern().is_match(&target), "{}", target);
        prop_assert!(!target.contains(&key[3..]));
        prop_assert_eq!(redact_keys(&target).into_owned(), target.clone());
        for plus in [false, true] {
            let logged = for_log(&query, plus);
            prop_assert_eq!(for_log(&logged, plus), logged.clone());
            prop_assert!(!logged.chars().any(char::is_control));
        }
    }

    #[test]
    fn form_bodies_never_panic_and_fields_round_trip(
        body in text(),
        fields in prop::collection::vec((text(), text()), 0..6),
    ) {
        let _ = serde_urlencoded::from_str::<keydesk::web::login::LoginForm>(&body);
        let _ = serde_urlencoded::from_str::<keydesk::web::setup::SetupForm>(&body);
        let _ = serde_urlencoded::from_str::<keydesk::web::team::MemberForm>(&body);
        let _ = serde_urlencoded::from_str::<keydesk::web::team_members::RoleForm>(&body);
        let _ = serde_urlencoded::from_str::<keydesk::web::team_members::ApiAccessForm>(&body);
        let encoded = serde_urlencoded::to_string(&fields).unwrap();
        prop_assert_eq!(serde_urlencoded::from_str::<Vec<(String, String)>>(&encoded).unwrap(), fields);
    }
}

//! Properties of the credential parsing in `credentials.rs`: no header value or query string
//! makes it panic, and a key sent any of the documented ways comes back unchanged.

use base64::Engine;
use proptest::prelude::*;

use super::{credentials_from, strip_scheme};
use crate::domain::api_key::PlainKey;

fn base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// A scheme name in any letter case, as clients send it.
fn cased(scheme: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<bool>(), scheme.len()).prop_map(move |upper| {
        scheme
            .chars()
            .zip(upper)
            .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

fn key() -> impl Strategy<Value = String> {
    any::<u8>().prop_map(|_| PlainKey::generate().expose().to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_header_or_query_makes_credential_parsing_panic(
        header in proptest::option::of(prop_oneof![
            any::<String>(),
            "(Basic|Bearer|basic|Token) [ -~]{0,60}",
        ]),
        query in prop_oneof![any::<String>(), "[a-z_%0-9=&+]{0,60}"],
    ) {
        let _ = credentials_from(header.as_deref(), &query);
        if let Some(header) = &header {
            let _ = strip_scheme(header, "Basic");
        }
    }

    #[test]
    fn a_bearer_token_comes_back_exactly(scheme in cased("Bearer"), token in "[!-~]{1,60}") {
        let found = credentials_from(Some(&format!("{scheme} {token}")), "").unwrap();
        prop_assert_eq!(found, Some(token));
    }

    #[test]
    fn basic_auth_gives_the_key_as_password_or_as_user(
        scheme in cased("Basic"),
        key in key(),
        as_user in any::<bool>(),
    ) {
        let pair = if as_user { format!("{key}:") } else { format!(":{key}") };
        let found = credentials_from(Some(&format!("{scheme} {}", base64(&pair))), "").unwrap();
        prop_assert_eq!(found, Some(key));
    }

    #[test]
    fn the_access_token_parameter_comes_back_decoded_among_any_others(
        value in any::<String>(),
        others in prop::collection::vec(("[a-z]{1,8}", any::<String>()), 0..4),
        at in any::<prop::sample::Index>(),
    ) {
        let mut pairs = others;
        let place = at.index(pairs.len() + 1);
        pairs.insert(place, ("access_token".into(), value.clone()));
        let query = serde_urlencoded::to_string(&pairs).unwrap();
        prop_assert_eq!(credentials_from(None, &query).unwrap(), Some(value));
    }

    #[test]
    fn without_a_header_or_access_token_there_are_no_credentials(
        others in prop::collection::vec(("[a-z]{1,8}", any::<String>()), 0..4),
    ) {
        let query = serde_urlencoded::to_string(&others).unwrap();
        prop_assert_eq!(credentials_from(None, &query).unwrap(), None);
    }
}

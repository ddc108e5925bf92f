//! The bearer token that guards `/metrics` (`KEYDESK_METRICS_TOKEN`): kept as a SHA-256
//! digest, compared in constant time, never printed.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Clone)]
pub struct MetricsToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken([redacted])")
    }
}

impl MetricsToken {
    /// The configured token; an empty or blank value means none (no `/metrics`).
    pub fn from_setting(value: Option<&str>) -> Option<Self> {
        let value = value?.trim();
        (!value.is_empty()).then(|| Self {
            digest: Sha256::digest(value.as_bytes()).into(),
        })
    }

    /// Whether an `Authorization` header value is `Bearer <this token>`.
    pub fn admits(&self, authorization: Option<&[u8]>) -> bool {
        let Some(given) = authorization.and_then(bearer) else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given).into();
        given.ct_eq(&self.digest).into()
    }
}

/// The credentials of `Bearer <credentials>` (the scheme in any case).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| rest.trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_as_a_bearer_is_admitted() {
        let token = MetricsToken::from_setting(Some("s3cret-metrics-token")).unwrap();
        assert!(token.admits(Some(b"Bearer s3cret-metrics-token")));
        assert!(token.admits(Some(b"bearer s3cret-metrics-token")));
        assert!(!token.admits(Some(b"Bearer s3cret-metrics-toke")));
        assert!(!token.admits(Some(b"Basic s3cret-metrics-token")));
        assert!(!token.admits(Some(b"s3cret-metrics-token")));
        assert!(!token.admits(None));
        assert_eq!(format!("{token:?}"), "MetricsToken([redacted])");
    }

    #[test]
    fn a_blank_setting_is_no_token() {
        assert!(MetricsToken::from_setting(Some("  ")).is_none());
        assert!(MetricsToken::from_setting(None).is_none());
    }
}

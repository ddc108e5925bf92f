//! The one-time token of a form that must not act twice (Create Key, Regenerate):
//! its issue time and randomness. It is recorded when used, so a reload or a second
//! click is recognised; a form open for more than a day must be reopened.

use std::fmt;

use rand::distr::{Alphanumeric, SampleString};
use time::OffsetDateTime;

/// A token this server issued less than a day ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormToken(String);

/// A token that is too old, from the future, or not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("This form was open for more than a day. Check the details and click the button again.")]
pub struct StaleForm;

impl FormToken {
    const RANDOM_CHARS: usize = 24;
    /// Seconds a form stays usable.
    const MAX_AGE: i64 = 24 * 3600;
    /// Clock skew tolerated between instances.
    const SKEW: i64 = 60;

    pub fn issue() -> Self {
        Self::issued_at(OffsetDateTime::now_utc().unix_timestamp())
    }

    fn issued_at(unix: i64) -> Self {
        let random = Alphanumeric.sample_string(&mut rand::rng(), Self::RANDOM_CHARS);
        Self(format!("{unix}.{random}"))
    }

    pub fn parse(raw: &str) -> Result<Self, StaleForm> {
        let (issued, random) = raw.split_once('.').ok_or(StaleForm)?;
        let issued: i64 = issued.parse().map_err(|_| StaleForm)?;
        let age = OffsetDateTime::now_utc().unix_timestamp() - issued;
        let well_formed =
            random.len() == Self::RANDOM_CHARS && random.chars().all(|c| c.is_ascii_alphanumeric());
        if well_formed && (-Self::SKEW..Self::MAX_AGE).contains(&age) {
            Ok(Self(raw.to_string()))
        } else {
            Err(StaleForm)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FormToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn a_new_token_is_accepted() {
        let token = FormToken::issue();
        assert_eq!(FormToken::parse(token.as_str()), Ok(token));
    }

    #[test]
    fn a_token_is_fresh_for_a_day_and_no_longer() {
        let almost_a_day = FormToken::issued_at(now() - FormToken::MAX_AGE + 5);
        assert!(FormToken::parse(almost_a_day.as_str()).is_ok());
        let two_days = FormToken::issued_at(now() - 2 * 86_400);
        assert_eq!(FormToken::parse(two_days.as_str()), Err(StaleForm));
        let from_the_future = FormToken::issued_at(now() + 3600);
        assert_eq!(FormToken::parse(from_the_future.as_str()), Err(StaleForm));
    }

    #[test]
    fn garbage_is_refused() {
        for raw in [
            "",
            "garbage",
            "123.",
            "abc.aaaaaaaaaaaaaaaaaaaaaaaa",
            "1.a-b",
        ] {
            assert_eq!(FormToken::parse(raw), Err(StaleForm), "{raw}");
        }
    }
}

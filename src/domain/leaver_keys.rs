//! What happens to the keys of a member whose API access ends: kept, or disabled.

/// The admin's choice on the confirmation page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeysChoice {
    /// "Keep them working": the keys stay, managed by admins (the default).
    Keep,
    /// "Disable them": each key is refused until an admin enables it.
    Disable,
}

/// A choice that is neither "keep" nor "disable".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose “Keep them working” or “Disable them”.")]
pub struct UnknownKeysChoice(pub String);

impl KeysChoice {
    pub fn parse(raw: &str) -> Result<Self, UnknownKeysChoice> {
        match raw {
            "keep" => Ok(Self::Keep),
            "disable" => Ok(Self::Disable),
            other => Err(UnknownKeysChoice(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keep_and_disable_are_choices() {
        assert_eq!(KeysChoice::parse("keep"), Ok(KeysChoice::Keep));
        assert_eq!(KeysChoice::parse("disable"), Ok(KeysChoice::Disable));
        let refused = KeysChoice::parse("delete").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Choose “Keep them working” or “Disable them”."
        );
    }
}

//! A password as typed: never printed, never logged.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least {min} characters.", min = Password::MIN_CHARS)]
    TooShort,
    #[error("Use at most {max} characters.", max = Password::MAX_CHARS)]
    TooLong,
}

/// A new password that meets the policy. No `Debug` or `Display`: it cannot end up in a log line.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: String) -> Result<Self, PasswordError> {
        let len = raw.chars().count();
        if len < Self::MIN_CHARS {
            Err(PasswordError::TooShort)
        } else if len > Self::MAX_CHARS {
            Err(PasswordError::TooLong)
        } else {
            Ok(Self(raw))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_needs_ten_characters() {
        assert_eq!(
            Password::parse("123456789".into()).err(),
            Some(PasswordError::TooShort)
        );
        assert!(Password::parse("1234567890".into()).is_ok());
    }
}

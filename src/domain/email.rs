//! An email address, normalised to lower case.

use std::fmt;

use super::name::InvisibleCharacter;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("That email address is too long.")]
    TooLong,
    #[error("Enter an email address like name@example.com.")]
    Malformed,
    #[error("{0}")]
    Invisible(InvisibleCharacter),
}

impl Email {
    const MAX_LEN: usize = 254;

    /// A deliberately simple check: one `@`, a non-empty local part, a domain
    /// with a dot, no spaces or control characters. Mail delivery is the real test.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.len() > Self::MAX_LEN {
            return Err(EmailError::TooLong);
        }
        if let Some(invisible) = InvisibleCharacter::find(raw) {
            return Err(EmailError::Invisible(invisible));
        }
        let valid = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if valid {
            Ok(Self(email))
        } else {
            Err(EmailError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn each_refusal_says_what_to_fix() {
        assert_eq!(Email::parse("  "), Err(EmailError::Empty));
        assert_eq!(
            Email::parse(&format!("{}@example.com", "a".repeat(250))),
            Err(EmailError::TooLong)
        );
        assert_eq!(
            Email::parse("ada").unwrap_err().to_string(),
            "Enter an email address like name@example.com."
        );
        assert_eq!(
            Email::parse("ada\u{200b}@example.com")
                .unwrap_err()
                .to_string(),
            "Remove the invisible character U+200B (zero-width space) at position 4."
        );
    }
}

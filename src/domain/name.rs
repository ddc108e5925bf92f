//! A human-readable name: a person, a workspace, a key.

use std::fmt;

/// Why a name was refused, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Enter a name.")]
    Empty,
    #[error("Use at most {max} characters (this one has {len}).")]
    TooLong { max: usize, len: usize },
    #[error("Remove the control characters (such as tabs or line breaks).")]
    ControlCharacters,
}

/// 1 to `max` characters after trimming, without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, NameError> {
        Self::parse_with_max(raw, Self::MAX_CHARS)
    }

    pub fn parse_with_max(raw: &str, max: usize) -> Result<Self, NameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(NameError::ControlCharacters);
        }
        let len = trimmed.chars().count();
        if len > max {
            return Err(NameError::TooLong { max, len });
        }
        Ok(Self(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Up to two initials for an avatar: "Ada Lovelace" → "AL", "ada" → "A".
pub fn initials(name: &str) -> String {
    let mut words = name.split_whitespace();
    let first = words.next().and_then(|w| w.chars().next());
    let last = words.last().and_then(|w| w.chars().next());
    first
        .into_iter()
        .chain(last)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(Name::parse("  Clay  ").unwrap().as_str(), "Clay");
    }

    #[test]
    fn an_empty_or_blank_name_is_refused() {
        assert_eq!(Name::parse(""), Err(NameError::Empty));
        assert_eq!(Name::parse(" \t "), Err(NameError::Empty));
    }

    #[test]
    fn a_name_of_101_characters_is_refused_and_100_accepted() {
        assert!(Name::parse(&"é".repeat(100)).is_ok());
        assert_eq!(
            Name::parse(&"é".repeat(101)),
            Err(NameError::TooLong { max: 100, len: 101 })
        );
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(Name::parse("a\u{7}b"), Err(NameError::ControlCharacters));
        assert_eq!(Name::parse("a\nb"), Err(NameError::ControlCharacters));
    }

    #[test]
    fn initials_take_the_first_and_last_word() {
        assert_eq!(initials("Ada King Lovelace"), "AL");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials(""), "");
    }
}

//! A human-readable name: a person, a workspace, a key. Names refuse invisible
//! formatting characters (Unicode category Cf: bidi overrides, zero-width spaces), which
//! would let one key or member display as another.

use std::fmt;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a name was refused, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("Enter a name.")]
    Empty,
    #[error("Use at most {max} characters (this one has {len}).")]
    TooLong { max: usize, len: usize },
    #[error("Remove the control characters (such as tabs or line breaks).")]
    ControlCharacters,
    #[error("{0}")]
    Invisible(InvisibleCharacter),
}

/// The first invisible formatting character in some text, and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvisibleCharacter {
    pub character: char,
    /// 1-based, in characters of the text as typed.
    pub position: usize,
}

impl InvisibleCharacter {
    /// The first character of Unicode general category Cf ("format") in `text`.
    pub fn find(text: &str) -> Option<Self> {
        text.chars()
            .position(|c| c.general_category() == GeneralCategory::Format)
            .map(|index| Self {
                character: text.chars().nth(index).unwrap_or_default(),
                position: index + 1,
            })
    }

    /// What people call the character, for the common ones.
    fn description(&self) -> &'static str {
        match self.character {
            '\u{ad}' => "soft hyphen",
            '\u{61c}' => "Arabic letter mark",
            '\u{200b}' => "zero-width space",
            '\u{200c}' => "zero-width non-joiner",
            '\u{200d}' => "zero-width joiner",
            '\u{200e}' => "left-to-right mark",
            '\u{200f}' => "right-to-left mark",
            '\u{202a}' => "left-to-right embedding",
            '\u{202b}' => "right-to-left embedding",
            '\u{202c}' => "pop directional formatting",
            '\u{202d}' => "left-to-right override",
            '\u{202e}' => "right-to-left override",
            '\u{2060}' => "word joiner",
            '\u{2066}' => "left-to-right isolate",
            '\u{2067}' => "right-to-left isolate",
            '\u{2068}' => "first strong isolate",
            '\u{2069}' => "pop directional isolate",
            '\u{feff}' => "zero-width no-break space",
            _ => "invisible formatting character",
        }
    }
}

impl fmt::Display for InvisibleCharacter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Remove the invisible character U+{:04X} ({}) at position {}.",
            self.character as u32,
            self.description(),
            self.position
        )
    }
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
        if let Some(invisible) = InvisibleCharacter::find(raw) {
            return Err(NameError::Invisible(invisible));
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
    fn invisible_formatting_characters_are_refused_with_their_code_and_position() {
        assert_eq!(
            Name::parse("Stripe\u{202e}gnp.exe")
                .unwrap_err()
                .to_string(),
            "Remove the invisible character U+202E (right-to-left override) at position 7."
        );
        for (raw, code, position) in [
            ("\u{200b}Ada", '\u{200b}', 1),
            (" a\u{200c}b", '\u{200c}', 3),
            ("a\u{200d}b", '\u{200d}', 2),
            ("a\u{2060}", '\u{2060}', 2),
            ("\u{feff}", '\u{feff}', 1),
            ("ab\u{2066}c\u{2069}", '\u{2066}', 3),
            ("\u{61c}x", '\u{61c}', 1),
            ("co\u{ad}op", '\u{ad}', 3),
            ("tag\u{e0041}", '\u{e0041}', 4),
        ] {
            assert_eq!(
                Name::parse(raw),
                Err(NameError::Invisible(InvisibleCharacter {
                    character: code,
                    position
                })),
                "{raw:?}"
            );
        }
        assert_eq!(
            Name::parse("a\u{2069}").unwrap_err().to_string(),
            "Remove the invisible character U+2069 (pop directional isolate) at position 2."
        );
    }

    #[test]
    fn visible_unicode_names_are_kept() {
        for name in [
            "Zoë Ölçer",
            "日本語のキー",
            "שלום",
            "Café ☕ sync",
            "🙂 bot",
        ] {
            assert_eq!(Name::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn initials_take_the_first_and_last_word() {
        assert_eq!(initials("Ada King Lovelace"), "AL");
        assert_eq!(initials("ada"), "A");
        assert_eq!(initials(""), "");
    }
}

//! A free-text note on where a key is used.

use std::fmt;

use super::name::InvisibleCharacter;

/// Why a note was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("Use at most {max} characters (this note has {0}).", max = Note::MAX_CHARS)]
    TooLong(usize),
    #[error("Remove the control characters from the note.")]
    ControlCharacters,
    #[error("{0}")]
    Invisible(InvisibleCharacter),
}

/// Up to 500 characters, trimmed; line breaks and tabs allowed, other control characters
/// and invisible formatting characters (see `Name`) not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, NoteError> {
        let note = raw.trim();
        let len = note.chars().count();
        if len > Self::MAX_CHARS {
            return Err(NoteError::TooLong(len));
        }
        if note
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(NoteError::ControlCharacters);
        }
        if let Some(invisible) = InvisibleCharacter::find(raw) {
            return Err(NoteError::Invisible(invisible));
        }
        Ok(Self(note.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_limited_to_500_characters() {
        assert!(Note::parse(&"n".repeat(500)).is_ok());
        assert_eq!(Note::parse(&"n".repeat(501)), Err(NoteError::TooLong(501)));
        assert_eq!(
            NoteError::TooLong(501).to_string(),
            "Use at most 500 characters (this note has 501)."
        );
    }

    #[test]
    fn line_breaks_are_kept_and_other_control_characters_refused() {
        assert_eq!(
            Note::parse("  line one\nline two ").unwrap().as_str(),
            "line one\nline two"
        );
        assert_eq!(Note::parse("bell\u{7}"), Err(NoteError::ControlCharacters));
    }

    #[test]
    fn invisible_formatting_characters_are_refused() {
        assert_eq!(
            Note::parse("used by \u{2066}billing\u{2069}")
                .unwrap_err()
                .to_string(),
            "Remove the invisible character U+2066 (left-to-right isolate) at position 9."
        );
        assert!(matches!(
            Note::parse("a\u{200b}"),
            Err(NoteError::Invisible(_))
        ));
    }
}

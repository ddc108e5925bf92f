//! Field errors of a submitted form, collected in one place and shown beside their
//! fields when the form is rendered again with what was typed.

use std::fmt::Display;

/// The refusal messages of one submission, by field name ("form" for the whole form).
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// The parsed value of `field`, or `None` with the refusal kept for the page.
    pub fn check<T, E: Display>(&mut self, field: &'static str, parsed: Result<T, E>) -> Option<T> {
        parsed.map_err(|e| self.add(field, e.to_string())).ok()
    }

    /// Keeps `message` beside `field` (a later message for the same field replaces it).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.retain(|(name, _)| *name != field);
        self.0.push((field, message.into()));
    }

    /// The message for `field`, if it was refused.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_field_keeps_its_message_and_a_valid_one_its_value() {
        let mut errors = FieldErrors::default();
        let good: Option<u8> = errors.check("count", "7".parse::<u8>());
        let bad: Option<u8> = errors.check("size", "seven".parse::<u8>());
        assert_eq!(good, Some(7));
        assert_eq!(bad, None);
        assert!(!errors.has("count"));
        assert_eq!(errors.get("size"), Some("invalid digit found in string"));
        assert!(!errors.is_empty());
    }

    #[test]
    fn a_later_message_replaces_an_earlier_one() {
        let mut errors = FieldErrors::default();
        errors.add("name", "Enter a name.");
        errors.add("name", "That name is taken.");
        assert_eq!(errors.get("name"), Some("That name is taken."));
    }
}

//! Names, notes and emails: parsing never panics, and an accepted value parses to itself.
#![no_main]

use keydesk::domain::{Email, Name, Note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(name) = Name::parse(raw) {
        assert_eq!(Name::parse(name.as_str()), Ok(name.clone()));
    }
    if let Ok(note) = Note::parse(raw) {
        assert_eq!(Note::parse(note.as_str()), Ok(note.clone()));
    }
    if let Ok(email) = Email::parse(raw) {
        assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
    }
});

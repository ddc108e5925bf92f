//! A pasted key: parsing never panics, and what it accepts has the documented shape.
#![no_main]

use keydesk::domain::api_key::{KEY_LEN, PlainKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(key) = PlainKey::parse(raw) {
        assert_eq!(raw.len(), KEY_LEN);
        assert!(raw.starts_with("kd_") && raw[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(key.expose(), raw);
    }
});

//! An allow-list as typed: parsing never panics, and an accepted list round-trips.
#![no_main]

use keydesk::domain::key_settings::AllowedIps;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &str| {
    if let Ok(ips) = AllowedIps::parse(raw) {
        assert_eq!(AllowedIps::parse(&ips.display()), Ok(ips.clone()));
        assert_eq!(AllowedIps::from_stored(&ips.to_stored()), ips);
    }
});

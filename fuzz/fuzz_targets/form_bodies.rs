//! Any POST body read into the forms reachable before and after login never panics.
#![no_main]

use keydesk::web::{login::LoginForm, setup::SetupForm, team};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    let _ = serde_urlencoded::from_str::<LoginForm>(body);
    let _ = serde_urlencoded::from_str::<SetupForm>(body);
    let _ = serde_urlencoded::from_str::<team::MemberForm>(body);
    let _ = serde_urlencoded::from_str::<team::RoleForm>(body);
    let _ = serde_urlencoded::from_str::<team::ApiAccessForm>(body);
    let _ = serde_urlencoded::from_str::<Vec<(String, String)>>(body);
});

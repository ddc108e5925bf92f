//! The log redactor: never panics, leaves no key-shaped token, and is idempotent; the
//! access log's form of a URL holds no key in any encoding and is stable.
#![no_main]

use std::sync::LazyLock;

use keydesk::redact::{for_log, redact_keys};
use keydesk::web::access_log::redact_target;
use libfuzzer_sys::fuzz_target;

static KEY: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new("kd_[0-9A-Za-z]{38}").unwrap());

fuzz_target!(|raw: &str| {
    let once = redact_keys(raw).into_owned();
    assert!(!KEY.is_match(&once), "{once}");
    assert_eq!(redact_keys(&once), once);

    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    let target = redact_target(path, query);
    assert!(!KEY.is_match(&target), "{target}");
    assert_eq!(redact_keys(&target), target);
    for plus in [false, true] {
        let logged = for_log(raw, plus);
        assert_eq!(for_log(&logged, plus), logged);
    }
});

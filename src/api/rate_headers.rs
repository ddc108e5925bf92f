//! The rate-limit headers every key-authenticated response carries (PRODUCT 8):
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (an HTTP date).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue, TryIntoHeaderValue};

use crate::metering::rate_limit::Allowance;

pub fn set(headers: &mut HeaderMap, allowance: &Allowance) {
    headers.insert(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(allowance.limit),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(allowance.remaining),
    );
    if let Some(reset) = http_date(allowance.reset_at) {
        headers.insert(HeaderName::from_static("x-ratelimit-reset"), reset);
    }
}

/// `at` as an HTTP date (whole seconds). Formatting one costs more than the rest of the
/// headers together, and under load most responses of a second carry the same one: each
/// worker thread keeps the last it formatted.
fn http_date(at: SystemTime) -> Option<HeaderValue> {
    thread_local! {
        static LAST: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
    }
    let format = || header::HttpDate::from(at).try_into_value().ok();
    let Ok(since_epoch) = at.duration_since(UNIX_EPOCH) else {
        return format();
    };
    let second = since_epoch.as_secs();
    LAST.with_borrow_mut(|last| match last {
        Some((kept, value)) if *kept == second => Some(value.clone()),
        _ => {
            let value = format()?;
            *last = Some((second, value.clone()));
            Some(value)
        }
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn formatted(at: SystemTime) -> HeaderValue {
        header::HttpDate::from(at).try_into_value().unwrap()
    }

    #[test]
    fn the_reset_date_is_the_allowance_s_to_the_second_whatever_was_formatted_before() {
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let instants = [
            start,
            start + Duration::from_millis(999),
            start + Duration::from_millis(1000),
            start + Duration::from_millis(1500),
            start,
            start + Duration::from_secs(86_400),
        ];
        for at in instants {
            assert_eq!(http_date(at), Some(formatted(at)), "at {at:?}");
        }
        assert_eq!(
            http_date(start).unwrap(),
            "Fri, 15 Jan 2027 08:00:00 GMT",
            "an HTTP date"
        );
    }

    #[test]
    fn every_header_is_set_from_the_allowance() {
        let reset_at = UNIX_EPOCH + Duration::from_secs(1_800_000_061);
        let mut headers = HeaderMap::new();
        set(
            &mut headers,
            &Allowance {
                limit: 20,
                remaining: 7,
                reset_at,
                retry_after: None,
            },
        );
        assert_eq!(headers.get("x-ratelimit-limit").unwrap(), "20");
        assert_eq!(headers.get("x-ratelimit-remaining").unwrap(), "7");
        assert_eq!(
            headers.get("x-ratelimit-reset").unwrap(),
            formatted(reset_at)
        );
    }
}

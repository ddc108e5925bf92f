//! Times for people: relative ("3 minutes ago") with the exact UTC time beside it.

use time::{PrimitiveDateTime, format_description::BorrowedFormatItem, macros::format_description};

const EXACT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
const DATE: &[BorrowedFormatItem<'static>] =
    format_description!("[month repr:short] [day padding:none], [year]");
const ISO: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

pub fn exact(t: PrimitiveDateTime) -> String {
    t.format(EXACT).unwrap_or_default()
}

pub fn date(t: PrimitiveDateTime) -> String {
    t.format(DATE).unwrap_or_default()
}

pub fn iso(t: PrimitiveDateTime) -> String {
    t.format(ISO).unwrap_or_default()
}

/// "just now", "5 minutes ago", "in 3 days", relative to `now`.
pub fn relative(t: PrimitiveDateTime, now: PrimitiveDateTime) -> String {
    let delta = now - t;
    let future = delta.is_negative();
    let secs = delta.whole_seconds().unsigned_abs();
    if secs < 45 {
        return if future {
            "in a few seconds".into()
        } else {
            "just now".into()
        };
    }
    let (n, unit) = match secs {
        s if s < 3_600 => ((s + 30) / 60, "minute"),
        s if s < 86_400 => ((s + 1_800) / 3_600, "hour"),
        s if s < 30 * 86_400 => ((s + 43_200) / 86_400, "day"),
        s if s < 365 * 86_400 => (s / (30 * 86_400), "month"),
        s => (s / (365 * 86_400), "year"),
    };
    let n = n.max(1);
    let plural = if n == 1 { "" } else { "s" };
    if future {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// A length of time in the largest unit that states it exactly: "2 hours", "90 minutes",
/// "1 second".
pub fn span(seconds: u64) -> String {
    let (n, unit) = match seconds {
        s if s >= 3_600 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::{Duration, macros::datetime};

    #[test]
    fn relative_times_read_naturally() {
        let now = datetime!(2026-11-27 12:00:00);
        assert_eq!(relative(now - Duration::seconds(10), now), "just now");
        assert_eq!(relative(now - Duration::minutes(1), now), "1 minute ago");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 minutes ago");
        assert_eq!(relative(now - Duration::hours(3), now), "3 hours ago");
        assert_eq!(relative(now - Duration::days(2), now), "2 days ago");
        assert_eq!(relative(now - Duration::days(95), now), "3 months ago");
        assert_eq!(relative(now - Duration::days(800), now), "2 years ago");
        assert_eq!(relative(now + Duration::days(3), now), "in 3 days");
    }

    #[test]
    fn spans_use_the_largest_exact_unit() {
        assert_eq!(span(7_200), "2 hours");
        assert_eq!(span(3_600), "1 hour");
        assert_eq!(span(5_400), "90 minutes");
        assert_eq!(span(61), "61 seconds");
        assert_eq!(span(1), "1 second");
    }

    #[test]
    fn exact_times_are_utc() {
        assert_eq!(
            exact(datetime!(2026-01-02 03:04:05)),
            "2026-01-02 03:04:05 UTC"
        );
        assert_eq!(date(datetime!(2026-01-02 03:04:05)), "Jan 2, 2026");
    }
}

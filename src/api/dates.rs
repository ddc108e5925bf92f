//! Dates in query strings (`minDate`, `maxDate`, `startDate`, `endDate`), as lemlist
//! clients send them: an RFC 3339 date-time (`2024-01-07T22:00:00.000Z`, any offset),
//! a date-time without offset or a plain date (`2024-01-07`), both read in UTC, or
//! Unix time in milliseconds. An upper bound includes the whole of the last unit it
//! names: a plain date its day, a time in milliseconds (as lemlist writes `createdAt`)
//! its millisecond, so that passing an activity's own `createdAt` includes it.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::error::ApiError;

/// Which end of a window a date closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Start,
    End,
}

/// A date parameter as a UTC timestamp.
pub fn parse(field: &'static str, raw: &str, bound: Bound) -> Result<PrimitiveDateTime, ApiError> {
    let raw = raw.trim();
    read(raw, bound).ok_or_else(|| {
        ApiError::bad_field(
            field,
            format!(
                "{field} must be a date such as 2024-01-31, a date-time such as 2024-01-07T22:00:00.000Z, or Unix time in milliseconds, not \"{raw}\"."
            ),
        )
    })
}

fn read(raw: &str, bound: Bound) -> Option<PrimitiveDateTime> {
    let at = read_start(raw)?;
    Some(match bound {
        Bound::Start => at,
        Bound::End if raw.len() == "2024-01-07".len() => at + Duration::DAY - Duration::NANOSECOND,
        Bound::End if at.nanosecond() % 1_000_000 == 0 => {
            at + Duration::MILLISECOND - Duration::NANOSECOND
        }
        Bound::End => at,
    })
}

/// The first instant `raw` names.
fn read_start(raw: &str) -> Option<PrimitiveDateTime> {
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        let utc = at.to_offset(UtcOffset::UTC);
        return Some(PrimitiveDateTime::new(utc.date(), utc.time()));
    }
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        let millis: i128 = raw.parse().ok()?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(millis.checked_mul(1_000_000)?).ok()?;
        return Some(PrimitiveDateTime::new(at.date(), at.time()));
    }
    let naive = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(at) = PrimitiveDateTime::parse(raw, naive) {
        return Some(at);
    }
    let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).ok()?;
    Some(PrimitiveDateTime::new(day, Time::MIDNIGHT))
}

/// Both ends of a window, each optional; an end before the start is refused.
pub fn window(
    (start_field, start): (&'static str, Option<&str>),
    (end_field, end): (&'static str, Option<&str>),
) -> Result<(Option<PrimitiveDateTime>, Option<PrimitiveDateTime>), ApiError> {
    let from = start
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(start_field, s, Bound::Start))
        .transpose()?;
    let until = end
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(end_field, s, Bound::End))
        .transpose()?;
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        return Err(ApiError::bad_field(
            end_field,
            format!("{end_field} is before {start_field}: the window would be empty."),
        ));
    }
    Ok((from, until))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn every_form_a_lemlist_client_sends_is_read_in_utc() {
        let cases = [
            (
                "2024-01-07T22:00:00.000Z",
                Bound::Start,
                datetime!(2024-01-07 22:00),
            ),
            (
                "2024-01-08T00:00:00+02:00",
                Bound::Start,
                datetime!(2024-01-07 22:00),
            ),
            (
                "2024-01-07T22:00:00",
                Bound::Start,
                datetime!(2024-01-07 22:00),
            ),
            ("2024-01-07", Bound::Start, datetime!(2024-01-07 0:00)),
            (
                "2024-01-07",
                Bound::End,
                datetime!(2024-01-07 23:59:59.999999999),
            ),
            ("1704664800000", Bound::Start, datetime!(2024-01-07 22:00)),
            (
                "2024-01-07T22:00:00.123Z",
                Bound::End,
                datetime!(2024-01-07 22:00:00.123999999),
            ),
        ];
        for (raw, bound, expected) in cases {
            assert_eq!(parse("minDate", raw, bound).unwrap(), expected, "{raw}");
        }
    }

    #[test]
    fn nonsense_and_an_inverted_window_are_refused_naming_the_field() {
        for raw in ["yesterday", "2024-13-01", "2024-01-07T25:00:00Z", "-5"] {
            let Err(ApiError::BadRequest { field, .. }) = parse("maxDate", raw, Bound::End) else {
                panic!("{raw} is refused");
            };
            assert_eq!(field, Some("maxDate"));
        }
        let inverted = window(
            ("minDate", Some("2024-02-01")),
            ("maxDate", Some("2024-01-01")),
        );
        assert!(matches!(
            inverted,
            Err(ApiError::BadRequest {
                field: Some("maxDate"),
                ..
            })
        ));
    }
}

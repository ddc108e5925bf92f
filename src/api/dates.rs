//! Dates in query strings (`minDate`, `maxDate`, `startDate`, `endDate`), as lemlist
//! clients send them: an RFC 3339 date-time (`2024-01-07T22:00:00.000Z`, any offset),
//! a date-time without offset or a plain date (`2024-01-07`), both read in the request's
//! time zone (`Zone`: UTC unless a `timezone` parameter names one), or Unix time in
//! milliseconds. An upper bound includes the whole of the last unit it
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

/// The time zone in which dates without an offset are read.
#[derive(Debug, Clone)]
pub struct Zone(jiff::tz::TimeZone);

impl Zone {
    pub fn utc() -> Self {
        Self(jiff::tz::TimeZone::UTC)
    }

    /// An IANA time zone name such as `Europe/Paris`, from the `field` parameter.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ApiError> {
        jiff::tz::TimeZone::get(raw.trim()).map(Self).map_err(|_| {
            ApiError::bad_field(
                field,
                format!(
                    "{field} must be an IANA time zone name such as Europe/Paris, not \"{raw}\"."
                ),
            )
        })
    }

    /// The UTC instant of a wall-clock time in this zone (the earlier one when the
    /// clock goes back, the later side of a gap when it jumps forward).
    fn to_utc(&self, civil: PrimitiveDateTime) -> Option<PrimitiveDateTime> {
        let wall = jiff::civil::DateTime::new(
            i16::try_from(civil.year()).ok()?,
            i8::try_from(u8::from(civil.month())).ok()?,
            i8::try_from(civil.day()).ok()?,
            i8::try_from(civil.hour()).ok()?,
            i8::try_from(civil.minute()).ok()?,
            i8::try_from(civil.second()).ok()?,
            i32::try_from(civil.nanosecond()).ok()?,
        )
        .ok()?;
        let nanos = self.0.to_timestamp(wall).ok()?.as_nanosecond();
        let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
        Some(PrimitiveDateTime::new(at.date(), at.time()))
    }
}

/// A date parameter as a UTC timestamp.
pub fn parse(
    field: &'static str,
    raw: &str,
    bound: Bound,
    zone: &Zone,
) -> Result<PrimitiveDateTime, ApiError> {
    let raw = raw.trim();
    read(raw, bound, zone).ok_or_else(|| {
        ApiError::bad_field(
            field,
            format!(
                "{field} must be a date such as 2024-01-31, a date-time such as 2024-01-07T22:00:00.000Z, or Unix time in milliseconds, not \"{raw}\"."
            ),
        )
    })
}

fn read(raw: &str, bound: Bound, zone: &Zone) -> Option<PrimitiveDateTime> {
    let (at, civil) = read_start(raw)?;
    let at = match bound {
        Bound::Start => at,
        Bound::End if raw.len() == "2024-01-07".len() => at + Duration::DAY - Duration::NANOSECOND,
        Bound::End if at.nanosecond() % 1_000_000 == 0 => {
            at + Duration::MILLISECOND - Duration::NANOSECOND
        }
        Bound::End => at,
    };
    if civil { zone.to_utc(at) } else { Some(at) }
}

/// The first instant `raw` names, and whether it is a wall-clock time (no offset).
fn read_start(raw: &str) -> Option<(PrimitiveDateTime, bool)> {
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        let utc = at.to_offset(UtcOffset::UTC);
        return Some((PrimitiveDateTime::new(utc.date(), utc.time()), false));
    }
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        let millis: i128 = raw.parse().ok()?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(millis.checked_mul(1_000_000)?).ok()?;
        return Some((PrimitiveDateTime::new(at.date(), at.time()), false));
    }
    let naive = format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(at) = PrimitiveDateTime::parse(raw, naive) {
        return Some((at, true));
    }
    let day = Date::parse(raw, format_description!("[year]-[month]-[day]")).ok()?;
    Some((PrimitiveDateTime::new(day, Time::MIDNIGHT), true))
}

/// Both ends of a window, each optional; an end before the start is refused.
pub fn window(
    (start_field, start): (&'static str, Option<&str>),
    (end_field, end): (&'static str, Option<&str>),
    zone: &Zone,
) -> Result<(Option<PrimitiveDateTime>, Option<PrimitiveDateTime>), ApiError> {
    let from = start
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(start_field, s, Bound::Start, zone))
        .transpose()?;
    let until = end
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(end_field, s, Bound::End, zone))
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
            assert_eq!(
                parse("minDate", raw, bound, &Zone::utc()).unwrap(),
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn nonsense_and_an_inverted_window_are_refused_naming_the_field() {
        for raw in ["yesterday", "2024-13-01", "2024-01-07T25:00:00Z", "-5"] {
            let Err(ApiError::BadRequest { field, .. }) =
                parse("maxDate", raw, Bound::End, &Zone::utc())
            else {
                panic!("{raw} is refused");
            };
            assert_eq!(field, Some("maxDate"));
        }
        let inverted = window(
            ("minDate", Some("2024-02-01")),
            ("maxDate", Some("2024-01-01")),
            &Zone::utc(),
        );
        assert!(matches!(
            inverted,
            Err(ApiError::BadRequest {
                field: Some("maxDate"),
                ..
            })
        ));
    }

    #[test]
    fn wall_clock_times_are_read_in_the_named_zone_and_instants_are_not() {
        let paris = Zone::parse("timezone", "Europe/Paris").unwrap();
        let cases = [
            ("2024-01-07", Bound::Start, datetime!(2024-01-06 23:00)),
            ("2024-07-07", Bound::Start, datetime!(2024-07-06 22:00)),
            (
                "2024-01-07",
                Bound::End,
                datetime!(2024-01-07 22:59:59.999999999),
            ),
            (
                "2024-01-07T09:30:00",
                Bound::Start,
                datetime!(2024-01-07 8:30),
            ),
            (
                "2024-01-07T09:30:00Z",
                Bound::Start,
                datetime!(2024-01-07 9:30),
            ),
            ("1704664800000", Bound::Start, datetime!(2024-01-07 22:00)),
        ];
        for (raw, bound, expected) in cases {
            assert_eq!(
                parse("startDate", raw, bound, &paris).unwrap(),
                expected,
                "{raw}"
            );
        }
        assert!(matches!(
            Zone::parse("timezone", "Mars/Olympus"),
            Err(ApiError::BadRequest {
                field: Some("timezone"),
                ..
            })
        ));
    }
}

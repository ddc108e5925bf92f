//! Dates in query strings (`minDate`, `maxDate`, `startDate`, `endDate`), as lemlist
//! clients send them: an RFC 3339 date-time (`2024-01-07T22:00:00.000Z`, any offset),
//! a date-time without offset or a plain date (`2024-01-07`), both read in the request's
//! time zone (`Zone`: UTC unless a `timezone` parameter names one), or Unix time in
//! milliseconds. An upper bound includes the whole of the last unit it
//! names: a plain date its day, a time in milliseconds (as lemlist writes `createdAt`)
//! its millisecond, so that passing an activity's own `createdAt` includes it.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

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
        let known = super::inputs::is_time_zone(raw);
        let found = jiff::tz::TimeZone::get(raw).ok().filter(|_| known);
        found.map(Self).ok_or_else(|| {
            ApiError::bad_field(
                field,
                format!(
                    "{field} must be an IANA time zone name such as Europe/Paris, not \"{raw}\"."
                ),
            )
        })
    }

    /// The UTC instant of a wall-clock time in this zone (the earlier one when the
    /// clock goes back, the later side of a gap when it jumps forward); at the edges of
    /// the representable years, where the zone cannot be applied, the time as UTC.
    fn to_utc(&self, civil: PrimitiveDateTime) -> PrimitiveDateTime {
        self.zoned(civil).unwrap_or(civil)
    }

    fn zoned(&self, civil: PrimitiveDateTime) -> Option<PrimitiveDateTime> {
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
        Some(utc(self.0.to_timestamp(wall).ok()?.as_nanosecond()))
    }
}

/// The first and last instants a date parameter stands for: the years 0000 to 9999 in
/// UTC, which every client can read back as RFC 3339.
const EARLIEST: PrimitiveDateTime = time::macros::datetime!(0000-01-01 0:00);
const LATEST: PrimitiveDateTime = time::macros::datetime!(9999-12-31 23:59:59.999_999_999);

/// A date parameter as a UTC timestamp. The grammar is `inputs::DATE`; every string it
/// allows is read (instants beyond the years 0000 to 9999 in UTC are held at the edge).
pub fn parse(
    field: &'static str,
    raw: &str,
    bound: Bound,
    zone: &Zone,
) -> Result<PrimitiveDateTime, ApiError> {
    let refused = || {
        ApiError::bad_field(
            field,
            format!(
                "{field} must be a date such as 2024-01-31, a date-time such as 2024-01-07T22:00:00.000Z, or Unix time in milliseconds (at most 14 digits), not \"{raw}\"."
            ),
        )
    };
    if !super::inputs::is_date(raw) {
        return Err(refused());
    }
    let raw = raw.strip_suffix('\n').unwrap_or(raw);
    read(raw, bound, zone).ok_or_else(refused)
}

fn read(raw: &str, bound: Bound, zone: &Zone) -> Option<PrimitiveDateTime> {
    let (at, civil) = read_start(raw)?;
    let last = |at: PrimitiveDateTime, span: Duration| {
        at.checked_add(span - Duration::NANOSECOND)
            .unwrap_or(LATEST)
    };
    let at = match bound {
        Bound::Start => at,
        Bound::End if raw.len() == "2024-01-07".len() => last(at, Duration::DAY),
        Bound::End if at.nanosecond() % 1_000_000 == 0 => last(at, Duration::MILLISECOND),
        Bound::End => at,
    };
    let at = if civil { zone.to_utc(at) } else { at };
    Some(at.clamp(EARLIEST, LATEST))
}

/// The first instant `raw` names, and whether it is a wall-clock time (no offset).
fn read_start(raw: &str) -> Option<(PrimitiveDateTime, bool)> {
    if let Ok(at) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some((utc(at.unix_timestamp_nanos()), false));
    }
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        let millis: i128 = raw.parse().ok()?;
        return Some((utc(millis.checked_mul(1_000_000)?), false));
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

/// The UTC date-time of a Unix time in nanoseconds, held within the representable years.
fn utc(nanos: i128) -> PrimitiveDateTime {
    match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(at) => PrimitiveDateTime::new(at.date(), at.time()),
        Err(_) if nanos < 0 => EARLIEST,
        Err(_) => LATEST,
    }
}

/// Both ends of a window from a query, each optional and each named by a parameter or
/// its alias (`[name, alias]`: the name wins; both are checked when both are sent). An
/// end before the start is an empty window, not an error: nothing falls in it.
pub fn window(
    query: &std::collections::HashMap<String, String>,
    start: &[&'static str],
    end: &[&'static str],
    zone: &Zone,
) -> Result<(Option<PrimitiveDateTime>, Option<PrimitiveDateTime>), ApiError> {
    let read = |names: &[&'static str], bound| -> Result<Option<PrimitiveDateTime>, ApiError> {
        let mut first = None;
        for name in names {
            if let Some(raw) = query.get(*name) {
                let at = parse(name, raw, bound, zone)?;
                first = first.or(Some(at));
            }
        }
        Ok(first)
    };
    Ok((read(start, Bound::Start)?, read(end, Bound::End)?))
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
    fn nonsense_is_refused_naming_the_field_and_an_inverted_window_is_empty() {
        for raw in ["yesterday", "2024-13-01", "2024-01-07T25:00:00Z", "-5", ""] {
            let Err(ApiError::BadRequest { field, .. }) =
                parse("maxDate", raw, Bound::End, &Zone::utc())
            else {
                panic!("{raw} is refused");
            };
            assert_eq!(field, Some("maxDate"));
        }
        let query = [("minDate", "2024-02-01"), ("maxDate", "2024-01-01")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let (from, until) = window(&query, &["minDate"], &["maxDate"], &Zone::utc()).unwrap();
        assert!(until.unwrap() < from.unwrap());
    }

    #[test]
    fn an_alias_is_checked_even_when_its_name_wins() {
        let query = [("minDate", "2024-02-01"), ("startDate", "soon")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let refused = window(&query, &["minDate", "startDate"], &[], &Zone::utc());
        assert!(matches!(
            refused,
            Err(ApiError::BadRequest {
                field: Some("startDate"),
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

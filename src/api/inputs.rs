//! The exact grammar of the API's inputs. Each pattern here is both what a handler
//! checks and what `/api/openapi.json` declares, so that a request the document calls
//! valid is never refused as malformed and one it calls invalid is never served.
//! The patterns are anchored (`^…$`, `$` the very end) and use only what ECMAScript,
//! Python and Rust engines read alike.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Value, json};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::error::ApiError;

/// An email address as the API takes it: a dot-atom local part of ASCII letters, digits
/// and `!#$%&'*+/=?^_`{|}~.-`, an `@`, and a domain of at least two dot-separated
/// labels of letters, digits and hyphens; at most 254 characters.
pub const EMAIL: &str = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$";
pub const EMAIL_MAX_LEN: usize = 254;

/// A whole domain on the unsubscribe list: `@` and the domain part of `EMAIL`.
pub const DOMAIN: &str = r"^@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$";

/// A calendar date, leap years included (the Gregorian rule), years 0000 to 9999.
const DAY: &str = concat!(
    r"(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
);

/// A date parameter: a date, a date-time with or without an offset (`Z` or `±hh:mm`,
/// fractions of a second to the nanosecond), or Unix time in milliseconds (up to 14
/// digits, that is until the year 5138).
pub static DATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        r"^(?:{DAY}(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,9}})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?|[0-9]{{1,14}})$"
    )
});

static EMAIL_RE: LazyLock<Regex> = LazyLock::new(|| compile(EMAIL));
static DOMAIN_RE: LazyLock<Regex> = LazyLock::new(|| compile(DOMAIN));
static DATE_RE: LazyLock<Regex> = LazyLock::new(|| compile(&DATE));

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the API's input patterns compile")
}

/// An email address in a path or body, lower-cased; `field` names it in the refusal.
pub fn email(field: &'static str, raw: &str) -> Result<String, ApiError> {
    if raw.chars().count() <= EMAIL_MAX_LEN && EMAIL_RE.is_match(raw) {
        return Ok(raw.to_ascii_lowercase());
    }
    Err(ApiError::bad_field(
        field,
        format!(
            "{field} must be an email address like name@example.com (ASCII letters, digits and !#$%&'*+/=?^_`{{|}}~.- before the @, a dotted domain after it, at most {EMAIL_MAX_LEN} characters)."
        ),
    ))
}

/// An email address or a whole domain written `@example.com`, lower-cased.
pub fn email_or_domain(field: &'static str, raw: &str) -> Result<String, ApiError> {
    if raw.starts_with('@') {
        if raw.chars().count() <= EMAIL_MAX_LEN && DOMAIN_RE.is_match(raw) {
            return Ok(raw.to_ascii_lowercase());
        }
        return Err(ApiError::bad_field(
            field,
            format!("{field} must be an email address, or a domain written @example.com."),
        ));
    }
    email(field, raw)
}

/// Whether a date parameter has the grammar `DATE` describes.
pub fn is_date(raw: &str) -> bool {
    DATE_RE.is_match(raw)
}

/// The IANA time zone names the API accepts, exactly as written in the time zone database.
pub static TIME_ZONES: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
    jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_string())
        .filter(|name| jiff::tz::TimeZone::get(name).is_ok())
        .collect()
});

pub fn is_time_zone(raw: &str) -> bool {
    TIME_ZONES.contains(raw)
}

/// The JSON Schema of a time zone name.
pub fn time_zone_schema() -> Value {
    json!({"type": "string", "enum": TIME_ZONES.iter().collect::<Vec<_>>()})
}

/// The JSON Schema of an email address.
pub fn email_schema() -> Value {
    json!({"type": "string", "pattern": EMAIL, "maxLength": EMAIL_MAX_LEN,
        "description": "An email address (see the pattern for the characters taken)."})
}

/// The JSON Schema of an email address or `@domain`.
pub fn email_or_domain_schema() -> Value {
    json!({"type": "string", "maxLength": EMAIL_MAX_LEN, "anyOf": [
        {"pattern": EMAIL},
        {"pattern": DOMAIN}
    ]})
}

/// The JSON Schema of a date parameter.
pub fn date_schema() -> Value {
    json!({"type": "string", "pattern": *DATE,
        "description": "A date (2024-01-31), a date-time with or without offset (2024-01-07T22:00:00.000Z), or Unix time in milliseconds."})
}

/// A name as `domain::name::Name::parse_with_max(raw, max)` takes it: 1 to `max`
/// characters once surrounding whitespace is trimmed, no control characters inside and
/// no invisible formatting characters (Unicode Cf) anywhere.
pub fn name_pattern(max: usize) -> String {
    let NameClasses {
        space,
        inner_refused,
        edge_refused,
    } = &*NAME_CLASSES;
    let middle = max.saturating_sub(2);
    format!(
        "^[{space}]*[^{edge_refused}](?:[^{inner_refused}]{{0,{middle}}}[^{edge_refused}])?[{space}]*$"
    )
}

/// The character classes of `name_pattern`, found once by walking every character.
struct NameClasses {
    /// Trimmed at either end.
    space: String,
    /// Refused inside a name: control and invisible formatting characters.
    inner_refused: String,
    /// Refused as a name's first or last character: those, and whitespace.
    edge_refused: String,
}

static NAME_CLASSES: LazyLock<NameClasses> = LazyLock::new(|| {
    let all = || (0..=u32::from(char::MAX)).filter_map(char::from_u32);
    let format = |c: char| c.general_category() == GeneralCategory::Format;
    let space: Vec<char> = all().filter(|c| c.is_whitespace()).collect();
    let never: Vec<char> = all().filter(|&c| c.is_control() || format(c)).collect();
    NameClasses {
        inner_refused: class_body(&never),
        edge_refused: class_body(&never.iter().chain(&space).copied().collect::<Vec<_>>()),
        space: class_body(&space),
    }
});

/// The body of a character class holding exactly `chars`, as ranges.
fn class_body(chars: &[char]) -> String {
    let mut sorted = chars.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut body = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && u32::from(sorted[i + 1]) == u32::from(end) + 1 {
            i += 1;
            end = sorted[i];
        }
        body.push_str(&class_char(start));
        if end != start {
            body.push('-');
            body.push_str(&class_char(end));
        }
        i += 1;
    }
    body
}

/// One character inside a class: `\uXXXX` in the Basic Multilingual Plane (read alike by
/// ECMAScript, Python and Rust engines), the character itself beyond it.
fn class_char(c: char) -> String {
    if u32::from(c) <= 0xFFFF {
        format!("\\u{:04X}", u32::from(c))
    } else {
        c.to_string()
    }
}

/// The JSON Schema of a name of at most `max` characters.
pub fn name_schema(max: usize) -> Value {
    json!({"type": "string", "pattern": name_pattern(max),
        "description": format!("1 to {max} characters once trimmed; no control characters or invisible formatting characters (Unicode Cf).")})
}

#[cfg(test)]
#[path = "inputs_tests.rs"]
mod tests;

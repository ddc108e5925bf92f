//! Keeps API keys out of logs. `redact_keys` replaces every key-shaped token
//! (`kd_` and at least 16 letters or digits: a truncated or mistyped key is still
//! most of a secret) with `kd_[redacted]`, including tokens
//! whose characters are percent-encoded (`kd%5F…`, `%6Bd_…`, `kd%255F…`), so it is safe
//! on raw URLs as well as on any formatted log line; the log writer runs it on every
//! line. `for_log` is what the access log prints of a URL part: decoded until stable
//! (at most `MAX_DECODES` rounds), then redacted, with control and invisible
//! characters escaped so a request cannot forge or disguise log lines.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::domain::api_key::PREFIX;

/// What a key is replaced with.
pub const REDACTED: &str = "kd_[redacted]";
/// Rounds of percent-decoding undone, in the access log and inside `redact_keys`.
pub const MAX_DECODES: usize = 3;
/// What the access log prints of a URL part still encoded after `MAX_DECODES` rounds.
pub const TOO_ENCODED: &str = "[not logged: percent-encoded more than 3 times]";

/// Letters or digits after `kd_` that make a token secret: a key has 38, and 16 of
/// them still leave more than 2^95 guesses, so shorter tokens are harmless to show.
const SECRET_BODY_LEN: usize = 16;

/// `text` with every key-shaped token, literal or percent-encoded, replaced by [`REDACTED`].
pub fn redact_keys(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        match key_end(bytes, at) {
            Some(end) => {
                // `at` and `end` border ASCII bytes, so both are character boundaries.
                out.push_str(&text[copied..at]);
                out.push_str(REDACTED);
                copied = end;
                at = end;
            }
            None => at += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// [`redact_keys`] for raw bytes (a log line need not be UTF-8).
pub fn redact_key_bytes(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    // A token, literal or encoded, can only start at a literal first letter of the
    // prefix or at an escape's `%`: the line is scanned for those alone.
    let starts = |b: &u8| *b == PREFIX.as_bytes()[0] || *b == b'%';
    while let Some(skip) = bytes[at..].iter().position(starts) {
        at += skip;
        match key_end(bytes, at) {
            Some(end) => {
                out.extend_from_slice(&bytes[copied..at]);
                out.extend_from_slice(REDACTED.as_bytes());
                copied = end;
                at = end;
            }
            None => at += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(bytes);
    }
    out.extend_from_slice(&bytes[copied..]);
    Cow::Owned(out)
}

/// A URL path (`plus_is_space` false) or query (true) as the access log prints it.
pub fn for_log(raw: &str, plus_is_space: bool) -> String {
    let Some(decoded) = decode_until_stable(raw, plus_is_space) else {
        return TOO_ENCODED.to_string();
    };
    escape_unprintable(&redact_link_tokens(&redact_keys(&decoded)))
}

/// Paths whose next segment is a one-time link's token (invitations, password resets).
const LINK_PATHS: [&str; 2] = ["/invite/", "/reset/"];
/// What a link's token is replaced with.
pub const LINK_REDACTED: &str = "[redacted]";

/// `text` with whatever follows `/invite/` or `/reset/` (up to the next `/`, `?`, `#`
/// or space) replaced by [`LINK_REDACTED`]: tokens of one-time links never reach a log,
/// whatever their shape (a tampered token is still most of a secret).
pub fn redact_link_tokens(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < text.len() {
        // Every log line passes here: only its slashes can start a link path.
        let found = text[at..].match_indices('/').find_map(|(i, _)| {
            let rest = &text[at + i..];
            LINK_PATHS
                .iter()
                .find(|p| rest.starts_with(**p))
                .map(|p| (at + i, p.len()))
        });
        let Some((start, len)) = found else { break };
        let token_start = start + len;
        let token_end = text[token_start..]
            .find(['/', '?', '#', ' ', '"'])
            .map_or(text.len(), |i| token_start + i);
        if token_end > token_start {
            out.push_str(&text[copied..token_start]);
            out.push_str(LINK_REDACTED);
            copied = token_end;
        }
        at = token_end.max(token_start);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Percent-decoded (and `+` as a space in a query) until nothing changes, or `None`
/// if it still changes after `MAX_DECODES` rounds.
pub fn decode_until_stable(raw: &str, plus_is_space: bool) -> Option<String> {
    let mut current = raw.to_string();
    for _ in 0..=MAX_DECODES {
        let spaced = if plus_is_space {
            current.replace('+', " ")
        } else {
            current.clone()
        };
        let next = percent_decode_str(&spaced).decode_utf8_lossy().into_owned();
        if next == current {
            return Some(current);
        }
        current = next;
    }
    None
}

/// Control and format characters (line breaks, bidi overrides) written as `\u{…}`.
fn escape_unprintable(text: &str) -> String {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || c.general_category() == GeneralCategory::Format {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a key-shaped token starting at `start` ends, if one does.
fn key_end(bytes: &[u8], start: usize) -> Option<usize> {
    // Every log line passes here byte by byte: a token, literal or encoded, can only
    // start at a literal first letter of the prefix or at an escape's `%`.
    if !matches!(bytes.get(start), Some(&b) if b == PREFIX.as_bytes()[0] || b == b'%') {
        return None;
    }
    let mut at = start;
    for &expected in PREFIX.as_bytes() {
        let (byte, len) = logical_byte(bytes, at)?;
        if byte != expected {
            return None;
        }
        at += len;
    }
    let mut count = 0;
    while let Some((byte, len)) = logical_byte(bytes, at) {
        if !byte.is_ascii_alphanumeric() {
            break;
        }
        at += len;
        count += 1;
    }
    (count >= SECRET_BODY_LEN).then_some(at)
}

/// The byte at `at` as a URL carries it after `MAX_DECODES` rounds of decoding, and
/// how many bytes it spans: itself, or a `%XX` escape whose parts may be escaped in
/// turn (`%5F`, `%255F`, `%25%35%46`).
fn logical_byte(bytes: &[u8], at: usize) -> Option<(u8, usize)> {
    decoded_byte(bytes, at, MAX_DECODES)
}

fn decoded_byte(bytes: &[u8], at: usize, rounds: usize) -> Option<(u8, usize)> {
    if rounds == 0 {
        return bytes.get(at).map(|&byte| (byte, 1));
    }
    let (first, len) = decoded_byte(bytes, at, rounds - 1)?;
    if first != b'%' {
        return Some((first, len));
    }
    let escape = decoded_byte(bytes, at + len, rounds - 1).and_then(|(high, high_len)| {
        let (low, low_len) = decoded_byte(bytes, at + len + high_len, rounds - 1)?;
        let value = hex_value(high)? * 16 + hex_value(low)?;
        Some((value, len + high_len + low_len))
    });
    Some(escape.unwrap_or((first, len)))
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::api_key::PlainKey;

    fn key() -> String {
        PlainKey::generate().expose().to_string()
    }

    #[test]
    fn a_literal_key_is_replaced_wherever_it_stands() {
        let key = key();
        assert_eq!(
            redact_keys(&format!("bad {key}, again:{key}x")),
            "bad kd_[redacted], again:kd_[redacted]"
        );
        assert_eq!(redact_keys("kd_short and kd_"), "kd_short and kd_");
        assert_eq!(
            redact_keys(&key[..20]),
            REDACTED,
            "a truncated key is redacted too"
        );
    }

    #[test]
    fn percent_encoded_keys_are_replaced_once_or_several_times_encoded() {
        let key = key();
        let body = &key[3..];
        for encoded in [
            format!("kd%5F{body}"),
            format!("kd%5f{body}"),
            format!("kd%255F{body}"),
            format!("kd%25255F{body}"),
            format!("%6Bd_{body}"),
            format!("%25%36%42d_{body}"),
            format!("kd_%{:02X}{}", body.as_bytes()[0], &body[1..]),
        ] {
            assert_eq!(
                redact_keys(&format!("?x={encoded}&y")),
                "?x=kd_[redacted]&y"
            );
        }
    }

    #[test]
    fn link_tokens_are_replaced_after_invite_and_reset() {
        let token = "ab".repeat(32);
        assert_eq!(
            for_log(&format!("/invite/{token}"), false),
            "/invite/[redacted]"
        );
        assert_eq!(
            for_log(&format!("/reset/{token}?x=1"), false),
            "/reset/[redacted]?x=1"
        );
        assert_eq!(
            for_log(&format!("/%69nvite/{token}"), false),
            "/invite/[redacted]"
        );
        assert_eq!(
            redact_link_tokens(&format!("GET /a/invite/{token}/x /reset/ /invite/")),
            "GET /a/invite/[redacted]/x /reset/ /invite/"
        );
        assert_eq!(for_log("/settings/team", false), "/settings/team");
    }

    #[test]
    fn for_log_decodes_redacts_and_escapes() {
        let key = key();
        let body = &key[3..];
        assert_eq!(
            for_log(&format!("%2561ccess_token=kd%255F{body}"), true),
            "access_token=kd_[redacted]"
        );
        assert_eq!(for_log("a+b%0Ac%E2%80%AEd", true), "a b\\u{a}c\\u{202e}d");
        assert_eq!(for_log("/a+b", false), "/a+b");
        assert_eq!(for_log("%25252525", true), TOO_ENCODED);
    }
}

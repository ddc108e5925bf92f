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

/// Paths whose next segment is a one-time link's token (invitations, password resets),
/// matched in any case and however many slashes follow them.
const LINK_PATHS: [&[u8]; 2] = [b"/invite/", b"/reset/"];
/// What a link's token is replaced with.
pub const LINK_REDACTED: &str = "[redacted]";
/// Hex digits in a row taken for a link's token, or most of one, wherever they stand: a
/// token has 64, and fewer than 32 shown still leave more than 2^128 guesses.
const LINK_SECRET_HEX: usize = 32;

/// `text` with the tokens of one-time links replaced by [`LINK_REDACTED`], so they never
/// reach a log: every run of at least [`LINK_SECRET_HEX`] hex digits (a token's shape,
/// in either case, under any path, in the query or bare), and whatever follows `/invite/`
/// or `/reset/` in any case (up to the next `/`, `?`, `#`, space or quote: a tampered
/// token is still most of a secret). Ordinary words and ids (`integrations`, `key_…`)
/// are no such run.
pub fn redact_link_tokens(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut spans = after_link_paths(text);
    spans.extend(long_hex_runs(bytes));
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end) in spans {
        // Spans start and end beside ASCII bytes, so on character boundaries.
        if start >= copied {
            out.push_str(&text[copied..start]);
            out.push_str(LINK_REDACTED);
        }
        copied = copied.max(end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The segments that follow a link path (`/invite/`, `/Reset//`, …), as byte ranges.
fn after_link_paths(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut at = 0;
    // Only a slash can start a link path (`str::find` looks for one with memchr), and
    // the letter after it rules out most. `at` is always just after an ASCII byte.
    while let Some(i) = text[at..].find('/') {
        let slash = at + i;
        let rest = &bytes[slash..];
        if !matches!(rest.get(1), Some(b'i' | b'I' | b'r' | b'R')) {
            at = slash + 1;
            continue;
        }
        let Some(path) = LINK_PATHS
            .iter()
            .find(|p| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p))
        else {
            at = slash + 1;
            continue;
        };
        let mut token_start = slash + path.len();
        while bytes.get(token_start) == Some(&b'/') {
            token_start += 1;
        }
        let token_end = bytes[token_start..]
            .iter()
            .position(|b| matches!(b, b'/' | b'?' | b'#' | b' ' | b'"'))
            .map_or(bytes.len(), |i| token_start + i);
        if token_end > token_start {
            spans.push((token_start, token_end));
        }
        at = token_end;
    }
    spans
}

/// Every run of at least [`LINK_SECRET_HEX`] hex digits, as byte ranges. Such a run
/// covers one byte of every [`LINK_SECRET_HEX`] in a row, so only those are probed: a
/// log line is not tried byte by byte.
fn long_hex_runs(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut probe = LINK_SECRET_HEX - 1;
    while probe < bytes.len() {
        if !bytes[probe].is_ascii_hexdigit() {
            probe += LINK_SECRET_HEX;
            continue;
        }
        let start = bytes[..probe]
            .iter()
            .rposition(|b| !b.is_ascii_hexdigit())
            .map_or(0, |i| i + 1);
        let end = bytes[probe..]
            .iter()
            .position(|b| !b.is_ascii_hexdigit())
            .map_or(bytes.len(), |i| probe + i);
        if end - start >= LINK_SECRET_HEX {
            runs.push((start, end));
        }
        // The next run starts after `end`, a byte that is no hex digit.
        probe = end + LINK_SECRET_HEX;
    }
    runs
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
    fn link_tokens_are_replaced_by_their_shape_under_any_path() {
        let token = crate::domain::link_token::LinkToken::generate();
        let token = token.expose();
        let upper = token.to_uppercase();
        for (path, logged) in [
            (format!("/{token}"), "/[redacted]"),
            (format!("/invite//{token}"), "/invite//[redacted]"),
            (format!("/Invite/{token}"), "/Invite/[redacted]"),
            (format!("/RESET/{upper}"), "/RESET/[redacted]"),
            (format!("/%49nvite/{token}"), "/Invite/[redacted]"),
            (format!("/join/{}", &token[..40]), "/join/[redacted]"),
            (format!("/x{token}y/z"), "/x[redacted]y/z"),
            (format!("/a//{upper}//b"), "/a//[redacted]//b"),
            (format!("/invite/x{}", &token[..8]), "/invite/[redacted]"),
        ] {
            assert_eq!(for_log(&path, false), logged, "{path}");
        }
        assert_eq!(
            for_log(&format!("next=%2F{token}&t={token}"), true),
            "next=/[redacted]&t=[redacted]"
        );
        assert_eq!(
            redact_link_tokens(&format!("target=/{token} status=404 x={token}")),
            "target=/[redacted] status=404 x=[redacted]"
        );
    }

    #[test]
    fn ordinary_segments_and_short_hex_are_kept() {
        for kept in [
            "/settings/integrations",
            "/settings/integrations/keys/42/delete",
            "/api/keys/key_3f2a9bC81dEe0aF7c6D5",
            "/api/hooks/hoo_deadbeefcafe12345",
            "/invite",
            "/invites/abc",
            "/api/team?limit=5&offset=100",
            "/a/0123456789abcdef0123456789abcde",
            "/550e8400-e29b-41d4-a716-446655440000",
        ] {
            assert_eq!(for_log(kept, false), kept);
            assert!(matches!(redact_link_tokens(kept), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn a_hex_run_is_found_wherever_it_starts() {
        // Every start and length around the threshold, so the probing stride misses none.
        for len in [
            LINK_SECRET_HEX - 1,
            LINK_SECRET_HEX,
            LINK_SECRET_HEX + 1,
            64,
        ] {
            for lead in 0..70 {
                let text = format!("{}{}.{}", "z".repeat(lead), "a".repeat(len), "q".repeat(40));
                let redacted = redact_link_tokens(&text);
                let expected = if len >= LINK_SECRET_HEX {
                    format!("{}[redacted].{}", "z".repeat(lead), "q".repeat(40))
                } else {
                    text.clone()
                };
                assert_eq!(redacted, expected, "lead {lead}, length {len}");
            }
        }
        let two = format!("{}-{}", "1".repeat(40), "F".repeat(33));
        assert_eq!(redact_link_tokens(&two), "[redacted]-[redacted]");
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

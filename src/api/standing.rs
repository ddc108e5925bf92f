//! Whether a key works at all: the one check shared by the API's gate (`auth`, for the
//! calling key) and `POST /api/keys/verify` (for the key asked about). A malformed key
//! is refused before any database work; otherwise one lookup by digest, then, in this
//! order: another workspace's key (when a workspace asks, so nothing else about that key
//! is told), an old secret past its grace period, disabled, expired. What is refused
//! here is refused with the same code and sentence on both paths.

use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::domain::api_key::{KeyDigest, KeyFormatError};
use crate::format;
use crate::models::api_key::{self, ApiKey, KeyGate};

/// What decides whether a key works now, borrowed from whichever row was read.
struct Lifecycle<'a> {
    expires_at: Option<PrimitiveDateTime>,
    previous_expires_at: Option<PrimitiveDateTime>,
    disabled_at: Option<PrimitiveDateTime>,
    disabled_by_name: Option<&'a str>,
    disabled_unused_days: Option<i32>,
}

/// The `Lifecycle` of an `ApiKey` or a `KeyGate`: their columns have the same names.
macro_rules! lifecycle {
    ($key:expr) => {
        Lifecycle {
            expires_at: $key.expires_at,
            previous_expires_at: $key.previous_expires_at,
            disabled_at: $key.disabled_at,
            disabled_by_name: $key.disabled_by_name.as_deref(),
            disabled_unused_days: $key.disabled_unused_days,
        }
    };
}

/// Why a key does not work: a code a program can branch on, a sentence a person can act
/// on, and the key's entry when it has one in the asking workspace.
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
    /// Boxed: a refusal travels in a `Result` beside the much smaller happy path.
    pub key: Option<Box<ApiKey>>,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            key: None,
        }
    }
}

/// A malformed key's refusal: one code per way a key can be malformed.
pub fn malformed(problem: KeyFormatError) -> Refusal {
    let code = match problem {
        KeyFormatError::Empty => "missing_key",
        KeyFormatError::Whitespace => "key_has_whitespace",
        KeyFormatError::WrongPrefix => "not_a_keydesk_key",
        KeyFormatError::Truncated => "key_truncated",
        KeyFormatError::TooLong => "key_too_long",
        KeyFormatError::InvalidCharacters => "key_invalid_characters",
        KeyFormatError::BadChecksum => "key_bad_checksum",
    };
    Refusal::new(code, problem.to_string())
}

/// A key that works now, and until when this secret works (its expiry, or the end of the
/// grace period when it is the old secret of a regenerated key).
pub struct Working<K = ApiKey> {
    pub key: K,
    pub until: Option<PrimitiveDateTime>,
}

const UNKNOWN: &str = "This API key is not valid: it was deleted or regenerated, or never issued. Generate a new key in Settings → Integrations and update the integration.";

/// The key with this digest if it works now; with `workspace`, a key of any other
/// workspace is refused first.
pub fn check(
    conn: &mut DbConnection,
    digest: &KeyDigest,
    now: PrimitiveDateTime,
    workspace: Option<i32>,
) -> diesel::QueryResult<Result<Working, Refusal>> {
    let Some((key, previous)) = api_key::find_by_digest(conn, digest)? else {
        return Ok(Err(Refusal::new("key_unknown", UNKNOWN)));
    };
    if workspace.is_some_and(|id| id != key.workspace_id) {
        return Ok(Err(Refusal::new(
            "key_other_workspace",
            "This API key belongs to another Keydesk workspace: this workspace cannot vouch for it. Ask for a key generated in this workspace.",
        )));
    }
    Ok(match standing(&lifecycle!(key), previous, now) {
        Ok(until) => Ok(Working { key, until }),
        Err(refusal) => Err(Refusal {
            key: Some(Box::new(key)),
            ..refusal
        }),
    })
}

/// As `check` for the caller's own key, reading only what the API's gate needs.
pub fn gate(
    conn: &mut DbConnection,
    digest: &KeyDigest,
    now: PrimitiveDateTime,
) -> diesel::QueryResult<Result<Working<KeyGate>, Refusal>> {
    let Some((key, previous)) = api_key::gate_by_digest(conn, digest)? else {
        return Ok(Err(Refusal::new("key_unknown", UNKNOWN)));
    };
    Ok(judge(key, previous, now))
}

/// As `gate`, for a secret already known to be no key's current one (`ApiCall::read_joined`
/// looked for it so): only the old secrets are looked at.
pub fn gate_previous(
    conn: &mut DbConnection,
    digest: &KeyDigest,
    now: PrimitiveDateTime,
) -> diesel::QueryResult<Result<Working<KeyGate>, Refusal>> {
    Ok(judge_previous(
        api_key::gate_by_previous_digest(conn, digest)?,
        now,
    ))
}

/// As `gate_previous`, given what the lookup of the old secrets found: the key whose
/// previous secret it is, if any.
pub fn judge_previous(
    key: Option<KeyGate>,
    now: PrimitiveDateTime,
) -> Result<Working<KeyGate>, Refusal> {
    match key {
        Some(key) => judge(key, true, now),
        None => Err(Refusal::new("key_unknown", UNKNOWN)),
    }
}

/// As `gate`, for a key row already read (by its current secret when `previous` is false).
pub fn judge(
    key: KeyGate,
    previous: bool,
    now: PrimitiveDateTime,
) -> Result<Working<KeyGate>, Refusal> {
    standing(&lifecycle!(key), previous, now).map(|until| Working { key, until })
}

/// Until when the key works, or why it does not.
fn standing(
    key: &Lifecycle,
    previous: bool,
    now: PrimitiveDateTime,
) -> Result<Option<PrimitiveDateTime>, Refusal> {
    // The previous secret's grace period, while it runs.
    let grace = key.previous_expires_at.filter(|t| *t > now);
    if previous && grace.is_none() {
        return Err(Refusal::new(
            "key_regenerated",
            "This API key was regenerated and this old secret no longer works. Use the new secret.",
        ));
    }
    if let Some(at) = key.disabled_at {
        let by = key.disabled_by_name.unwrap_or("an admin");
        let message = match key.disabled_unused_days {
            Some(days) => format!(
                "This API key was disabled by the workspace's {by} on {} after {days} days unused. Ask an admin to enable it in Settings → Integrations.",
                format::exact(at)
            ),
            None => format!(
                "This API key was disabled by {by} on {}. Ask them (or another admin) to enable it in Settings → Integrations.",
                format::exact(at)
            ),
        };
        return Err(Refusal::new("key_disabled", message));
    }
    if let Some(expired) = key.expires_at.filter(|t| *t <= now) {
        let message = format!(
            "This API key expired on {}. Regenerate it in Settings → Integrations.",
            format::exact(expired)
        );
        return Err(Refusal::new("key_expired", message));
    }
    Ok(match (previous, grace, key.expires_at) {
        (true, Some(grace), Some(expires)) => Some(grace.min(expires)),
        (true, Some(grace), None) => Some(grace),
        _ => key.expires_at,
    })
}

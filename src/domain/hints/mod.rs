//! The hints beside a key (PRODUCT 4.7): what looks wrong with it and what to do, most urgent first.

use std::collections::HashSet;

use time::{Duration, PrimitiveDateTime};

use crate::domain::key_policy::KeyPolicy;
use crate::domain::sighting::{Sighting, SightingKind};
use crate::format;

/// How far ahead an expiry is announced, beside the key and in the page's banner.
pub const EXPIRY_NOTICE: Duration = Duration::days(7);
/// Unused for longer than this, a key is "Inactive".
const INACTIVE_AFTER: Duration = Duration::days(90);
/// A new key gets this long to be set up before "Never used" shows.
const SETUP_TIME: Duration = Duration::hours(24);
/// Secrets older than this (about 6 months) should be rotated.
const ROTATE_AFTER: Duration = Duration::days(182);
/// Distinct user agents within this window make a key "Shared".
const SHARED_WINDOW: Duration = Duration::days(30);
/// An address first seen within this window is "new".
const NEW_ADDRESS_WINDOW: Duration = Duration::days(7);

/// What the hints need to know about a key; the web layer fills it from the stored key.
#[derive(Debug, Clone, Copy)]
pub struct KeyFacts<'a> {
    pub expires_at: Option<PrimitiveDateTime>,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub last_used_ip: Option<&'a str>,
    /// When the current secret was issued: created, or last regenerated.
    pub secret_issued_at: PrimitiveDateTime,
    /// When and by whom the key was disabled, while it is.
    pub disabled: Option<(PrimitiveDateTime, &'a str)>,
    /// Set when the key policy disabled it: after how many days unused.
    pub disabled_unused_days: Option<i32>,
    /// The workspace's maximum key lifetime in days ("Key policy"), if it has one.
    pub max_lifetime_days: Option<u16>,
    /// Its creator's API access ended and admins manage it now (PRODUCT 4.13).
    pub creator_gone: Option<CreatorGone<'a>>,
}

/// Why a key's creator no longer manages it; the name is the creator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatorGone<'a> {
    NoApiAccess(&'a str),
    Removed(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HintKind {
    Disabled,
    ManagedByAdmins,
    Expired,
    BeyondPolicy,
    ExpiresSoon,
    Inactive,
    NeverUsed,
    Rotate,
    Shared,
    NewAddress,
}

impl HintKind {
    /// The badge's text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Disabled => "Disabled",
            Self::ManagedByAdmins => "Managed by admins",
            Self::Expired => "Expired",
            Self::BeyondPolicy => "Beyond policy",
            Self::ExpiresSoon => "Expires soon",
            Self::Inactive => "Inactive",
            Self::NeverUsed => "Never used",
            Self::Rotate => "Rotate",
            Self::Shared => "Shared",
            Self::NewAddress => "New address",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Self::Disabled | Self::Expired => Tone::Danger,
            Self::BeyondPolicy
            | Self::ExpiresSoon
            | Self::Inactive
            | Self::Shared
            | Self::NewAddress => Tone::Warn,
            Self::ManagedByAdmins | Self::NeverUsed | Self::Rotate => Tone::Info,
        }
    }
}

/// How loud a hint is; the badge's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Danger,
    Warn,
    Info,
}

impl Tone {
    /// The badge's CSS class.
    pub fn css_class(self) -> &'static str {
        match self {
            Self::Danger => "danger",
            Self::Warn => "warn",
            Self::Info => "info",
        }
    }
}

/// A one-sentence hint beside a key, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub kind: HintKind,
    pub sentence: String,
}

impl Hint {
    pub fn label(&self) -> &'static str {
        self.kind.label()
    }

    pub fn tone(&self) -> Tone {
        self.kind.tone()
    }
}

/// Whether a key still works but stops within `EXPIRY_NOTICE`.
pub fn expires_soon(expires_at: Option<PrimitiveDateTime>, now: PrimitiveDateTime) -> bool {
    expires_at.is_some_and(|t| t > now && t <= now + EXPIRY_NOTICE)
}

/// The hints for a key, most urgent first. `sightings` are this key's clients.
pub fn hints(key: &KeyFacts<'_>, sightings: &[Sighting], now: PrimitiveDateTime) -> Vec<Hint> {
    let mut hints = Vec::new();
    match (key.disabled, key.disabled_unused_days) {
        (Some((at, _)), Some(days)) => hints.push(Hint {
            kind: HintKind::Disabled,
            sentence: format!(
                "Disabled by the key policy on {} after {days} days unused: integrations using it are refused. Enable it if an integration still needs it, or delete it.",
                format::date(at)
            ),
        }),
        (Some((at, by)), None) => hints.push(Hint {
            kind: HintKind::Disabled,
            sentence: format!(
                "Disabled by {by} on {}: integrations using it are refused until it is enabled. Disabling first is the safe way to learn whether anything still uses a key before deleting it.",
                format::date(at)
            ),
        }),
        (None, _) => {}
    }
    if let Some(gone) = key.creator_gone {
        let why = match gone {
            CreatorGone::NoApiAccess(name) => format!("{name} no longer has API access"),
            CreatorGone::Removed(name) => format!("{name} was removed from the workspace"),
        };
        hints.push(Hint {
            kind: HintKind::ManagedByAdmins,
            sentence: format!(
                "Managed by admins: {why}. It keeps working; disable or delete it if no integration needs it."
            ),
        });
    }
    match key.expires_at {
        Some(t) if t <= now => hints.push(Hint {
            kind: HintKind::Expired,
            sentence: format!(
                "Expired on {}: integrations using it are refused. Regenerate it to issue a new secret, or delete it.",
                format::date(t)
            ),
        }),
        Some(t) if t <= now + EXPIRY_NOTICE => hints.push(Hint {
            kind: HintKind::ExpiresSoon,
            sentence: format!(
                "Expires {}: regenerate it or create a replacement before then.",
                format::relative(t, now)
            ),
        }),
        _ => {}
    }
    if let Some(max) = key.max_lifetime_days {
        let policy = KeyPolicy {
            max_lifetime_days: Some(max),
            ..KeyPolicy::default()
        };
        let expired = key.expires_at.is_some_and(|t| t <= now);
        if !expired && policy.exceeds_lifetime(key.secret_issued_at, key.expires_at) {
            hints.push(Hint {
                kind: HintKind::BeyondPolicy,
                sentence: format!(
                    "{} the key policy allows keys at most {max} days: regenerate it to give it an expiry within the policy.",
                    match key.expires_at {
                        Some(t) => format!("Expires on {}, later than", format::date(t)),
                        None => "Never expires, but".to_string(),
                    }
                ),
            });
        }
    }
    match key.last_used_at {
        Some(t) if now - t > INACTIVE_AFTER => hints.push(Hint {
            kind: HintKind::Inactive,
            sentence: "Not used in over 90 days: delete it if no integration needs it any more.".into(),
        }),
        None if now - key.secret_issued_at > SETUP_TIME => hints.push(Hint {
            kind: HintKind::NeverUsed,
            sentence: format!(
                "Not used since it was created {}: check that the integration has the entire key, with no extra spaces.",
                format::relative(key.secret_issued_at, now)
            ),
        }),
        _ => {}
    }
    if now - key.secret_issued_at > ROTATE_AFTER {
        hints.push(Hint {
            kind: HintKind::Rotate,
            sentence: "This secret is over 6 months old: regenerate it to rotate it.".into(),
        });
    }
    let window_start = now - SHARED_WINDOW;
    let agents: HashSet<&str> = sightings
        .iter()
        .filter(|s| s.kind == SightingKind::Agent && s.last_seen >= window_start)
        .map(|s| s.value.as_str())
        .collect();
    if agents.len() > 1 {
        hints.push(Hint {
            kind: HintKind::Shared,
            sentence: format!(
                "Used by {} different tools in the last 30 days: give each integration its own key, so you can revoke one without breaking the others.",
                agents.len()
            ),
        });
    }
    if let Some(address) = new_address(key, sightings, now) {
        hints.push(Hint {
            kind: HintKind::NewAddress,
            sentence: format!(
                "Used from {address}, an address not seen for this key in the previous 30 days: if you don't recognise it, regenerate the key."
            ),
        });
    }
    hints
}

/// The last address, if it first appeared in the past week and the key had been
/// used from other addresses before it (a key's first address is never "new").
fn new_address<'a>(
    key: &KeyFacts<'a>,
    sightings: &[Sighting],
    now: PrimitiveDateTime,
) -> Option<&'a str> {
    let ip = key.last_used_ip?;
    let current = sightings
        .iter()
        .find(|s| s.kind == SightingKind::Ip && s.value == ip)?;
    let recent = now - current.first_seen <= NEW_ADDRESS_WINDOW;
    let known_before = sightings
        .iter()
        .any(|s| s.kind == SightingKind::Ip && s.value != ip && s.first_seen < current.first_seen);
    (recent && known_before).then_some(ip)
}

#[cfg(test)]
mod tests;

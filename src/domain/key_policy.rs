//! The workspace's "Key policy": the choices an admin has, and the rules they set for keys
//! (an expiry within the maximum lifetime, a note on every key). The web layer checks a
//! form against it; the same checks run again inside the write transaction.

use time::{Duration, PrimitiveDateTime};

use super::key_settings::Expiry;

/// "Maximum key lifetime": the form's values and labels.
pub const LIFETIME_CHOICES: [(&str, &str); 5] = [
    ("none", "No limit"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("180", "180 days"),
    ("365", "365 days"),
];

/// "Disable keys unused for": the form's values and labels.
pub const UNUSED_CHOICES: [(&str, &str); 5] = [
    ("off", "Off"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("180", "180 days"),
    ("365", "365 days"),
];

/// Why a policy form was refused, one variant per field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyPolicyError {
    #[error("Choose a maximum key lifetime from the list: no limit, 30, 90, 180 or 365 days.")]
    UnknownLifetime,
    #[error(
        "Choose when unused keys are disabled from the list: off, or after 30, 90, 180 or 365 days."
    )]
    UnknownUnusedLimit,
}

/// Why a key was refused by the policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyRefusal {
    #[error("Your workspace's key policy requires keys to expire within {0} days.")]
    ExpiryBeyondLifetime(u16),
    #[error("Your workspace's key policy requires a note on every key: say where the key is used.")]
    NoteRequired,
}

/// The maximum lifetime: `None` is "No limit".
pub fn parse_lifetime(raw: &str) -> Result<Option<u16>, KeyPolicyError> {
    parse_days(raw, "none").ok_or(KeyPolicyError::UnknownLifetime)
}

/// The unused-key threshold: `None` is "Off".
pub fn parse_unused_limit(raw: &str) -> Result<Option<u16>, KeyPolicyError> {
    parse_days(raw, "off").ok_or(KeyPolicyError::UnknownUnusedLimit)
}

fn parse_days(raw: &str, none: &str) -> Option<Option<u16>> {
    match raw {
        r if r == none => Some(None),
        "30" => Some(Some(30)),
        "90" => Some(Some(90)),
        "180" => Some(Some(180)),
        "365" => Some(Some(365)),
        _ => None,
    }
}

/// A workspace's rules for keys. The default (no stored policy) allows everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyPolicy {
    /// New keys must expire within this many days of being issued.
    pub max_lifetime_days: Option<u16>,
    /// Enabled keys unused for this many days are disabled by the housekeeping job.
    pub auto_disable_unused_days: Option<u16>,
    pub require_note: bool,
}

impl KeyPolicy {
    /// The policy read back from its row; days were checked on the way in, and a value
    /// that does not fit is treated as the strictest sensible rule, never as "no rule".
    pub fn from_stored(lifetime: Option<i32>, unused: Option<i32>, require_note: bool) -> Self {
        let days = |d: i32| u16::try_from(d.max(1)).unwrap_or(u16::MAX);
        Self {
            max_lifetime_days: lifetime.map(days),
            auto_disable_unused_days: unused.map(days),
            require_note,
        }
    }

    /// Whether a new or regenerated key may have this expiry.
    pub fn check_expiry(&self, expiry: Expiry) -> Result<Expiry, PolicyRefusal> {
        match (self.max_lifetime_days, expiry.0) {
            (Some(max), None) => Err(PolicyRefusal::ExpiryBeyondLifetime(max)),
            (Some(max), Some(days)) if days > max => Err(PolicyRefusal::ExpiryBeyondLifetime(max)),
            _ => Ok(expiry),
        }
    }

    /// Whether a key may have this note (empty is refused when a note is required).
    pub fn check_note(&self, note: &str) -> Result<(), PolicyRefusal> {
        if self.require_note && note.trim().is_empty() {
            Err(PolicyRefusal::NoteRequired)
        } else {
            Ok(())
        }
    }

    /// The expiry choices of "Generate" (and "Regenerate") that the policy allows.
    pub fn expiry_choices(&self) -> Vec<(&'static str, &'static str)> {
        Expiry::CHOICES
            .into_iter()
            .filter(|(value, _)| {
                Expiry::parse(value).is_ok_and(|expiry| self.check_expiry(expiry).is_ok())
            })
            .collect()
    }

    /// The choice preselected on a fresh form: "never" without a limit, otherwise the
    /// longest expiry the policy allows.
    pub fn default_expiry(&self) -> &'static str {
        match self.max_lifetime_days {
            None => "never",
            Some(_) => self
                .expiry_choices()
                .last()
                .map_or("never", |(value, _)| *value),
        }
    }

    /// The rule a form states up front, when there is one.
    pub fn lifetime_rule(&self) -> Option<String> {
        self.max_lifetime_days
            .map(|max| PolicyRefusal::ExpiryBeyondLifetime(max).to_string())
    }

    /// Whether an existing key outlives the maximum lifetime: it never expires, or it
    /// expires later than `lifetime` days after its current secret was issued (created,
    /// or last regenerated). Regenerating it under the policy brings it back within.
    pub fn exceeds_lifetime(
        &self,
        secret_issued_at: PrimitiveDateTime,
        expires_at: Option<PrimitiveDateTime>,
    ) -> bool {
        match (self.max_lifetime_days, expires_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(max), Some(at)) => at > secret_issued_at + Duration::days(max.into()),
        }
    }

    /// The policy in words, for the audit log: each setting's label and value.
    pub fn describe(&self) -> [(&'static str, String); 3] {
        [
            (
                "Maximum key lifetime",
                self.max_lifetime_days
                    .map_or_else(|| "No limit".into(), |d| format!("{d} days")),
            ),
            (
                "Disable keys unused for",
                self.auto_disable_unused_days
                    .map_or_else(|| "Off".into(), |d| format!("{d} days")),
            ),
            (
                "Require a note on every key",
                if self.require_note { "Yes" } else { "No" }.into(),
            ),
        ]
    }

    /// "Maximum key lifetime: No limit → 90 days; …", naming only what changed; empty when
    /// nothing did.
    pub fn changes_from(&self, before: &KeyPolicy) -> String {
        before
            .describe()
            .into_iter()
            .zip(self.describe())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((label, old), (_, new))| format!("{label}: {old} → {new}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The form's value for each setting.
    pub fn lifetime_value(&self) -> String {
        self.max_lifetime_days
            .map_or_else(|| "none".into(), |d| d.to_string())
    }

    pub fn unused_value(&self) -> String {
        self.auto_disable_unused_days
            .map_or_else(|| "off".into(), |d| d.to_string())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const ISSUED: PrimitiveDateTime = datetime!(2026-01-01 12:00:00);

    fn lifetime(days: u16) -> KeyPolicy {
        KeyPolicy {
            max_lifetime_days: Some(days),
            ..KeyPolicy::default()
        }
    }

    #[test]
    fn the_offered_choices_parse_and_anything_else_is_refused() {
        assert_eq!(parse_lifetime("none"), Ok(None));
        assert_eq!(parse_lifetime("180"), Ok(Some(180)));
        assert_eq!(parse_unused_limit("off"), Ok(None));
        assert_eq!(parse_unused_limit("365"), Ok(Some(365)));
        for bad in ["", "60", "7", "-30", "off", "30 days", "9999"] {
            assert_eq!(
                parse_lifetime(bad),
                Err(KeyPolicyError::UnknownLifetime),
                "{bad}"
            );
        }
        for bad in ["", "none", "60", "1"] {
            assert_eq!(
                parse_unused_limit(bad),
                Err(KeyPolicyError::UnknownUnusedLimit),
                "{bad}"
            );
        }
        for (value, _) in LIFETIME_CHOICES {
            assert!(parse_lifetime(value).is_ok());
        }
        for (value, _) in UNUSED_CHOICES {
            assert!(parse_unused_limit(value).is_ok());
        }
    }

    #[test]
    fn an_expiry_must_fall_within_the_lifetime() {
        let policy = lifetime(90);
        assert_eq!(
            policy.check_expiry(Expiry(None)).unwrap_err().to_string(),
            "Your workspace's key policy requires keys to expire within 90 days."
        );
        assert!(policy.check_expiry(Expiry(Some(365))).is_err());
        assert!(policy.check_expiry(Expiry(Some(90))).is_ok());
        assert!(KeyPolicy::default().check_expiry(Expiry(None)).is_ok());
    }

    #[test]
    fn the_form_offers_only_expiries_within_the_lifetime_and_preselects_the_longest() {
        let values = |p: KeyPolicy| p.expiry_choices().iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(values(lifetime(30)), ["30"]);
        assert_eq!(values(lifetime(90)), ["30", "60", "90"]);
        assert_eq!(values(lifetime(180)), ["30", "60", "90"]);
        assert_eq!(values(lifetime(365)), ["30", "60", "90", "365"]);
        assert_eq!(values(KeyPolicy::default()).len(), 5);
        assert_eq!(lifetime(180).default_expiry(), "90");
        assert_eq!(KeyPolicy::default().default_expiry(), "never");
    }

    #[test]
    fn a_key_exceeds_the_lifetime_one_second_past_it_or_without_expiry() {
        let policy = lifetime(90);
        let limit = ISSUED + Duration::days(90);
        assert!(!policy.exceeds_lifetime(ISSUED, Some(limit)));
        assert!(policy.exceeds_lifetime(ISSUED, Some(limit + Duration::seconds(1))));
        assert!(policy.exceeds_lifetime(ISSUED, None));
        assert!(!KeyPolicy::default().exceeds_lifetime(ISSUED, None));
    }

    #[test]
    fn a_required_note_must_not_be_blank() {
        let policy = KeyPolicy {
            require_note: true,
            ..KeyPolicy::default()
        };
        assert_eq!(policy.check_note("  "), Err(PolicyRefusal::NoteRequired));
        assert!(policy.check_note("Clay table").is_ok());
        assert!(KeyPolicy::default().check_note("").is_ok());
    }

    #[test]
    fn changes_are_described_before_and_after_in_words() {
        let after = KeyPolicy {
            max_lifetime_days: Some(90),
            auto_disable_unused_days: None,
            require_note: true,
        };
        assert_eq!(
            after.changes_from(&KeyPolicy::default()),
            "Maximum key lifetime: No limit → 90 days; Require a note on every key: No → Yes"
        );
        assert_eq!(after.changes_from(&after), "");
    }

    #[test]
    fn a_stored_value_out_of_range_stays_a_rule() {
        let policy = KeyPolicy::from_stored(Some(0), Some(-5), false);
        assert_eq!(policy.max_lifetime_days, Some(1));
        assert_eq!(policy.auto_disable_unused_days, Some(1));
    }
}

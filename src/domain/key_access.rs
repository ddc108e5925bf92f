//! Everything a key is granted: its scopes (`Scopes`) and, on its own, "Verify keys",
//! which lets it ask `POST /api/keys/verify` about other keys of its workspace. An API
//! route asks for one or the other (`Need`); `KeyAccess::allows` decides.

use super::scopes::{Level, Permission, Resource, Scopes, ScopesError};

/// The scope code of "Verify keys", as the API's 403, OpenAPI and the docs name it.
pub const VERIFY_KEYS_CODE: &str = "keys:verify";

/// What an API route needs of the calling key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A resource at a level: Full access, Read only and Custom keys are judged by it.
    Scope(Permission),
    /// The "Verify keys" permission, whatever the key's access level.
    VerifyKeys,
}

impl Need {
    /// "campaigns:write" or "keys:verify".
    pub fn code(self) -> String {
        match self {
            Self::Scope(permission) => permission.code(),
            Self::VerifyKeys => VERIFY_KEYS_CODE.into(),
        }
    }

    /// In words: "write access to campaigns" or "the \"Verify keys\" permission".
    pub fn words(self) -> String {
        match self {
            Self::Scope(permission) => permission.words(),
            Self::VerifyKeys => "the \"Verify keys\" permission".into(),
        }
    }

    /// The resource and level, when the route is governed by one.
    pub fn scope(self) -> Option<Permission> {
        match self {
            Self::Scope(permission) => Some(permission),
            Self::VerifyKeys => None,
        }
    }
}

/// A key's scopes and whether it may verify other keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAccess {
    pub scopes: Scopes,
    pub verify_keys: bool,
}

/// Why the "Verify keys" box's value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Tick \"Verify keys\" to allow it, or leave it unticked.")]
pub struct VerifyChoiceError;

impl KeyAccess {
    /// As a key row stores it: `read_only`, `scopes` and `verify_keys`.
    pub fn from_stored(read_only: bool, scopes: Option<&str>, verify_keys: bool) -> Self {
        Self {
            scopes: Scopes::from_stored(read_only, scopes),
            verify_keys,
        }
    }

    /// The form field of the "Verify keys" checkbox.
    pub const VERIFY_FIELD: &'static str = "verify_keys";

    /// Custom access to no resource: with "Verify keys", the least a verifying service
    /// needs; alone, it is refused (`ScopesError::NothingAllowed`).
    pub const NO_DATA: Scopes = Scopes::Custom([Level::None; 6]);

    /// From the form's choices: a Custom key with no resource is accepted only when it
    /// verifies keys.
    pub fn from_choices(
        scopes: Result<Scopes, ScopesError>,
        verify_keys: bool,
    ) -> Result<Self, ScopesError> {
        let scopes = match scopes {
            Err(ScopesError::NothingAllowed) if verify_keys => Self::NO_DATA,
            other => other?,
        };
        Ok(Self {
            scopes,
            verify_keys,
        })
    }

    /// The checkbox as submitted: absent or empty is unticked, "on" (what browsers send)
    /// or "true" is ticked.
    pub fn parse_verify(raw: &str) -> Result<bool, VerifyChoiceError> {
        match raw {
            "" => Ok(false),
            "on" | "true" => Ok(true),
            _ => Err(VerifyChoiceError),
        }
    }

    /// Whether the key may call a route that needs `need`.
    pub fn allows(&self, need: Need) -> bool {
        match need {
            Need::Scope(permission) => self.scopes.allows(permission),
            Need::VerifyKeys => self.verify_keys,
        }
    }

    /// In words, as the list, "Edit access", "Check a key" and the audit log show it:
    /// "Read only · Verify keys".
    pub fn describe(&self) -> String {
        if self.scopes == Self::NO_DATA && self.verify_keys {
            return "Verify keys only".into();
        }
        let scopes = self.scopes.describe();
        if self.verify_keys {
            format!("{scopes} · Verify keys")
        } else {
            scopes
        }
    }

    /// Every scope code the key holds, e.g. `["leads:read", "keys:verify"]`: what the
    /// verify answer lists, so a service can check a scope without knowing access levels.
    pub fn codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = Resource::ALL
            .into_iter()
            .map(|resource| (resource, self.scopes.level(resource)))
            .filter(|(_, level)| *level != Level::None)
            .map(|(resource, level)| Permission::new(resource, level).code())
            .collect();
        if self.verify_keys {
            codes.push(VERIFY_KEYS_CODE.into());
        }
        codes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_keys_is_granted_on_its_own_whatever_the_access() {
        let full = KeyAccess {
            scopes: Scopes::Full,
            verify_keys: false,
        };
        assert!(
            !full.allows(Need::VerifyKeys),
            "Full access does not include it"
        );
        let verifier = KeyAccess {
            scopes: Scopes::ReadOnly,
            verify_keys: true,
        };
        assert!(verifier.allows(Need::VerifyKeys));
        let write = Need::Scope(Permission::new(Resource::Leads, Level::Write));
        assert!(!verifier.allows(write), "nor does it widen the scopes");
    }

    #[test]
    fn the_access_reads_in_words_and_in_codes() {
        let scopes =
            Scopes::parse("custom", [("scope_leads", "write"), ("scope_team", "read")]).unwrap();
        let access = KeyAccess {
            scopes,
            verify_keys: true,
        };
        assert_eq!(access.describe(), "Read: team · Write: leads · Verify keys");
        assert_eq!(access.codes(), ["team:read", "leads:write", "keys:verify"]);
        let plain = KeyAccess {
            scopes: Scopes::ReadOnly,
            verify_keys: false,
        };
        assert_eq!(plain.describe(), "Read only");
        assert_eq!(plain.codes().len(), Resource::ALL.len());
    }

    #[test]
    fn a_custom_key_with_no_resource_is_only_accepted_to_verify_keys() {
        let nothing = || Scopes::parse("custom", [("scope_leads", "none")]);
        assert_eq!(
            KeyAccess::from_choices(nothing(), false),
            Err(ScopesError::NothingAllowed)
        );
        let verifier = KeyAccess::from_choices(nothing(), true).unwrap();
        assert_eq!(verifier.describe(), "Verify keys only");
        assert_eq!(verifier.codes(), ["keys:verify"]);
        let (read_only, stored) = verifier.scopes.to_stored();
        assert_eq!(
            Scopes::from_stored(read_only, stored.as_deref()),
            KeyAccess::NO_DATA,
            "it reads back as it was stored"
        );
        let unknown = Scopes::parse("custom", [("scope_billing", "read")]);
        assert!(
            KeyAccess::from_choices(unknown, true).is_err(),
            "other refusals stay"
        );
    }

    #[test]
    fn the_checkbox_accepts_what_browsers_send_and_nothing_else() {
        assert_eq!(KeyAccess::parse_verify(""), Ok(false));
        assert_eq!(KeyAccess::parse_verify("on"), Ok(true));
        assert_eq!(KeyAccess::parse_verify("true"), Ok(true));
        assert_eq!(
            KeyAccess::parse_verify("yes please"),
            Err(VerifyChoiceError)
        );
    }

    #[test]
    fn needs_have_a_code_and_words() {
        assert_eq!(Need::VerifyKeys.code(), "keys:verify");
        assert_eq!(Need::VerifyKeys.words(), "the \"Verify keys\" permission");
        let read = Need::Scope(Permission::new(Resource::Team, Level::Read));
        assert_eq!(read.code(), "team:read");
        assert_eq!(
            read.scope(),
            Some(Permission::new(Resource::Team, Level::Read))
        );
        assert_eq!(Need::VerifyKeys.scope(), None);
    }
}

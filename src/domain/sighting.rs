//! Clients seen using a key: an address or a user agent, with when it first and last appeared.

use time::PrimitiveDateTime;

/// What was seen. Stored as "ip" or "agent" in `api_key_clients.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SightingKind {
    Ip,
    Agent,
}

/// A stored kind this version does not know: the row was written by something else,
/// so reading it must fail rather than guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown client sighting kind {0:?}: expected \"ip\" or \"agent\"")]
pub struct UnknownSightingKind(String);

impl SightingKind {
    pub fn parse(stored: &str) -> Result<Self, UnknownSightingKind> {
        match stored {
            "ip" => Ok(Self::Ip),
            "agent" => Ok(Self::Agent),
            other => Err(UnknownSightingKind(other.to_string())),
        }
    }

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Agent => "agent",
        }
    }
}

/// Lets the database layer read the stored string straight into the enum.
impl TryFrom<String> for SightingKind {
    type Error = UnknownSightingKind;

    fn try_from(stored: String) -> Result<Self, Self::Error> {
        Self::parse(&stored)
    }
}

/// One address or user agent seen using a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub kind: SightingKind,
    pub value: String,
    pub first_seen: PrimitiveDateTime,
    pub last_seen: PrimitiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_back_from_its_stored_form() {
        for kind in [SightingKind::Ip, SightingKind::Agent] {
            assert_eq!(SightingKind::parse(kind.as_str()), Ok(kind));
        }
    }

    #[test]
    fn the_stored_forms_are_ip_and_agent() {
        assert_eq!(SightingKind::Ip.as_str(), "ip");
        assert_eq!(SightingKind::Agent.as_str(), "agent");
    }

    #[test]
    fn an_unknown_stored_kind_is_an_error_that_names_it() {
        let error = SightingKind::parse("IP").unwrap_err();
        assert_eq!(error, UnknownSightingKind("IP".into()));
        assert!(error.to_string().contains("\"IP\""));
        assert!(SightingKind::try_from(String::new()).is_err());
    }
}

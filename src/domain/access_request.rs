//! An access request's reason (the member's, or the admin's for a decline) and its status.

use std::fmt;

use super::name::InvisibleCharacter;

/// Why a reason was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("Use at most {max} characters (this reason has {0}).", max = Reason::MAX_CHARS)]
    TooLong(usize),
    #[error("Remove the control characters from the reason.")]
    ControlCharacters,
    #[error("{0}")]
    Invisible(InvisibleCharacter),
}

/// Optional free text, trimmed, up to 500 characters; line breaks allowed, other control
/// characters and invisible formatting characters not (as in a key's note).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Self, ReasonError> {
        let reason = raw.trim();
        let len = reason.chars().count();
        if len > Self::MAX_CHARS {
            return Err(ReasonError::TooLong(len));
        }
        if reason
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(ReasonError::ControlCharacters);
        }
        if let Some(invisible) = InvisibleCharacter::find(raw) {
            return Err(ReasonError::Invisible(invisible));
        }
        Ok(Self(reason.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a request stands. Stored as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Approved,
    Declined,
}

/// A stored status this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown access request status {0:?}")]
pub struct UnknownStatus(pub String);

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
        }
    }
}

/// How a stored status is read back: an unknown value is an error, never a default.
impl TryFrom<String> for RequestStatus {
    type Error = UnknownStatus;

    fn try_from(stored: String) -> Result<Self, UnknownStatus> {
        match stored.as_str() {
            "pending" => Ok(Self::Pending),
            "approved" => Ok(Self::Approved),
            "declined" => Ok(Self::Declined),
            _ => Err(UnknownStatus(stored)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_optional_trimmed_and_at_most_500_characters() {
        assert_eq!(Reason::parse("  ").unwrap().as_str(), "");
        assert_eq!(
            Reason::parse(" For the CRM sync \n").unwrap().as_str(),
            "For the CRM sync"
        );
        assert!(Reason::parse(&"é".repeat(500)).is_ok());
        assert_eq!(
            Reason::parse(&"x".repeat(501)),
            Err(ReasonError::TooLong(501))
        );
        assert_eq!(
            ReasonError::TooLong(501).to_string(),
            "Use at most 500 characters (this reason has 501)."
        );
        assert_eq!(
            Reason::parse("a\u{7}b"),
            Err(ReasonError::ControlCharacters)
        );
    }

    #[test]
    fn every_status_reads_back_and_an_unknown_one_is_an_error() {
        for status in [
            RequestStatus::Pending,
            RequestStatus::Approved,
            RequestStatus::Declined,
        ] {
            assert_eq!(
                RequestStatus::try_from(status.as_str().to_string()),
                Ok(status)
            );
        }
        assert!(RequestStatus::try_from("maybe".to_string()).is_err());
    }
}

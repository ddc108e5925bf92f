//! A member's role in the workspace.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Member,
}

/// A role that is neither "admin" nor "member".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose Admin or Member.")]
pub struct UnknownRole(pub String);

impl Role {
    pub fn parse(raw: &str) -> Result<Self, UnknownRole> {
        match raw {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            other => Err(UnknownRole(other.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Member => "Member",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How a stored role is read back: an unknown value is an error, never a default.
impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(stored: String) -> Result<Self, UnknownRole> {
        Self::parse(&stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_roles_read_back_from_their_stored_form() {
        for role in [Role::Admin, Role::Member] {
            assert_eq!(Role::try_from(role.as_str().to_string()), Ok(role));
        }
    }

    #[test]
    fn an_unknown_stored_role_is_an_error_not_a_member() {
        assert_eq!(
            Role::try_from("owner".to_string()),
            Err(UnknownRole("owner".into()))
        );
        assert_eq!(Role::parse("Admin"), Err(UnknownRole("Admin".into())));
    }
}

//! The one-time setup code that guards `/setup` while no user exists: printed at start
//! in a link (`/setup?code=…`) that fills it in, or typed from the server's log.

use std::fmt;

use rand::RngExt;
use sha2::{Digest, Sha256};

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L, 5/S, 2/Z).
const ALPHABET: &[u8] = b"346789ABCDEFGHJKMNPQRTUVWXY";
const GROUPS: usize = 3;
const GROUP_LEN: usize = 4;

/// "K7QX-3M9A-HW4T": about 57 bits, plenty for a code that lives until setup is done.
#[derive(Clone, PartialEq, Eq)]
pub struct SetupCode(String);

/// A typed code that is not this server's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Enter the setup code from Keydesk's log: open the link it printed when it started (\"Open http://…/setup?code=…\"), or type the code after \"code=\". Or create the admin on the server with `keydesk create-admin`."
)]
pub struct WrongSetupCode;

impl SetupCode {
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let groups: Vec<String> = (0..GROUPS)
            .map(|_| {
                (0..GROUP_LEN)
                    .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                    .collect()
            })
            .collect();
        Self(groups.join("-"))
    }

    /// Reads back what `as_str` stored.
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks what was typed: case, spaces and dashes do not matter. Compares digests,
    /// so the time taken says nothing about how much of the code was right.
    pub fn check(&self, typed: &str) -> Result<(), WrongSetupCode> {
        let digest = |s: &str| {
            let normal: String = s
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_uppercase())
                .collect();
            Sha256::digest(normal.as_bytes())
        };
        if digest(typed) == digest(&self.0) {
            Ok(())
        } else {
            Err(WrongSetupCode)
        }
    }
}

/// The code is meant for the log; `Debug` still keeps it out of stray debug output.
impl fmt::Debug for SetupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetupCode(…)")
    }
}

impl fmt::Display for SetupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_three_groups_of_four_unambiguous_characters() {
        let code = SetupCode::generate();
        let groups: Vec<&str> = code.as_str().split('-').collect();
        assert_eq!(groups.len(), 3);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| ALPHABET.contains(&b)))
        );
        assert_ne!(code, SetupCode::generate(), "codes are random");
    }

    #[test]
    fn case_spaces_and_dashes_do_not_matter() {
        let code = SetupCode::from_stored("K7QX-3M9A-HW4T");
        assert_eq!(code.check("K7QX-3M9A-HW4T"), Ok(()));
        assert_eq!(code.check(" k7qx 3m9a hw4t "), Ok(()));
        assert_eq!(code.check("K7QX3M9AHW4T"), Ok(()));
    }

    #[test]
    fn any_other_code_is_refused() {
        let code = SetupCode::from_stored("K7QX-3M9A-HW4T");
        for typed in ["", "K7QX-3M9A-HW4", "K7QX-3M9A-HW4X", "K7QX-3M9A-HW4T-A"] {
            assert_eq!(code.check(typed), Err(WrongSetupCode), "{typed}");
        }
        assert!(!format!("{code:?}").contains("K7QX"));
    }
}

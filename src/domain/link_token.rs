//! One-time link tokens (invitations, password resets): 32 bytes from the OS CSPRNG
//! written as 64 hex digits, stored only as their SHA-256 digest.

use rand::Rng;
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use sha2::{Digest, Sha256};

const BYTES: usize = 32;
/// Length of a token in a link: two hex digits per byte.
pub const TOKEN_LEN: usize = BYTES * 2;

/// A token in plain text: it exists only in memory and in the one page (or terminal
/// line) that shows its link. No `Debug`, `Display` or `Serialize`.
pub struct LinkToken(String);

/// The SHA-256 of a token: what the database stores and looks up. A fast digest is
/// enough for 256 random bits; `Debug` prints nothing of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LinkDigest(pub [u8; 32]);

impl std::fmt::Debug for LinkDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkDigest(..)")
    }
}

/// A link whose token cannot be one of ours (cut short, edited): the same page as an
/// unknown one, so nothing is learnt from the difference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("This link is not valid. Check that it was copied whole, or ask for a new one.")]
pub struct MalformedLink;

impl LinkToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; BYTES];
        UnwrapErr(SysRng).fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// A token from a link: exactly 64 lowercase hex digits.
    pub fn parse(raw: &str) -> Result<Self, MalformedLink> {
        let well_formed = raw.len() == TOKEN_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed {
            Ok(Self(raw.to_string()))
        } else {
            Err(MalformedLink)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> LinkDigest {
        LinkDigest(Sha256::digest(self.0.as_bytes()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_64_hex_digits_and_reads_back() {
        let token = LinkToken::generate();
        assert_eq!(token.expose().len(), TOKEN_LEN);
        let again = LinkToken::parse(token.expose()).unwrap();
        assert_eq!(again.digest(), token.digest());
        assert_ne!(
            LinkToken::generate().expose(),
            token.expose(),
            "tokens are random"
        );
    }

    #[test]
    fn cut_short_or_edited_tokens_are_malformed() {
        let token = LinkToken::generate();
        let raw = token.expose();
        assert_eq!(LinkToken::parse(&raw[1..]).err(), Some(MalformedLink));
        assert_eq!(
            LinkToken::parse(&format!("{}x", &raw[1..])).err(),
            Some(MalformedLink)
        );
        assert_eq!(
            LinkToken::parse(&raw.to_uppercase()).err(),
            Some(MalformedLink)
        );
        assert_eq!(format!("{:?}", token.digest()), "LinkDigest(..)");
    }
}

//! API keys: `kd_` + 32 random base62 characters + a 6-character base62 CRC32 of
//! the random part. The checksum catches typos and truncation before any database
//! work, and the fixed shape makes leaked keys findable with `kd_[0-9A-Za-z]{38}`.

use rand::distr::{Alphanumeric, SampleString};
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "kd_";
const RANDOM_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
/// Length of a whole key: prefix + random part + checksum.
pub const KEY_LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;

/// A key in plain text. It exists only in memory and in the one response that shows
/// it: no `Debug`, `Display` or `Serialize`, so it cannot reach a log by accident.
pub struct PlainKey(String);

/// The SHA-256 of a key: what the database stores and looks up. A fast digest is
/// right here: a key has 190 bits of entropy, so there is nothing to brute-force,
/// and every API request needs a single indexed lookup (argon2 is for passwords).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyDigest(pub [u8; 32]);

impl std::fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyDigest(..)")
    }
}

/// Why a string is not a well-formed key, in words that say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("No key was given.")]
    Empty,
    #[error(
        "The key contains spaces or line breaks. Copy it again without extra spaces or characters."
    )]
    Whitespace,
    #[error("This is not a Keydesk key: Keydesk keys start with \"kd_\".")]
    WrongPrefix,
    #[error("The key is too short: it looks truncated. Copy the entire key.")]
    Truncated,
    #[error(
        "The key is too long: something extra was pasted with it. Copy the entire key and nothing else."
    )]
    TooLong,
    #[error("The key contains characters that Keydesk keys never have. Copy the entire key again.")]
    InvalidCharacters,
    #[error(
        "The key's checksum does not match: a character was changed or lost. Copy the entire key."
    )]
    BadChecksum,
}

fn checksum(random: &str) -> String {
    format!(
        "{:0>6}",
        base62::encode_fmt(crc32fast::hash(random.as_bytes()))
    )
}

impl PlainKey {
    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let random = Alphanumeric.sample_string(&mut UnwrapErr(SysRng), RANDOM_LEN);
        let sum = checksum(&random);
        Self(format!("{PREFIX}{random}{sum}"))
    }

    /// Checks the shape and checksum of a pasted key. Nothing here touches the database.
    pub fn parse(raw: &str) -> Result<Self, KeyFormatError> {
        if raw.trim().is_empty() {
            return Err(KeyFormatError::Empty);
        }
        if raw.chars().any(char::is_whitespace) {
            return Err(KeyFormatError::Whitespace);
        }
        let Some(body) = raw.strip_prefix(PREFIX) else {
            return Err(KeyFormatError::WrongPrefix);
        };
        if !body.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(KeyFormatError::InvalidCharacters);
        }
        match body.len() {
            n if n < RANDOM_LEN + CHECKSUM_LEN => return Err(KeyFormatError::Truncated),
            n if n > RANDOM_LEN + CHECKSUM_LEN => return Err(KeyFormatError::TooLong),
            _ => {}
        }
        let (random, sum) = body.split_at(RANDOM_LEN);
        if checksum(random) != sum {
            return Err(KeyFormatError::BadChecksum);
        }
        Ok(Self(raw.to_string()))
    }

    pub fn digest(&self) -> KeyDigest {
        KeyDigest(Sha256::digest(self.0.as_bytes()).into())
    }

    /// The last four characters, kept for display ("kd_…AbCd").
    pub fn last4(&self) -> String {
        self.0[self.0.len() - 4..].to_string()
    }

    /// The secret itself, for the one response that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// How a key is shown after creation: the prefix and its last four characters.
pub fn masked(last4: &str) -> String {
    format!("{PREFIX}…{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_has_the_documented_shape_and_parses() {
        let key = PlainKey::generate();
        let s = key.expose();
        assert_eq!(s.len(), KEY_LEN);
        assert!(s.starts_with("kd_"));
        assert!(s[3..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert!(PlainKey::parse(s).is_ok());
        assert_eq!(key.last4(), &s[s.len() - 4..]);
    }

    #[test]
    fn generated_keys_differ() {
        let a = PlainKey::generate();
        let b = PlainKey::generate();
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.digest(), b.digest());
    }

    #[test]
    fn the_digest_is_sha256_of_the_whole_key() {
        let key = PlainKey::generate();
        let expected: [u8; 32] = Sha256::digest(key.expose().as_bytes()).into();
        assert_eq!(key.digest().0, expected);
        assert_eq!(format!("{:?}", key.digest()), "KeyDigest(..)");
    }

    #[test]
    fn each_malformation_has_its_own_error() {
        let good = PlainKey::generate().expose().to_string();
        assert_eq!(PlainKey::parse("").err(), Some(KeyFormatError::Empty));
        assert_eq!(
            PlainKey::parse(&format!(" {good}")).err(),
            Some(KeyFormatError::Whitespace)
        );
        assert_eq!(
            PlainKey::parse(&format!("{good}\n")).err(),
            Some(KeyFormatError::Whitespace)
        );
        assert_eq!(
            PlainKey::parse(&good.replacen("kd_", "ll_", 1)).err(),
            Some(KeyFormatError::WrongPrefix)
        );
        assert_eq!(
            PlainKey::parse(&good[..good.len() - 1]).err(),
            Some(KeyFormatError::Truncated)
        );
        assert_eq!(
            PlainKey::parse(&format!("{good}x")).err(),
            Some(KeyFormatError::TooLong)
        );
        assert_eq!(
            PlainKey::parse(&good.replacen('_', "_-", 1)[..KEY_LEN]).err(),
            Some(KeyFormatError::InvalidCharacters)
        );
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let good = PlainKey::generate().expose().to_string();
        let mut chars: Vec<char> = good.chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(
            PlainKey::parse(&typo).err(),
            Some(KeyFormatError::BadChecksum)
        );
    }

    #[test]
    fn the_checksum_is_six_base62_characters() {
        assert_eq!(checksum("").len(), 6);
        assert_eq!(
            checksum("0"),
            format!("{:0>6}", base62::encode_fmt(crc32fast::hash(b"0")))
        );
    }
}

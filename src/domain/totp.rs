//! Two-factor authentication codes (TOTP, RFC 6238: HMAC-SHA-1, 30-second steps,
//! 6 digits, one step of clock drift either way) and single-use recovery codes.
//!
//! The secret is a secret: it is never logged, and `TotpSecret`'s `Debug` hides it.

use qrcode::QrCode;
use qrcode::render::svg;
use rand::distr::Uniform;
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use rand::{Rng, RngExt};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// The name authenticator apps show above the code.
pub const ISSUER: &str = "Keydesk";
/// How many recovery codes a set has.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code: lowercase letters and digits without look-alikes.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_HALF: usize = 5;

/// A TOTP shared secret, as base32 (what the user types into an app by hand).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(String);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// 160 random bits (RFC 4226's recommendation) from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 20];
        UnwrapErr(SysRng).fill_bytes(&mut bytes);
        Self(Secret::from(bytes).to_base32())
    }

    /// A stored secret; `None` if it is not valid base32 of a usable length.
    pub fn from_stored(base32: &str) -> Option<Self> {
        let secret = Self(base32.to_owned());
        secret.totp(None).map(|_| secret)
    }

    pub fn as_base32(&self) -> &str {
        &self.0
    }

    /// The secret in groups of four, easier to type into an app.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn totp(&self, account: Option<&str>) -> Option<Totp> {
        let secret = Secret::try_from_base32(&self.0).ok()?;
        let mut builder = Builder::new().with_secret(secret);
        if let Some(account) = account {
            builder = builder
                .with_issuer(Some(ISSUER))
                .with_account_name(account.replace(':', ""));
        }
        builder.build().ok()
    }

    /// The time step `code` belongs to, if it is right for `unix_seconds` within one
    /// step either way. Spaces in the code are ignored. The caller refuses a step that is
    /// not greater than the last one accepted (no replay).
    pub fn verify(&self, code: &str, unix_seconds: u64) -> Option<i64> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let step = self.totp(None)?.check(&code, unix_seconds)?;
        i64::try_from(step).ok()
    }

    /// The code for `unix_seconds` (tests and the browser journey compute codes this way).
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.totp(None)
            .map(|t| t.generate(unix_seconds).to_string())
            .unwrap_or_default()
    }

    /// `otpauth://totp/Keydesk:<email>?secret=…&issuer=Keydesk`, what the QR code holds.
    pub fn otpauth_uri(&self, email: &str) -> Option<String> {
        self.totp(Some(email))?.to_url().ok()
    }

    /// The otpauth URI as an inline SVG QR code (no script, no image request).
    pub fn qr_svg(&self, email: &str) -> Option<String> {
        let uri = self.otpauth_uri(email)?;
        let code = QrCode::new(uri.as_bytes()).ok()?;
        let svg = code
            .render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build();
        let start = svg.find("<svg")?;
        Some(svg[start..].replacen(
            "<svg",
            "<svg class=\"qr-code\" role=\"img\" aria-label=\"QR code to scan with an authenticator app\"",
            1,
        ))
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Ten fresh recovery codes like `k3m9p-x7qrt`, from the OS CSPRNG.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = UnwrapErr(SysRng);
    let pick = Uniform::new(0, RECOVERY_ALPHABET.len()).expect("non-empty alphabet");
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut half = || -> String {
                (0..RECOVERY_HALF)
                    .map(|_| RECOVERY_ALPHABET[rng.sample(pick)] as char)
                    .collect()
            };
            let first = half();
            format!("{first}-{}", half())
        })
        .collect()
}

/// A typed recovery code in its canonical form (lowercase, hyphen in the middle), or
/// `None` if it cannot be one.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if chars.len() != 2 * RECOVERY_HALF || !chars.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!(
        "{}-{}",
        &chars[..RECOVERY_HALF],
        &chars[RECOVERY_HALF..]
    ))
}

/// What is stored for a recovery code: its SHA-256, hex.
pub fn recovery_code_digest(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" (8-digit vectors; the
    /// 6-digit code is their last six digits).
    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        let secret = TotpSecret(Secret::from(b"12345678901234567890".to_vec()).to_base32());
        assert_eq!(secret.code_at(59), "287082");
        assert_eq!(secret.code_at(1111111109), "081804");
        assert_eq!(secret.code_at(1234567890), "005924");
        assert_eq!(secret.verify("287 082", 59), Some(1));
    }

    #[test]
    fn accepts_one_step_of_drift_and_no_more() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let code = secret.code_at(now);
        let step = (now / 30) as i64;
        assert_eq!(secret.verify(&code, now + 30), Some(step));
        assert_eq!(secret.verify(&code, now - 30), Some(step));
        assert_eq!(secret.verify(&code, now + 61), None);
        assert_eq!(secret.verify("12345", now), None);
        assert_eq!(secret.verify("abcdef", now), None);
    }

    #[test]
    fn the_uri_names_the_issuer_and_the_account() {
        let secret = TotpSecret::generate();
        let uri = secret.otpauth_uri("ada@example.com").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Keydesk:ada%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={}", secret.as_base32())));
        assert!(uri.contains("issuer=Keydesk"));
        let svg = secret.qr_svg("ada@example.com").unwrap();
        assert!(svg.starts_with("<svg class=\"qr-code\" role=\"img\""));
        assert!(!format!("{secret:?}").contains(secret.as_base32()));
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalize() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        for code in &codes {
            assert_eq!(
                normalize_recovery_code(code).as_deref(),
                Some(code.as_str())
            );
            let shouted = code.to_uppercase().replace('-', " ");
            assert_eq!(
                normalize_recovery_code(&shouted).as_deref(),
                Some(code.as_str())
            );
        }
        assert_eq!(normalize_recovery_code("123456"), None);
    }
}

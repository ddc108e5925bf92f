//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1).

use std::sync::LazyLock;

use anyhow::Context;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string for `password`. CPU-heavy: call it from a blocking thread.
pub fn hash(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .context("hashing a password failed")
}

/// A hash of nothing anyone knows, verified when the email is unknown so that a
/// wrong email costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("keydesk-dummy-password-never-matches").expect("dummy hash"));

/// Checks `password` against `stored`, or against a dummy hash when there is no
/// account, so both paths do one full argon2 verification.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let Some(stored) = stored else {
        let _ = hasher().verify_password(password.as_bytes(), DUMMY_HASH.as_str());
        return false;
    };
    hasher()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// `hash` on a blocking thread, holding no database connection while argon2 runs.
pub async fn hash_off_thread(password: crate::domain::Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash(password.expose())).await?
}

/// `verify` on a blocking thread, holding no database connection while argon2 runs.
pub async fn verify_off_thread(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    Ok(tokio::task::spawn_blocking(move || verify(&password, stored.as_deref())).await?)
}

/// Computes the dummy hash ahead of the first login.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("wrong horse battery", Some(&stored)));
        assert!(!verify("correct horse battery", None));
    }
}

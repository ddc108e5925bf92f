//! Table rows and their queries: plain synchronous diesel functions over `&mut DbConnection`.

pub mod access_request;
pub mod activity;
pub mod api_key;
pub mod audit;
pub mod campaign;
pub mod form_nonce;
pub mod hook;
pub mod hook_delivery;
pub mod invitation;
pub mod key_client;
pub mod key_policy;
pub mod key_usage;
pub mod lead;
pub mod login_failure;
pub mod password_reset;
pub mod recovery_code;
pub mod secret;
pub mod session;
pub mod unsubscribe;
pub mod user;
pub mod workspace;

/// A fresh public id in lemlist's style: `cam_` + 17 random letters and digits.
pub fn public_id(prefix: &str) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!(
        "{prefix}_{}",
        Alphanumeric.sample_string(&mut rand::rng(), 17)
    )
}

/// The stable public id of a row known by its integer id (teams, users).
pub fn derived_public_id(prefix: &str, id: i32) -> String {
    stable_public_id(prefix, &id.to_string())
}

/// A public id that is always the same for the same `seed` (a contact: one person,
/// by workspace and email, across campaigns).
pub fn stable_public_id(prefix: &str, seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("keydesk:{prefix}:{seed}").as_bytes());
    let mut out = format!("{prefix}_");
    for byte in &digest[..17] {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        out.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
    }
    out
}

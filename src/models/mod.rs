//! Table rows and their queries: plain synchronous diesel functions over `&mut DbConnection`.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

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
/// Remembered once computed (a digest per id on every API response adds up); the memo
/// is emptied when it reaches `DERIVED_IDS_REMEMBERED` entries.
pub fn derived_public_id(prefix: &'static str, id: i32) -> String {
    type Memo = RwLock<HashMap<(&'static str, i32), Box<str>>>;
    static MEMO: LazyLock<Memo> = LazyLock::new(Memo::default);
    let read = MEMO.read().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = read.get(&(prefix, id)) {
        return known.to_string();
    }
    drop(read);
    let derived = stable_public_id(prefix, &id.to_string());
    let mut memo = MEMO.write().unwrap_or_else(|e| e.into_inner());
    if memo.len() >= DERIVED_IDS_REMEMBERED {
        memo.clear();
    }
    memo.insert((prefix, id), derived.as_str().into());
    derived
}

/// How many derived ids `derived_public_id` keeps: teams and users, so a few per workspace.
const DERIVED_IDS_REMEMBERED: usize = 65_536;

/// A public id that is always the same for the same `seed` (a contact: one person,
/// by workspace and email, across campaigns).
pub fn stable_public_id(prefix: &str, seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update("keydesk:")
        .chain_update(prefix)
        .chain_update(":")
        .chain_update(seed)
        .finalize();
    let mut out = String::with_capacity(prefix.len() + 18);
    out.push_str(prefix);
    out.push('_');
    for byte in &digest[..17] {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        out.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_stay_what_clients_have_stored() {
        // Pinned: a client keeps these ids, so neither the memo nor the digest may change them.
        for _ in 0..2 {
            assert_eq!(derived_public_id("usr", 1), "usr_koQ9gxrvR9F0U5P3Q");
            assert_eq!(derived_public_id("tea", 42), "tea_bk1z6uM2TXLfaztf6");
        }
        assert_eq!(stable_public_id("usr", "1"), "usr_koQ9gxrvR9F0U5P3Q");
        assert_ne!(derived_public_id("usr", 42), derived_public_id("tea", 42));
    }
}

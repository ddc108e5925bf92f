//! Table rows and their queries: plain synchronous diesel functions over `&mut DbConnection`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

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

/// How this install makes the public ids of rows known by an integer id (teams `tea_`,
/// users `usr_`, keys `key_`) and of seeds (contacts `ctc_`): a digest over the install's
/// own random value (`PUBLIC_ID_SEED` in `server_secrets`, made once at the first start),
/// so two installs never answer the same ids, while one install's stay the same across
/// restarts, upgrades and backups of its database. An install that handed out ids before
/// this value existed was given an empty one by its migration: its ids stay exactly what
/// its clients (Airbyte, n8n, ...) have stored.
#[derive(Clone)]
pub struct PublicIds(Arc<InstallIds>);

struct InstallIds {
    seed: Vec<u8>,
    /// Derived ids remembered once computed (a digest per id on every API response adds
    /// up); emptied when it reaches `DERIVED_IDS_REMEMBERED` entries.
    memo: RwLock<HashMap<(&'static str, i32), Box<str>>>,
}

/// The `server_secrets` row that holds the install's value.
pub const PUBLIC_ID_SEED: &str = "public_id_seed";

/// How many derived ids `PublicIds` keeps: teams and users, so a few per workspace.
const DERIVED_IDS_REMEMBERED: usize = 65_536;

impl std::fmt::Debug for PublicIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicIds(..)")
    }
}

impl PublicIds {
    /// The ids of the install whose value is `seed` (empty: an install from before).
    pub fn new(seed: Vec<u8>) -> Self {
        Self(Arc::new(InstallIds {
            seed,
            memo: RwLock::default(),
        }))
    }

    /// The install's ids, its value made now if it has none yet (two instances starting
    /// together keep the one stored first).
    pub fn of_install(conn: &mut crate::db::DbConnection) -> diesel::QueryResult<Self> {
        secret::get_or_create(conn, PUBLIC_ID_SEED, || rand::random::<[u8; 32]>().to_vec())
            .map(Self::new)
    }

    /// The stable public id of a row known by its integer id (teams, users, keys).
    pub fn derived(&self, prefix: &'static str, id: i32) -> String {
        let read = self.0.memo.read().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = read.get(&(prefix, id)) {
            return known.to_string();
        }
        drop(read);
        let derived = self.stable(prefix, &id.to_string());
        let mut memo = self.0.memo.write().unwrap_or_else(|e| e.into_inner());
        if memo.len() >= DERIVED_IDS_REMEMBERED {
            memo.clear();
        }
        memo.insert((prefix, id), derived.as_str().into());
        derived
    }

    /// A public id that is always the same for the same `seed` on this install (a
    /// contact: one person, by workspace and email, across campaigns).
    pub fn stable(&self, prefix: &str, seed: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut digest = Sha256::new().chain_update("keydesk:");
        if !self.0.seed.is_empty() {
            digest = digest
                .chain_update(hex::encode(&self.0.seed))
                .chain_update(":");
        }
        let digest = digest
            .chain_update(prefix)
            .chain_update(":")
            .chain_update(seed)
            .finalize();
        let mut out = String::with_capacity(prefix.len() + 18);
        out.push_str(prefix);
        out.push('_');
        for byte in &digest[..17] {
            const ALPHABET: &[u8] =
                b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
            out.push(ALPHABET[usize::from(*byte) % ALPHABET.len()] as char);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_install_from_before_keeps_the_ids_its_clients_have_stored() {
        // Pinned: a client keeps these ids, so neither the memo nor the digest may change them.
        let before = PublicIds::new(Vec::new());
        for _ in 0..2 {
            assert_eq!(before.derived("usr", 1), "usr_koQ9gxrvR9F0U5P3Q");
            assert_eq!(before.derived("tea", 42), "tea_bk1z6uM2TXLfaztf6");
        }
        assert_eq!(before.stable("usr", "1"), "usr_koQ9gxrvR9F0U5P3Q");
        assert_ne!(before.derived("usr", 42), before.derived("tea", 42));
    }

    #[test]
    fn installs_with_different_values_answer_different_ids() {
        let one = PublicIds::new(vec![1; 32]);
        let other = PublicIds::new(vec![2; 32]);
        assert_ne!(one.derived("tea", 1), other.derived("tea", 1));
        assert_ne!(
            one.derived("tea", 1),
            PublicIds::new(Vec::new()).derived("tea", 1)
        );
        assert_eq!(
            one.derived("tea", 1),
            PublicIds::new(vec![1; 32]).derived("tea", 1)
        );
        assert!(one.derived("usr", 7).starts_with("usr_"));
        assert_eq!(one.derived("usr", 7).len(), "usr_".len() + 17);
    }
}

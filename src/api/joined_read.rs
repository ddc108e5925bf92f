//! Reads that find the caller's key and its data in one statement (`ApiCall::read_joined`),
//! one statement for all the requests that are served together.
//!
//! A request that asks for such a read states what it wants (`Wanted`: its key's digest
//! and the kind of read). Before the requests of a batch run (`read_batch`), each kind's
//! lookup runs once for every digest wanted (`Prefetched::find`), and each request then
//! takes its own key's row and data from what was found. On PostgreSQL that is one round
//! trip for the whole batch instead of one per request. Requests that presented the same
//! key share its row: every one of them arrived before the statement ran, so a deleted,
//! disabled or regenerated key is still refused on the very next request. A read never
//! joins a statement already on its way. The digests no key's current secret has are then
//! looked up among the old secrets, also once for the batch, so a stream of unknown keys
//! costs one more statement per batch rather than one per request.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use diesel::QueryResult;
use time::PrimitiveDateTime;

use super::standing::{self, Refusal, Working};

use crate::db::DbConnection;
use crate::domain::api_key::KeyDigest;
use crate::models::api_key::{self, FoundWith, KeyGate};

/// A read that can be joined to the caller's key's row.
pub trait JoinedRead: 'static {
    /// What the read finds beside the key: each request that presented the key gets a
    /// copy.
    type Data: Clone + Send + 'static;

    /// Each key whose current secret's digest is among `digests`, with that digest and
    /// its data. A digest that no key's current secret has is left out.
    fn find(conn: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<FoundWith<Self::Data>>;
}

/// What a kind of read found, by digest, its data type erased.
type Found = HashMap<Vec<u8>, (KeyGate, Box<dyn Any + Send>)>;

/// A kind of read's lookup, its data type erased.
type Find = fn(&mut DbConnection, &[&[u8]]) -> QueryResult<Found>;

fn find_erased<L: JoinedRead>(conn: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<Found> {
    Ok(L::find(conn, digests)?
        .into_iter()
        .map(|(digest, key, data)| (digest, (key, Box::new(data) as Box<dyn Any + Send>)))
        .collect())
}

/// One request's wish: the read of kind `L` for the key whose current secret has
/// `digest`.
pub struct Wanted {
    kind: TypeId,
    find: Find,
    digest: KeyDigest,
}

impl Wanted {
    pub fn new<L: JoinedRead>(digest: KeyDigest) -> Self {
        Self {
            kind: TypeId::of::<L>(),
            find: find_erased::<L>,
            digest,
        }
    }
}

/// What the lookups of a batch found, by kind of read, and the keys whose old secrets
/// have the digests that no current secret has. A lookup that failed is missing: its
/// requests then look their keys up themselves, and each is answered with its own
/// outcome.
#[derive(Default)]
pub struct Prefetched {
    found: HashMap<TypeId, Found>,
    previous: Option<HashMap<Vec<u8>, KeyGate>>,
}

impl Prefetched {
    /// Runs each kind's lookup once, for the distinct digests wanted of it.
    pub fn find<'a>(conn: &mut DbConnection, wanted: impl IntoIterator<Item = &'a Wanted>) -> Self {
        let mut kinds: Vec<(TypeId, Find, Vec<&[u8]>)> = Vec::new();
        for wish in wanted {
            let digest = &wish.digest.0[..];
            match kinds.iter_mut().find(|(kind, ..)| *kind == wish.kind) {
                Some((_, _, digests)) if digests.contains(&digest) => {}
                Some((_, _, digests)) => digests.push(digest),
                None => kinds.push((wish.kind, wish.find, vec![digest])),
            }
        }
        let mut found = HashMap::with_capacity(kinds.len());
        let mut unmatched: Vec<&[u8]> = Vec::new();
        for (kind, find, digests) in kinds {
            let Some(rows) = looked_up("a joined API read", || find(conn, &digests)) else {
                continue;
            };
            for digest in digests {
                if !rows.contains_key(digest) && !unmatched.contains(&digest) {
                    unmatched.push(digest);
                }
            }
            found.insert(kind, rows);
        }
        let previous = if unmatched.is_empty() {
            Some(HashMap::new())
        } else {
            looked_up("the API's lookup of old secrets", || {
                api_key::gates_by_previous_digests(conn, &unmatched)
            })
            .map(|keys| keys.into_iter().collect())
        };
        Self { found, previous }
    }

    /// The key whose current secret has `digest`, with its data, as the read of kind `L`
    /// found it: `Some(None)` when no key's current secret has it, `None` when that read
    /// did not run.
    pub fn get<L: JoinedRead>(&self, digest: &KeyDigest) -> Option<Option<(KeyGate, L::Data)>> {
        let found = self.found.get(&TypeId::of::<L>())?;
        Some(found.get(&digest.0[..]).map(|(key, data)| {
            let data = data
                .downcast_ref::<L::Data>()
                .expect("a kind of read's data is of the type its lookup returns");
            (key.clone(), data.clone())
        }))
    }

    /// `standing::gate_previous` for a digest that a kind of read looked up and found no
    /// key's current secret: from the batch's lookup of the old secrets, or, when that
    /// did not run, by a lookup of its own.
    pub fn gate_previous(
        &self,
        conn: &mut DbConnection,
        digest: &KeyDigest,
        now: PrimitiveDateTime,
    ) -> QueryResult<Result<Working<KeyGate>, Refusal>> {
        match &self.previous {
            Some(keys) => Ok(standing::judge_previous(
                keys.get(&digest.0[..]).cloned(),
                now,
            )),
            None => standing::gate_previous(conn, digest, now),
        }
    }
}

/// What `lookup` found, or `None` (logged) when it failed or panicked.
fn looked_up<T>(what: &str, lookup: impl FnOnce() -> QueryResult<T>) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(lookup)) {
        Ok(Ok(found)) => Some(found),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "{what} failed; each request reads on its own");
            None
        }
        Err(_) => {
            tracing::error!("{what} panicked; each request reads on its own");
            None
        }
    }
}

#[cfg(test)]
#[path = "joined_read_tests.rs"]
mod tests;

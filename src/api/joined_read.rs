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
    /// What the read finds beside the key: the last request that presented the key
    /// takes it, each other one a copy.
    type Data: Clone + Send + 'static;

    /// Each key whose current secret's digest is among `digests`, with that digest and
    /// its data. A digest that no key's current secret has is left out.
    fn find(conn: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<FoundWith<Self::Data>>;
}

/// What a kind of read found, by digest, its data type erased.
type Found = HashMap<Vec<u8>, Row>;

/// A key and its data as a lookup found them (until the last request that wanted them
/// takes them), and how many of the batch's requests that presented it have yet to.
struct Row {
    found: Option<(KeyGate, Box<dyn Any + Send>)>,
    wanters: usize,
}

/// A kind of read's lookup, its data type erased.
type Find = fn(&mut DbConnection, &[&[u8]]) -> QueryResult<Found>;

fn find_erased<L: JoinedRead>(conn: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<Found> {
    Ok(L::find(conn, digests)?
        .into_iter()
        .map(|(digest, key, data)| {
            let data = Box::new(data) as Box<dyn Any + Send>;
            let found = Some((key, data));
            (digest, Row { found, wanters: 0 })
        })
        .collect())
}

/// A kind of read's distinct digests, each with how many requests wanted it.
type Wanters<'a> = Vec<(&'a [u8], usize)>;

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
        let mut kinds: Vec<(TypeId, Find, Wanters)> = Vec::new();
        for wish in wanted {
            let digest = &wish.digest.0[..];
            let digests = match kinds.iter_mut().find(|(kind, ..)| *kind == wish.kind) {
                Some((_, _, digests)) => digests,
                None => {
                    kinds.push((wish.kind, wish.find, Vec::new()));
                    &mut kinds.last_mut().expect("just pushed").2
                }
            };
            match digests.iter_mut().find(|(seen, _)| *seen == digest) {
                Some((_, wanters)) => *wanters += 1,
                None => digests.push((digest, 1)),
            }
        }
        let mut found = HashMap::with_capacity(kinds.len());
        let mut unmatched: Vec<&[u8]> = Vec::new();
        for (kind, find, digests) in kinds {
            let asked: Vec<&[u8]> = digests.iter().map(|(digest, _)| *digest).collect();
            let Some(mut rows) = looked_up("a joined API read", || find(conn, &asked)) else {
                continue;
            };
            for (digest, wanters) in digests {
                match rows.get_mut(digest) {
                    Some(row) => row.wanters = wanters,
                    None if !unmatched.contains(&digest) => unmatched.push(digest),
                    None => {}
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
    /// did not run. Each request that wanted it takes it once: the last one takes the
    /// row found, the others a copy; a request that comes after the last one (none does)
    /// is left to read on its own.
    pub fn take<L: JoinedRead>(
        &mut self,
        digest: &KeyDigest,
    ) -> Option<Option<(KeyGate, L::Data)>> {
        const TYPED: &str = "a kind of read's data is of the type its lookup returns";
        let found = self.found.get_mut(&TypeId::of::<L>())?;
        let Some(row) = found.get_mut(&digest.0[..]) else {
            return Some(None);
        };
        row.wanters = row.wanters.saturating_sub(1);
        let (key, data) = if row.wanters > 0 {
            let (key, data) = row.found.as_ref()?;
            let data = data.downcast_ref::<L::Data>().expect(TYPED);
            (key.clone(), data.clone())
        } else {
            let (key, data) = row.found.take()?;
            (key, *data.downcast::<L::Data>().expect(TYPED))
        };
        Some(Some((key, data)))
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

//! `Prefetched`: each kind of joined read runs once per batch, for the distinct digests
//! wanted; requests that presented the same key each get a copy; a lookup that fails or
//! panics leaves its requests to read on their own.

use std::sync::Mutex;

use diesel::QueryResult;

use super::{JoinedRead, Prefetched, Wanted};
use crate::db::DbConnection;
use crate::db::temp_sqlite::in_memory;
use crate::domain::api_key::KeyDigest;
use crate::models::api_key::{FoundWith, KeyGate};

fn key(id: i32) -> KeyGate {
    KeyGate {
        id,
        workspace_id: id * 10,
        created_by: None,
        name: format!("key {id}"),
        read_only: false,
        scopes: None,
        verify_keys: false,
        allowed_ips: String::new(),
        expires_at: None,
        previous_expires_at: None,
        disabled_at: None,
        disabled_by_name: None,
        disabled_unused_days: None,
    }
}

fn digest(n: u8) -> KeyDigest {
    KeyDigest([n; 32])
}

/// The digests each call of `Names::find` was given.
static NAMES_ASKED: Mutex<Vec<Vec<Vec<u8>>>> = Mutex::new(Vec::new());

/// Finds the keys of digests 1 and 2 (key 1 and key 2), with a name as data.
struct Names;

impl JoinedRead for Names {
    type Data = String;

    fn find(_: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<FoundWith<String>> {
        NAMES_ASKED
            .lock()
            .unwrap()
            .push(digests.iter().map(|d| d.to_vec()).collect());
        Ok(digests
            .iter()
            .filter(|d| d[0] == 1 || d[0] == 2)
            .map(|d| (d.to_vec(), key(i32::from(d[0])), format!("team {}", d[0])))
            .collect())
    }
}

/// A lookup that fails.
struct Failing;

impl JoinedRead for Failing {
    type Data = i64;

    fn find(_: &mut DbConnection, _: &[&[u8]]) -> QueryResult<FoundWith<i64>> {
        Err(diesel::result::Error::NotFound)
    }
}

/// A lookup that panics.
struct Panicking;

impl JoinedRead for Panicking {
    type Data = ();

    fn find(_: &mut DbConnection, _: &[&[u8]]) -> QueryResult<FoundWith<()>> {
        panic!("a lookup bug")
    }
}

#[test]
fn each_kind_is_looked_up_once_for_the_distinct_digests_and_each_request_gets_its_own_copy() {
    let mut conn = in_memory();
    let wanted = [
        Wanted::new::<Names>(digest(1)),
        Wanted::new::<Names>(digest(2)),
        Wanted::new::<Names>(digest(1)),
        Wanted::new::<Names>(digest(7)),
        Wanted::new::<Failing>(digest(1)),
    ];
    let found = Prefetched::find(&mut conn, &wanted);
    let asked = std::mem::take(&mut *NAMES_ASKED.lock().unwrap());
    assert_eq!(
        asked,
        [vec![vec![1; 32], vec![2; 32], vec![7; 32]]],
        "one call, each digest once"
    );

    let (first, team) = found.take::<Names>(&digest(1)).unwrap().unwrap();
    assert_eq!((first.id, team.as_str()), (1, "team 1"));
    let (again, team) = found.take::<Names>(&digest(1)).unwrap().unwrap();
    assert_eq!(
        (again.id, team.as_str()),
        (1, "team 1"),
        "a copy for each request"
    );
    let (second, team) = found.take::<Names>(&digest(2)).unwrap().unwrap();
    assert_eq!((second.workspace_id, team.as_str()), (20, "team 2"));
    assert!(
        found.take::<Names>(&digest(7)).unwrap().is_none(),
        "looked up, no key's current secret"
    );
    assert!(
        found.take::<Failing>(&digest(1)).is_none(),
        "a failed lookup leaves each request to read on its own"
    );
    assert!(
        found.take::<Panicking>(&digest(1)).is_none(),
        "a kind nobody wanted was not looked up"
    );
}

#[test]
fn a_lookup_that_panics_leaves_its_requests_to_read_on_their_own() {
    let mut conn = in_memory();
    let found = Prefetched::find(&mut conn, &[Wanted::new::<Panicking>(digest(3))]);
    assert!(found.take::<Panicking>(&digest(3)).is_none());
}

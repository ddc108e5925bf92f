//! `Prefetched`: each kind of joined read runs once per batch, for the distinct digests
//! wanted; requests that presented the same key each get a copy; the digests no current
//! secret has are looked up among the old secrets once; a lookup that fails or panics
//! leaves its requests to read on their own.

use std::cell::RefCell;

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

thread_local! {
    /// The digests each call of `Names::find` on this test's thread was given.
    static NAMES_ASKED: RefCell<Vec<Vec<Vec<u8>>>> = const { RefCell::new(Vec::new()) };
}

/// Finds the keys of digests 1 and 2 (key 1 and key 2), with a name as data.
struct Names;

impl JoinedRead for Names {
    type Data = String;

    fn find(_: &mut DbConnection, digests: &[&[u8]]) -> QueryResult<FoundWith<String>> {
        NAMES_ASKED
            .with_borrow_mut(|asked| asked.push(digests.iter().map(|d| d.to_vec()).collect()));
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
fn each_kind_is_looked_up_once_for_the_distinct_digests_and_each_request_takes_its_row_once() {
    let mut conn = in_memory();
    let wanted = [
        Wanted::new::<Names>(digest(1)),
        Wanted::new::<Names>(digest(2)),
        Wanted::new::<Names>(digest(1)),
        Wanted::new::<Names>(digest(7)),
        Wanted::new::<Failing>(digest(1)),
    ];
    let mut found = Prefetched::find(&mut conn, &wanted);
    let asked = NAMES_ASKED.take();
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
        "the row again for the other request that wanted it"
    );
    assert!(
        found.take::<Names>(&digest(1)).is_none(),
        "taken by both requests that wanted it: a third would read on its own"
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
    let mut found = Prefetched::find(&mut conn, &[Wanted::new::<Panicking>(digest(3))]);
    assert!(found.take::<Panicking>(&digest(3)).is_none());
}

#[test]
fn old_secrets_are_looked_up_once_for_the_digests_no_current_secret_has() {
    use diesel::connection::SimpleConnection;
    let mut conn = in_memory();
    crate::db::run_migrations(&mut conn).unwrap();
    // Key 5's current secret has digest 9 and its previous one, in its grace period, 7.
    conn.batch_execute(&format!(
        "INSERT INTO workspaces (id, name, created_at) VALUES (1, 'W', '2026-01-01 00:00:00');
         INSERT INTO api_keys (id, workspace_id, created_by_name, name, name_key, note, key_hash,
             last4, read_only, allowed_ips, created_at, previous_hash, previous_expires_at)
         VALUES (5, 1, 'A', 'Old', 'old', '', x'{}', 'abcd', 0, '', '2026-01-01 00:00:00',
             x'{}', '2999-01-01 00:00:00');",
        "09".repeat(32),
        "07".repeat(32)
    ))
    .unwrap();
    let wanted = [
        Wanted::new::<Names>(digest(1)),
        Wanted::new::<Names>(digest(7)),
        Wanted::new::<Names>(digest(8)),
    ];
    let batch = Prefetched::find(&mut conn, &wanted);
    // Gone after the batch's lookups: what follows is what they found.
    conn.batch_execute("DELETE FROM api_keys").unwrap();
    let now = crate::db::now();

    let old = batch.gate_previous(&mut conn, &digest(7), now).unwrap();
    assert_eq!(old.map(|working| working.key.id).ok(), Some(5));
    let unknown = batch.gate_previous(&mut conn, &digest(8), now).unwrap();
    assert_eq!(
        unknown.err().map(|refusal| refusal.code),
        Some("key_unknown")
    );
}

#[test]
fn without_the_batchs_lookup_of_old_secrets_a_request_looks_its_own_up() {
    let mut conn = in_memory();
    // No tables: the batch's lookups fail, and so does the request's own.
    let batch = Prefetched::find(&mut conn, &[Wanted::new::<Names>(digest(7))]);
    assert!(
        batch
            .gate_previous(&mut conn, &digest(7), crate::db::now())
            .is_err()
    );
}

//! `read_snapshot`, which the API's read-only handlers run in with their key check: on
//! SQLite, one transaction, which must never outlive the request.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::read_snapshot;
use crate::db::temp_sqlite::TempSqlite;
use crate::db::{DbConnection, Pool};

/// A pool of `size` on a fresh SQLite file, with a table `t` holding one row.
fn pool_with_one_row(size: u32) -> (TempSqlite, Pool) {
    let file = TempSqlite::new("snapshot");
    let pool = file.pool(size);
    pool.get()
        .unwrap()
        .batch_execute("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    (file, pool)
}

fn rows(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM t)",
    ))
    .get_result(conn)
}

/// The key check and the handler read one snapshot: a commit by another connection
/// between their reads is seen by neither.
#[test]
fn a_read_snapshot_on_sqlite_does_not_see_a_commit_made_between_its_reads() {
    let (_file, pool) = pool_with_one_row(2);
    let mut conn = pool.get().unwrap();
    let mut other = pool.get().unwrap();

    let seen = read_snapshot(&mut conn, |conn| {
        let before = rows(conn)?;
        other.batch_execute("INSERT INTO t VALUES (2)")?;
        Ok::<_, diesel::result::Error>((before, rows(conn)?))
    })
    .unwrap();
    assert_eq!(seen, (1, 1), "both reads see the snapshot of the first");
    assert_eq!(rows(&mut conn).unwrap(), 2, "the next read sees the commit");
}

/// A read that panics (the API answers 500 and goes on) leaves its transaction open on
/// the connection. The pool must not hand that connection out again: stuck in its old
/// snapshot, it would go on accepting a key deleted after it.
#[test]
fn a_connection_left_inside_a_snapshot_by_a_panic_is_not_used_again() {
    let (file, pool) = pool_with_one_row(1);
    let mut conn = pool.get().unwrap();
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_snapshot(&mut conn, |conn| -> QueryResult<()> {
            rows(conn)?;
            panic!("a handler's bug");
        })
    }));
    assert!(panicked.is_err());
    drop(conn);

    file.pool(1)
        .get()
        .unwrap()
        .batch_execute("INSERT INTO t VALUES (2)")
        .unwrap();
    assert_eq!(
        rows(&mut pool.get().unwrap()).unwrap(),
        2,
        "the next connection from the pool sees the commit"
    );
}

/// A read that fails ends its transaction too: the connection goes back to the pool
/// outside any snapshot and its next read sees what was committed meanwhile.
#[test]
fn a_read_snapshot_that_fails_leaves_no_transaction_behind() {
    let (_file, pool) = pool_with_one_row(2);
    let mut conn = pool.get().unwrap();
    let failed = read_snapshot(&mut conn, |conn| {
        rows(conn)?;
        Err::<(), _>(diesel::result::Error::NotFound)
    });
    assert!(matches!(failed, Err(diesel::result::Error::NotFound)));

    pool.get()
        .unwrap()
        .batch_execute("INSERT INTO t VALUES (2)")
        .unwrap();
    assert_eq!(rows(&mut conn).unwrap(), 2, "no snapshot outlives the read");
    // And another snapshot can begin on it.
    assert_eq!(read_snapshot(&mut conn, rows).unwrap(), 2);
}

/// Snapshots one after another on one connection, as the API's reads run: each begins
/// where the last ended and sees every commit made before it began.
#[test]
fn each_read_snapshot_sees_the_commits_made_before_it() {
    let (_file, pool) = pool_with_one_row(2);
    let mut conn = pool.get().unwrap();
    let mut other = pool.get().unwrap();
    for expected in 1..=5 {
        assert_eq!(read_snapshot(&mut conn, rows).unwrap(), expected);
        other.batch_execute("INSERT INTO t VALUES (0)").unwrap();
    }
}

/// A snapshot that cannot be ended (here its transaction was ended behind its back)
/// fails the read, and the connection is marked broken so the pool discards it.
#[test]
fn a_snapshot_that_cannot_be_ended_fails_and_marks_the_connection_broken() {
    use diesel::r2d2::R2D2Connection;
    let (_file, pool) = pool_with_one_row(1);
    let mut conn = pool.get().unwrap();
    let read = read_snapshot(&mut conn, |conn| {
        let seen = rows(conn)?;
        conn.batch_execute("COMMIT")?;
        Ok::<_, diesel::result::Error>(seen)
    });
    assert!(read.is_err(), "the read reports the failed end: {read:?}");
    assert!(
        conn.is_broken(),
        "the pool will not lend this connection again"
    );
}

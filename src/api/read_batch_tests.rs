//! `read_batch`: reads queued together run in one transaction, each answered for itself,
//! each on its own application's database.

use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::api::error::ApiError;
use crate::app::AppState;
use crate::config::Config;
use crate::db::DbConnection;
use crate::db::temp_sqlite::TempSqlite;

/// An application on a fresh SQLite file whose table `t` holds `rows` rows.
fn app_with_rows(rows: i64) -> (TempSqlite, web::Data<AppState>) {
    let file = TempSqlite::new("read-batch");
    let pool = file.pool(3);
    let mut conn = pool.get().unwrap();
    conn.batch_execute("CREATE TABLE t (n INTEGER)").unwrap();
    for n in 0..rows {
        conn.batch_execute(&format!("INSERT INTO t VALUES ({n})"))
            .unwrap();
    }
    drop(conn);
    let url = match &file.url {
        crate::db::DatabaseUrl::Sqlite(path) => path.clone(),
        other => unreachable!("a temporary SQLite file, not {other:?}"),
    };
    let config = Config::for_database(&url).unwrap();
    let state = AppState::new(pool, Arc::new(config), Key::generate());
    (file, web::Data::new(state))
}

/// A plain read (no joined read wanted) in the worker's batch.
async fn read<T, F>(state: &web::Data<AppState>, reads: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    super::read(state, None, move |conn, _| reads(conn)).await
}

fn rows(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM t)",
        ))
        .get_result(conn)?,
    )
}

/// The first read commits a row from another connection after reading; the reads
/// queued with it are in its transaction, so they do not see that row. A later read
/// (a new batch) does.
#[actix_web::test]
async fn reads_ready_together_share_one_read_transaction() {
    let (_file, state) = app_with_rows(1);
    let writer = state.pool.clone();
    let first = read(&state, move |conn| {
        let seen = rows(conn)?;
        writer
            .get()
            .unwrap()
            .batch_execute("INSERT INTO t VALUES (9)")
            .unwrap();
        Ok(seen)
    });
    let (first, second, third) = tokio::join!(first, read(&state, rows), read(&state, rows));
    assert_eq!((first.unwrap(), second.unwrap(), third.unwrap()), (1, 1, 1));
    assert_eq!(
        read(&state, rows).await.unwrap(),
        2,
        "the next batch sees the commit"
    );
}

#[actix_web::test]
async fn a_read_that_fails_or_panics_is_answered_alone() {
    let (_file, state) = app_with_rows(2);
    let failing = read(&state, |conn| {
        diesel::sql_query("SELECT * FROM no_such_table").execute(conn)?;
        Ok(0)
    });
    let panicking = read(&state, |_| -> Result<i64, ApiError> {
        panic!("a handler bug")
    });
    let (before, failed, panicked, after) =
        tokio::join!(read(&state, rows), failing, panicking, read(&state, rows));
    assert_eq!(before.unwrap(), 2);
    assert!(matches!(failed, Err(ApiError::Internal(_))), "{failed:?}");
    assert!(
        matches!(panicked, Err(ApiError::Internal(_))),
        "{panicked:?}"
    );
    assert_eq!(after.unwrap(), 2, "the transaction went on after both");
}

#[actix_web::test]
async fn reads_of_two_applications_on_one_worker_each_use_their_own_database() {
    let (_one, three_rows) = app_with_rows(3);
    let (_other, five_rows) = app_with_rows(5);
    let (a, b, c) = tokio::join!(
        read(&three_rows, rows),
        read(&five_rows, rows),
        read(&three_rows, rows)
    );
    assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (3, 5, 3));
}

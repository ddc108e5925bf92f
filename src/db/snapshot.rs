//! `read_snapshot`: several reads against one consistent snapshot, on either database.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::DbConnection;

/// Runs several reads against one consistent snapshot, so a write committed between
/// them (e.g. a usage flush) is seen by all of them or by none. `f` must not open a
/// transaction of its own (on SQLite that fails: the snapshot is one already).
pub fn read_snapshot<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if matches!(conn, DbConnection::Sqlite(_)) {
        return sqlite_snapshot(conn, f);
    }
    conn.transaction(|conn| {
        // PostgreSQL's default (read committed) takes a new snapshot per statement.
        conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        f(conn)
    })
}

/// SQLite's read snapshot: a transaction (SQLite's read one snapshot), begun and ended by
/// statements the connection keeps prepared. diesel's own transactions send `BEGIN` and
/// `COMMIT` as text that SQLite parses and plans anew each time: about 5% of the
/// instructions of an API read. Since diesel does not know of this transaction, it ends here whatever
/// `f` does: committed after success, rolled back after an error or a panic; a
/// connection whose transaction could not be ended is marked broken, so the pool
/// discards it rather than lend out a connection that may be stuck in an old snapshot.
fn sqlite_snapshot<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    ending::Begin.execute(sqlite(conn))?;
    let outcome = catch_unwind(AssertUnwindSafe(|| f(conn)));
    let c = sqlite(conn);
    let ended = match &outcome {
        Ok(Ok(_)) => ending::Commit.execute(c),
        Ok(Err(_)) | Err(_) => ending::Rollback.execute(c),
    };
    if let Err(error) = ended {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        AnsiTransactionManager::transaction_manager_status_mut(c).set_in_error();
        if let Ok(Ok(_)) = outcome {
            return Err(error.into());
        }
    }
    outcome.unwrap_or_else(|panic| resume_unwind(panic))
}

fn sqlite(conn: &mut DbConnection) -> &mut diesel::SqliteConnection {
    match conn {
        DbConnection::Sqlite(c) => c,
        DbConnection::Postgresql(_) => {
            unreachable!("only read_snapshot's SQLite branch comes here")
        }
    }
}

/// The statements that begin and end `sqlite_snapshot`'s transaction. Each is its own
/// type with a static query id, which is what diesel keys its prepared statements by.
mod ending {
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sqlite::Sqlite;
    use diesel::{QueryResult, RunQueryDsl, SqliteConnection};

    macro_rules! statement {
        ($name:ident, $sql:literal) => {
            #[derive(QueryId)]
            pub struct $name;

            impl QueryFragment<Sqlite> for $name {
                fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
                    out.push_sql($sql);
                    Ok(())
                }
            }

            impl RunQueryDsl<SqliteConnection> for $name {}
        };
    }

    statement!(Begin, "BEGIN");
    statement!(Commit, "COMMIT");
    statement!(Rollback, "ROLLBACK");
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;

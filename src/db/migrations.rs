//! Migrations: one database-wide lock while they run, a refusal of a database a newer
//! release migrated, and SQLite's quick check of the file first.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, SQLITE_BUSY_TIMEOUT_MS};

pub(super) const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub(super) const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Runs every pending migration of the connection's dialect, under a database-wide lock:
/// instances that start together migrate one after the other (the second finds nothing
/// left to do), never side by side. Refuses a database that holds a migration this build
/// does not know: a newer Keydesk migrated it, and this build's queries would ignore what
/// the newer schema records (a disabled key, a read-only scope, a second factor).
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    let applied = match conn {
        DbConnection::Postgresql(c) => c.transaction(|c| {
            // Released with the transaction, whatever happens in it.
            c.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock({POSTGRES_MIGRATION_LOCK})"
            ))?;
            migrate(c, POSTGRES_MIGRATIONS)
        }),
        DbConnection::Sqlite(c) => {
            check_sqlite_file(c)?;
            // Another instance may hold the write lock for its whole migration.
            c.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_MIGRATION_WAIT_MS}"))?;
            let applied = c.immediate_transaction(|c| migrate(c, SQLITE_MIGRATIONS));
            c.batch_execute(&format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"))?;
            applied
        }
    }?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(())
}

/// SQLite's quick check over the whole file: a damaged database (a backup put beside a
/// crashed server's leftover `-wal`, a disk fault) must stop the start rather than let
/// every later write fail. It reads every page once: about a second per few hundred MB.
fn check_sqlite_file(conn: &mut diesel::SqliteConnection) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Problem {
        #[diesel(sql_type = diesel::sql_types::Text)]
        quick_check: String,
    }
    const RESTORE: &str = "Stop every Keydesk on it and restore a backup (README, \"Backups\"), \
                           removing any keydesk.db-wal and keydesk.db-shm left beside it";
    let problems = diesel::sql_query("PRAGMA quick_check(5)")
        .load::<Problem>(conn)
        .map_err(|e| {
            anyhow::anyhow!(
                "the SQLite database is damaged or unreadable: SQLite's quick check fails \
                 ({e}). {RESTORE}"
            )
        })?;
    match problems.as_slice() {
        [only] if only.quick_check == "ok" => Ok(()),
        problems => anyhow::bail!(
            "the SQLite database is damaged: SQLite's quick check fails ({}). {RESTORE}",
            problems
                .iter()
                .map(|p| p.quick_check.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The advisory lock that PostgreSQL instances take to migrate (any fixed number; advisory
/// locks are per database).
const POSTGRES_MIGRATION_LOCK: i64 = 0x006b_6579_6465_736b; // "keydesk" in ASCII

/// How long a SQLite instance waits for another one's migrations (a big upgrade can take
/// minutes; a fresh database well under a second).
const SQLITE_MIGRATION_WAIT_MS: u32 = 600_000;

/// A database migrated by a newer build than this one.
#[derive(Debug, thiserror::Error)]
#[error(
    "the database holds {} this Keydesk {} does not know: {}. A newer Keydesk migrated it, \
     and this build would ignore what that schema records (disabled keys, key scopes, \
     two-factor logins). Run the newer release, or restore the backup taken before the \
     upgrade; Keydesk will not start on this database",
    if .unknown.len() == 1 { "a migration" } else { "migrations" },
    crate::VERSION,
    .unknown.join(", ")
)]
pub struct NewerSchema {
    pub unknown: Vec<String>,
}

/// Inside the lock: refuses unknown migrations, then runs the pending ones; the versions applied.
fn migrate<C, DB>(conn: &mut C, source: EmbeddedMigrations) -> anyhow::Result<Vec<String>>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let known: Vec<String> = MigrationSource::<DB>::migrations(&source)
        .map_err(|e| anyhow::anyhow!(e).context("reading this build's migrations"))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let unknown: Vec<String> = conn
        .applied_migrations()
        .map_err(|e| anyhow::anyhow!(e).context("reading the applied migrations"))?
        .iter()
        .map(ToString::to_string)
        .filter(|version| !known.contains(version))
        .collect();
    if !unknown.is_empty() {
        return Err(NewerSchema { unknown }.into());
    }
    let applied = conn
        .run_pending_migrations(source)
        .map_err(|e| anyhow::anyhow!(e).context("running migrations failed"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

//! The database: one connection type for SQLite and PostgreSQL, its pool, and migrations.

mod loopback_tls;
mod migrations;
pub mod readiness;
pub mod schema;
mod snapshot;
#[cfg(test)]
pub(crate) mod temp_sqlite;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};

pub use migrations::{NewerSchema, run_migrations};
pub use snapshot::read_snapshot;

/// How long a SQLite statement waits for another connection's write lock.
pub(crate) const SQLITE_BUSY_TIMEOUT_MS: u32 = 5000;

/// A connection to whichever database the operator configured.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Which database a URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path (or `:memory:`).
    Sqlite(String),
}

/// Why a database URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("the database URL is empty")]
    Empty,
    #[error("`{0}` names no SQLite file")]
    NoFile(String),
    #[error("unsupported database URL scheme `{0}` (use sqlite:// or postgres://)")]
    UnsupportedScheme(String),
}

impl DatabaseUrl {
    /// Accepts `postgres://…`, `postgresql://…`, `sqlite://path`, `sqlite:path` or a plain path.
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_string()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.is_empty() {
            return Err(DatabaseUrlError::NoFile(raw.to_string()));
        }
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(DatabaseUrlError::UnsupportedScheme(scheme.to_string()));
        }
        Ok(Self::Sqlite(path.to_string()))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// A form of the URL that is safe to log: the password is masked.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{path}"),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    let creds = &url[scheme_end + 3..at];
                    let user = creds.split(':').next().unwrap_or_default();
                    format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// Opens connections by URL scheme, so a PostgreSQL error is reported as itself
/// rather than as "invalid URL" from trying each backend in turn.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Set once any connection of the pool finds the database damaged (see `QueryWatch`).
    damaged: Arc<AtomicBool>,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let url =
                    loopback_tls::plain_on_loopback(url, loopback_tls::tls_chosen_by_environment());
                let mut conn =
                    diesel::PgConnection::establish(&url).map_err(r2d2::Error::ConnectionError)?;
                conn.set_instrumentation(self.watch());
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                configure_sqlite();
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout must come first: the pool opens several connections at
                // once and switching to WAL needs a moment of exclusive access.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(r2d2::Error::QueryError)?;
                conn.set_instrumentation(self.watch());
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    /// A connection the server dropped (restart, failover, terminated) is discarded, not
    /// reused: diesel only reports a broken transaction, so the watch remembers the rest.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
            || conn
                .instrumentation()
                .downcast_ref::<QueryWatch>()
                .is_some_and(|watch| watch.lost)
    }
}

/// SQLite's process-wide settings, applied once before this process opens its first
/// SQLite connection (every connection goes through `ConnectionManager::connect`, or
/// calls this first). Both spare every API request work it does not need:
/// - multi-thread mode: a connection is used by one thread at a time (the pool lends it
///   out whole), so SQLite need not lock a mutex around every call on it and on each of
///   its statements, as its default serialized mode does;
/// - no memory statistics: otherwise every allocation SQLite makes updates them under
///   one mutex that all connections (all workers) share.
///
/// If SQLite was already initialized (only possible in a test process that opened a
/// connection some other way), it refuses the settings and keeps its safe defaults.
pub(crate) fn configure_sqlite() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        use libsqlite3_sys::{
            SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, SQLITE_OK, sqlite3_config,
        };
        // SAFETY: sqlite3_config may only run before SQLite is initialized and while no
        // other thread calls into SQLite. Connections are opened only after this `Once`
        // has completed (other callers block on it), and a call after initialization
        // changes nothing: it returns SQLITE_MISUSE.
        let (threading, memstatus) = unsafe {
            (
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int),
            )
        };
        if threading != SQLITE_OK || memstatus != SQLITE_OK {
            tracing::debug!(threading, memstatus, "SQLite kept its default settings");
        }
    });
}

impl ConnectionManager {
    fn watch(&self) -> QueryWatch {
        QueryWatch {
            lost: false,
            damaged: self.damaged.clone(),
        }
    }
}

/// Watches every query's outcome on its connection: whether one failed because the
/// connection was lost (this connection only), or because the database is damaged (shared
/// by the whole pool: a SQLite file found malformed by any request stays so, and makes
/// the instance unready until it is restored and restarted).
#[derive(Debug)]
struct QueryWatch {
    lost: bool,
    damaged: Arc<AtomicBool>,
}

impl Instrumentation for QueryWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } = event
        {
            self.lost |= is_connection_lost(error);
            if is_damage(error) {
                self.damaged.store(true, Ordering::Relaxed);
            }
        }
    }
}

/// Whether any connection of `conn`'s pool has met a damaged database.
pub fn damage_seen(conn: &mut DbConnection) -> bool {
    conn.instrumentation()
        .downcast_ref::<QueryWatch>()
        .is_some_and(|watch| watch.damaged.load(Ordering::Relaxed))
}

/// Whether `e` says the database file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB).
pub fn is_damage(e: &diesel::result::Error) -> bool {
    match e {
        diesel::result::Error::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("database disk image is malformed")
                || message.contains("file is not a database")
        }
        _ => false,
    }
}

/// Whether `e` says the connection to the database is gone (the server restarted, an
/// administrator or a failover terminated it, the network dropped it).
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            // libpq and the server report these as plain messages, without a kind.
            const LOST: [&str; 8] = [
                "terminating connection",        // 57P01-57P03: shutdown, terminated
                "server closed the connection",  // the socket closed under a query
                "connection to server was lost", // and libpq noticed
                "no connection to the server",
                "could not receive data from server",
                "could not send data to server",
                "ssl connection has been closed",
                "the database system is shutting down",
            ];
            let message = info.message().to_lowercase();
            LOST.iter().any(|m| message.contains(m))
                || (message.contains("connection") && message.contains("closed"))
        }
        _ => false,
    }
}

/// Whether `e` is the database failing to serve right now (connection lost, disk full,
/// locked, read-only) rather than a fault of the query: such a request deserves a 503.
pub fn is_outage(e: &diesel::result::Error) -> bool {
    use diesel::result::Error;
    const CANNOT_WRITE: [&str; 6] = [
        "database is locked",       // SQLite: another writer outlasted busy_timeout
        "database or disk is full", // SQLite: SQLITE_FULL
        "attempt to write a readonly database",
        "disk i/o error",
        "no space left on device", // PostgreSQL: 53100
        "could not extend file",
    ];
    match e {
        Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => {
            let message = info.message().to_lowercase();
            is_connection_lost(e) || CANNOT_WRITE.iter().any(|m| message.contains(m))
        }
        _ => false,
    }
}

/// Runs `f` on a pooled connection on a blocking thread: the async workers must
/// never wait for a connection, a query or SQLite's write lock.
pub async fn with_connection<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<r2d2::PoolError> + From<tokio::task::JoinError> + Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        f(&mut conn)
    })
    .await?
}

/// Runs `$body` with `$c` bound to the concrete connection behind a `DbConnection`:
/// the body is written once and compiled for each backend. For the queries on every
/// API request: through `MultiConnection` diesel renders a query's SQL afresh on each
/// execution (its wrapper cannot skip that even when the prepared statement is cached),
/// while on the concrete connection a cached statement is found by the query's type and
/// only the bound values are sent.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Builds the pool. It does not wait for the database: a database that is down
/// at the first request gives a 503, and the pool recovers when it returns.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Pool {
    let max_size = match url {
        DatabaseUrl::Sqlite(path) if path == ":memory:" => 1,
        _ => max_size,
    };
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
        .build_unchecked(ConnectionManager {
            url: url.clone(),
            damaged: Arc::default(),
        })
}

/// Call first in a write transaction that has no workspace to lock (see
/// `workspace::lock_for_writing`) and reads before it writes: on SQLite it takes the write
/// lock before anything is read. A transaction that has read cannot wait for another
/// writer: SQLite refuses it at once ("database is locked"), whatever the busy timeout.
/// PostgreSQL needs nothing.
pub fn write_first(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Sqlite(c) = conn {
        // Writes no row, but takes the lock (waiting up to the busy timeout).
        c.batch_execute("UPDATE workspaces SET id = id WHERE 0")?;
    }
    Ok(())
}

/// The current time as stored in the database: naive UTC, microsecond precision
/// (PostgreSQL keeps microseconds, so both backends round-trip the same value).
pub fn now() -> time::PrimitiveDateTime {
    let now = time::OffsetDateTime::now_utc();
    let micros = now.microsecond();
    let now = now.replace_nanosecond(micros * 1000).unwrap_or(now);
    time::PrimitiveDateTime::new(now.date(), now.time())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.cargo/config.toml` passes SQLite's build options; a build without them still
    /// works, only slower, so this is what notices.
    #[test]
    fn the_bundled_sqlite_is_built_as_configured() {
        use diesel::sql_types::Integer;
        #[derive(QueryableByName)]
        struct Used {
            #[diesel(sql_type = Integer)]
            used: i32,
        }
        let mut conn = temp_sqlite::in_memory();
        let mut used = |option: &str| {
            diesel::sql_query("SELECT sqlite_compileoption_used(?) AS used")
                .bind::<diesel::sql_types::Text, _>(option)
                .get_result::<Used>(&mut conn)
                .unwrap()
                .used
        };
        assert_eq!(used("ENABLE_QPSG"), 1, "query-planner stability guarantee");
        assert_eq!(
            used("ENABLE_MEMORY_MANAGEMENT"),
            0,
            "one page cache per connection"
        );
    }

    #[test]
    fn database_urls_are_recognised_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://keydesk.db"),
            Ok(DatabaseUrl::Sqlite("keydesk.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("/var/lib/keydesk.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/keydesk.db".into()))
        );
        assert!(
            DatabaseUrl::parse("postgres://u@h/db")
                .unwrap()
                .is_postgres()
        );
        assert!(
            DatabaseUrl::parse("postgresql://u@h/db")
                .unwrap()
                .is_postgres()
        );
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn a_logged_database_url_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db:5432/keydesk").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/keydesk");
    }
}

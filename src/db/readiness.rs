//! Whether this instance can serve: the SQLite file is still the one opened at start and
//! not found damaged, the database answers, carries every migration of this build (and no
//! newer one) and every table, and accepts a write. `/readyz` asks on each probe; a background check asks every few seconds and
//! logs the reason at error level for as long as it lasts.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{DatabaseUrl, DbConnection, Pool, schema};

/// The SQLite file the server opened at start, and which file it was (device and inode).
#[derive(Debug, Clone)]
pub struct DbFile {
    path: PathBuf,
    identity: Option<FileIdentity>,
}

type FileIdentity = (u64, u64);

impl DbFile {
    /// Records the file behind `url` as it is now; `None` for PostgreSQL or `:memory:`.
    pub fn of(url: &DatabaseUrl) -> Option<Self> {
        match url {
            DatabaseUrl::Sqlite(path) if path != ":memory:" => Some(Self {
                path: path.into(),
                identity: identity_of(Path::new(path)),
            }),
            _ => None,
        }
    }

    /// Whether the path still names the file opened at start.
    fn check(&self) -> Result<(), NotReady> {
        if !self.path.exists() {
            return Err(NotReady::FileMissing(self.path.clone()));
        }
        match (self.identity, identity_of(&self.path)) {
            (Some(recorded), Some(now)) if recorded != now => {
                Err(NotReady::FileReplaced(self.path.clone()))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(unix)]
fn identity_of(path: &Path) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity_of(_: &Path) -> Option<FileIdentity> {
    None
}

/// Why the instance cannot serve. `Display` is for the log; [`NotReady::reason`] for probes.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error(
        "the database file {} is missing: it was deleted while the server runs, \
         which keeps writing to the deleted file; restore it from a backup and restart",
        .0.display()
    )]
    FileMissing(PathBuf),
    #[error(
        "the database file {} was replaced by another file since the server started; \
         the server still uses the old one: restart it to use the new one",
        .0.display()
    )]
    FileReplaced(PathBuf),
    #[error(
        "the database is damaged (\"database disk image is malformed\"): stop Keydesk, \
         restore a backup without the stale -wal and -shm files beside it, and restart"
    )]
    Damaged,
    #[error("the database does not answer")]
    NoAnswer(#[source] anyhow::Error),
    #[error("the database schema is not migrated to this build: {0}")]
    NotMigrated(String),
    #[error(transparent)]
    NewerSchema(super::NewerSchema),
    #[error("the database has no table {0} (or not all of its columns)")]
    TableMissing(&'static str, #[source] diesel::result::Error),
    #[error("the database cannot write (disk full, read-only or locked)")]
    CannotWrite(#[source] diesel::result::Error),
}

impl NotReady {
    /// A short reason for the probe's answer: no paths, no internals.
    pub fn reason(&self) -> String {
        match self {
            Self::FileMissing(_) => "the database file is missing".into(),
            Self::FileReplaced(_) => "the database file was replaced".into(),
            Self::NoAnswer(_) => "the database does not answer".into(),
            Self::Damaged => "the database is damaged".into(),
            Self::NotMigrated(_) => "the database schema is not migrated to this version".into(),
            Self::NewerSchema(_) => "the database was migrated by a newer Keydesk".into(),
            Self::TableMissing(table, _) => {
                format!("the database schema is incomplete: table {table} is missing")
            }
            Self::CannotWrite(_) => "the database cannot write".into(),
        }
    }
}

impl From<diesel::r2d2::PoolError> for NotReady {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::NoAnswer(e.into())
    }
}

impl From<tokio::task::JoinError> for NotReady {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::NoAnswer(e.into())
    }
}

/// The whole check: the file first (no connection needed), then the database.
pub async fn check(pool: &Pool, file: Option<&DbFile>) -> Result<(), NotReady> {
    if let Some(file) = file {
        file.check()?;
    }
    super::with_connection(pool, |conn| {
        if super::damage_seen(conn) {
            return Err(NotReady::Damaged);
        }
        check_migrations(conn)?;
        check_tables(conn)?;
        check_write(conn)
    })
    .await
}

/// A query error: a lost connection is "no answer", anything else what `otherwise` says.
fn classify(
    e: diesel::result::Error,
    otherwise: impl FnOnce(diesel::result::Error) -> NotReady,
) -> NotReady {
    if super::is_connection_lost(&e) {
        NotReady::NoAnswer(e.into())
    } else if super::is_damage(&e) {
        NotReady::Damaged
    } else {
        otherwise(e)
    }
}

#[derive(QueryableByName)]
struct AppliedMigration {
    #[diesel(sql_type = Text)]
    version: String,
}

/// Every migration of this build is recorded as applied, and no other: a newer build that
/// migrated the database since this one started records what this build's queries ignore
/// (as at start, see `run_migrations`), so this instance must leave the serving to it.
fn check_migrations(conn: &mut DbConnection) -> Result<(), NotReady> {
    let applied: Vec<String> = diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
        .load::<AppliedMigration>(conn)
        .map_err(|e| {
            classify(e, |e| {
                NotReady::NotMigrated(format!("its migrations table cannot be read ({e})"))
            })
        })?
        .into_iter()
        .map(|m| m.version)
        .collect();
    let known = build_migrations(conn)?;
    let unknown: Vec<String> = applied
        .iter()
        .filter(|version| !known.contains(version))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(NotReady::NewerSchema(super::NewerSchema { unknown }));
    }
    let missing: Vec<String> = known
        .into_iter()
        .filter(|version| !applied.contains(version))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(NotReady::NotMigrated(format!(
            "{} migration(s) not applied: {}",
            missing.len(),
            missing.join(", ")
        )))
    }
}

/// The versions of this build's migrations for the connection's dialect.
fn build_migrations(conn: &DbConnection) -> Result<Vec<String>, NotReady> {
    let versions = match conn {
        DbConnection::Postgresql(_) => {
            MigrationSource::<diesel::pg::Pg>::migrations(&super::migrations::POSTGRES_MIGRATIONS)
                .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect())
        }
        DbConnection::Sqlite(_) => MigrationSource::<diesel::sqlite::Sqlite>::migrations(
            &super::migrations::SQLITE_MIGRATIONS,
        )
        .map(|ms| ms.iter().map(|m| m.name().version().to_string()).collect()),
    };
    versions.map_err(|e| NotReady::NotMigrated(format!("this build's migrations: {e}")))
}

/// Reads at most one row of each table, naming all its columns: a dropped table or column
/// fails, and so does a table whose first pages are damaged (a few pages per probe).
macro_rules! probe_tables {
    ($($table:ident),+ $(,)?) => {
        /// Every table of `schema.rs`.
        #[cfg(test)]
        const TABLES: &[&str] = &[$(stringify!($table)),+];

        fn check_tables(conn: &mut DbConnection) -> Result<(), NotReady> {
            $(
                schema::$table::table
                    .limit(1)
                    .execute(conn)
                    .map_err(|e| classify(e, |e| NotReady::TableMissing(stringify!($table), e)))?;
            )+
            Ok(())
        }
    };
}

probe_tables!(
    workspaces,
    users,
    sessions,
    login_failures,
    audit_events,
    server_secrets,
    api_keys,
    api_key_usage,
    api_key_clients,
    form_nonces,
    campaigns,
    leads,
    activities,
    unsubscribes,
    key_policies,
    access_requests,
    recovery_codes,
    invitations,
    password_resets,
    hooks,
    hook_deliveries,
);

/// SQLite waits this long for the write lock in the probe (requests wait longer).
const PROBE_BUSY_TIMEOUT_MS: u32 = 1000;

/// A real write, committed and leaving nothing behind: a form token added and removed.
fn check_write(conn: &mut DbConnection) -> Result<(), NotReady> {
    use schema::form_nonces;
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    if sqlite {
        conn.batch_execute(&format!("PRAGMA busy_timeout = {PROBE_BUSY_TIMEOUT_MS}"))
            .map_err(|e| classify(e, NotReady::CannotWrite))?;
    }
    let written = conn.transaction(|conn| {
        let nonce = "readiness probe";
        diesel::insert_into(form_nonces::table)
            .values((
                form_nonces::nonce.eq(nonce),
                form_nonces::created_at.eq(super::now()),
            ))
            .execute(conn)?;
        diesel::delete(form_nonces::table.find(nonce)).execute(conn)?;
        Ok(())
    });
    if sqlite {
        let restored = conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}",
            super::SQLITE_BUSY_TIMEOUT_MS
        ));
        restored.map_err(|e| classify(e, NotReady::CannotWrite))?;
    }
    written.map_err(|e| classify(e, NotReady::CannotWrite))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probed_tables_are_every_table_the_migrations_create() {
        let url = DatabaseUrl::parse(":memory:").unwrap();
        let mut conn = super::super::build_pool(&url, 1).get().unwrap();
        super::super::run_migrations(&mut conn).unwrap();

        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = Text)]
            name: String,
        }
        let mut created: Vec<String> = diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
        )
        .load::<Name>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
        created.sort();
        let mut probed: Vec<&str> = TABLES.to_vec();
        probed.sort();
        assert_eq!(created, probed);
        check_tables(&mut conn).unwrap();
        check_migrations(&mut conn).unwrap();
        check_write(&mut conn).unwrap();
    }

    #[test]
    fn a_recorded_file_that_is_gone_or_replaced_is_not_ready() {
        let dir = std::env::temp_dir().join(format!("keydesk-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.db");
        std::fs::write(&path, b"one").unwrap();
        let url = DatabaseUrl::Sqlite(path.display().to_string());
        let file = DbFile::of(&url).unwrap();
        assert!(file.check().is_ok());

        let other = dir.join("other.db");
        std::fs::write(&other, b"two").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(matches!(file.check(), Err(NotReady::FileReplaced(_))));

        std::fs::remove_file(&path).unwrap();
        assert!(matches!(file.check(), Err(NotReady::FileMissing(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

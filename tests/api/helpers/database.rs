//! A database made for one test (a SQLite file or a PostgreSQL database) and removed after it.

use diesel::Connection;
use diesel::connection::SimpleConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test and removed after it.
pub struct TestDb {
    pub url: String,
    pg_admin: Option<(String, String)>,
    _dir: Option<TempDir>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg_admin
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

impl TestDb {
    /// Another handle on the same database, which does not remove it on drop.
    pub fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            pg_admin: None,
            _dir: None,
        }
    }

    /// A direct connection, for seeding what the UI cannot (old dates, usage).
    pub fn connect(&self) -> keydesk::db::PooledConnection {
        let url = keydesk::db::DatabaseUrl::parse(&self.url).unwrap();
        keydesk::db::build_pool(&url, 1).get().unwrap()
    }
}

impl TestDb {
    /// Runs every migration of the source tree except those whose folder name starts with
    /// one of `held_back`: the database as the release before them left it. The server
    /// runs the held-back ones when it starts on it, as an upgrade does.
    pub fn migrate_all_but(&self, held_back: &[&str]) {
        let mut conn = self.connect();
        match &mut *conn {
            keydesk::db::DbConnection::Sqlite(c) => run_all_but(c, "sqlite", held_back),
            keydesk::db::DbConnection::Postgresql(c) => run_all_but(c, "postgres", held_back),
        }
    }
}

fn run_all_but<DB, C>(conn: &mut C, dialect: &str, held_back: &[&str])
where
    DB: diesel::backend::Backend,
    C: diesel_migrations::MigrationHarness<DB> + diesel::migration::MigrationConnection,
    diesel_migrations::FileBasedMigrations: diesel::migration::MigrationSource<DB>,
{
    use diesel::migration::MigrationSource;
    let dir = format!("{}/migrations/{dialect}", env!("CARGO_MANIFEST_DIR"));
    let source = diesel_migrations::FileBasedMigrations::from_path(dir).unwrap();
    conn.setup().unwrap();
    let mut migrations = MigrationSource::<DB>::migrations(&source).unwrap();
    migrations.sort_by_key(|m| m.name().to_string());
    for migration in migrations {
        let name = migration.name().to_string();
        if !held_back.iter().any(|held| name.starts_with(held)) {
            conn.run_migration(&*migration)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("keydesk-{tag}-{}", random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn random_suffix() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric
        .sample_string(&mut rand::rng(), 12)
        .to_lowercase()
}

pub fn require_all_suites() -> bool {
    std::env::var("KEYDESK_REQUIRE_ALL_SUITES").is_ok_and(|v| v == "1" || v == "true")
}

pub fn create_test_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = TempDir::new("db");
            let url = format!("sqlite://{}", dir.0.join("keydesk.db").display());
            Some(TestDb {
                url,
                pg_admin: None,
                _dir: Some(dir),
            })
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("KEYDESK_TEST_POSTGRES_URL") else {
                assert!(
                    !require_all_suites(),
                    "KEYDESK_REQUIRE_ALL_SUITES=1 but KEYDESK_TEST_POSTGRES_URL is not set: the PostgreSQL suite cannot run"
                );
                eprintln!(
                    "PostgreSQL suite skipped: set KEYDESK_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it"
                );
                return None;
            };
            let name = format!("keydesk_test_{}", random_suffix());
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot connect to KEYDESK_TEST_POSTGRES_URL: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("a database URL with a path");
            let url = format!("{base}/{name}");
            Some(TestDb {
                url,
                pg_admin: Some((admin_url, name)),
                _dir: None,
            })
        }
    }
}

/// Every request counted in `api_key_usage`, all keys and days together.
pub fn recorded_requests(conn: &mut keydesk::db::DbConnection) -> i64 {
    use diesel::prelude::*;
    use keydesk::db::schema::api_key_usage;
    api_key_usage::table
        .select(api_key_usage::requests)
        .load::<i64>(conn)
        .unwrap()
        .iter()
        .sum()
}

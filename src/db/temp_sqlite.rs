//! For unit tests: a SQLite file in a fresh temporary directory, removed on drop, or a
//! bare in-memory database.

use std::path::PathBuf;

use diesel::Connection;

use super::{DatabaseUrl, DbConnection, Pool, build_pool, configure_sqlite};

pub struct TempSqlite {
    dir: PathBuf,
    pub url: DatabaseUrl,
}

impl TempSqlite {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("keydesk-{tag}-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = DatabaseUrl::Sqlite(dir.join("keydesk.db").display().to_string());
        Self { dir, url }
    }

    /// A new pool of `size` connections on the file.
    pub fn pool(&self, size: u32) -> Pool {
        build_pool(&self.url, size)
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An empty in-memory database, opened as the pool opens its connections (after SQLite's
/// process-wide settings) but without the pool's pragmas.
pub fn in_memory() -> DbConnection {
    configure_sqlite();
    DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap())
}

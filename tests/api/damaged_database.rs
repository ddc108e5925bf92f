//! A damaged SQLite file never looks ready: it fails the start with a message that says
//! what to do, and a server that meets it while running answers `/readyz` with 503.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sql_types::Integer;
use diesel::{QueryableByName, RunQueryDsl};
use reqwest::{Method, StatusCode};

use crate::helpers::*;

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = Integer)]
    n: i32,
}

fn number(conn: &mut keydesk::db::DbConnection, sql: &str) -> i32 {
    diesel::sql_query(sql).get_result::<Number>(conn).unwrap().n
}

/// The SQLite file behind a test database.
fn sqlite_file(db: &TestDb) -> std::path::PathBuf {
    db.url.strip_prefix("sqlite://").unwrap().into()
}

/// Overwrites the page header of `table`'s first page with garbage, as a disk fault or a
/// backup replayed with another file's `-wal` would: the schema still reads, the table not.
fn damage_page_of(db: &TestDb, table: &str) {
    let (page, page_size) = {
        let mut conn = db.connect();
        let page = number(
            &mut conn,
            &format!("SELECT rootpage AS n FROM sqlite_master WHERE name = '{table}'"),
        );
        (
            page,
            number(&mut conn, "SELECT page_size AS n FROM pragma_page_size()"),
        )
    }; // The last connection closed: everything is in the main file, no -wal is left.
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(sqlite_file(db))
        .unwrap();
    let offset = u64::try_from((page - 1) * page_size).unwrap();
    file.seek(SeekFrom::Start(offset)).unwrap();
    file.write_all(&[0xff; 16]).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_that_fails_the_quick_check_stops_the_start_with_a_clear_message() {
    let db = create_test_db(Backend::Sqlite).unwrap();
    keydesk::db::run_migrations(&mut db.connect()).unwrap();
    damage_page_of(&db, "audit_events");
    let addr = format!(
        "127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );

    let ended = run_binary(
        &["serve", "--addr", &addr, "--database-url", &db.url],
        Duration::from_secs(10),
    )
    .await;

    assert!(ended.failed(), "the start must fail: {ended:?}");
    for expected in ["keydesk.db", "damaged", "quick check", "restore a backup"] {
        assert!(
            ended.output.contains(expected),
            "the message says {expected:?}: {}",
            ended.output
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_damaged_while_serving_makes_the_server_unready() {
    let app = spawn_binary(Backend::Sqlite).await.unwrap();
    let key = app.set_up_with_key().await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    // The keys table's root now points at an index page: every key lookup is malformed.
    // Written through SQLite, so the server's connections see it at once.
    let mut conn = app.db_conn();
    let index_page = number(
        &mut conn,
        "SELECT rootpage AS n FROM sqlite_master WHERE name = 'users_email'",
    );
    conn.batch_execute(&format!(
        "PRAGMA writable_schema = ON; \
         UPDATE sqlite_master SET rootpage = {index_page} WHERE name = 'api_keys'; \
         PRAGMA schema_version = 9999; PRAGMA writable_schema = OFF;"
    ))
    .unwrap();

    let api = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert!(!api.status().is_success(), "{}", api.status());
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.text().await.unwrap();
    assert!(body.contains("the database is damaged"), "{body}");
    app.logs_containing("the database is damaged").await;
}

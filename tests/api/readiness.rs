//! `/readyz` answers 503 with a reason, and the log says why, whenever the database cannot
//! serve this build: its SQLite file deleted or replaced, its schema missing or unmigrated.

use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::StatusCode;

use crate::helpers::*;

/// The status and body of `GET /readyz`.
async fn readiness(app: &TestApp) -> (StatusCode, String) {
    let response = app.get("/readyz").await;
    (response.status(), response.text().await.unwrap())
}

/// The SQLite file behind a test database.
fn sqlite_file(app: &TestApp) -> std::path::PathBuf {
    app.db.url.strip_prefix("sqlite://").unwrap().into()
}

/// Waits up to 10 s (longer than the check's interval) for an error-level log line
/// containing `expected`, with no `/readyz` request made meanwhile.
async fn logged_error(app: &TestApp, expected: &str) -> String {
    let started = Instant::now();
    loop {
        let logs = app.logs();
        if let Some(line) = logs
            .lines()
            .find(|line| line.contains(" ERROR ") && line.contains(expected))
        {
            return line.to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server never logged an error with {expected:?}; its logs:\n{logs}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_sqlite_file_makes_the_server_unready_and_the_log_says_so() {
    let app = spawn_binary(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    std::fs::remove_file(sqlite_file(&app)).unwrap();

    let line = logged_error(&app, "is missing").await;
    assert!(
        line.contains("keydesk.db"),
        "the line names the file: {line}"
    );
    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("database file is missing"), "{body}");
    // Repeatedly, not once: a second round logs it again.
    let first = app.logs().matches("is missing").count();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(app.logs().matches("is missing").count() > first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_sqlite_file_makes_the_server_unready_and_the_log_says_so() {
    let app = spawn_binary(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    // A copy (say, an old backup) moved over the path: same name, another file.
    let file = sqlite_file(&app);
    let copy = file.with_extension("copy");
    std::fs::copy(&file, &copy).unwrap();
    std::fs::rename(&copy, &file).unwrap();

    let line = logged_error(&app, "was replaced").await;
    assert!(
        line.contains("keydesk.db"),
        "the line names the file: {line}"
    );
    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("database file was replaced"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_recreated_empty_makes_the_server_unready() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    app.set_up().await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    let admin = std::env::var("KEYDESK_TEST_POSTGRES_URL").unwrap();
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    let mut conn = diesel::PgConnection::establish(&admin).unwrap();
    conn.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    conn.batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();

    // The first request may meet a terminated connection (503 too); then the reason.
    let mut answers = Vec::new();
    for _ in 0..5 {
        answers.push(readiness(&app).await);
    }
    assert!(
        answers
            .iter()
            .all(|(status, _)| *status == StatusCode::SERVICE_UNAVAILABLE),
        "{answers:?}"
    );
    let (_, body) = answers.last().unwrap();
    assert!(body.contains("schema is not migrated"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_migrations_table_makes_the_server_unready_on_sqlite() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    app.db_conn()
        .batch_execute("DROP TABLE __diesel_schema_migrations")
        .unwrap();

    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("schema is not migrated"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_table_makes_the_server_unready_on_sqlite() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    app.db_conn()
        .batch_execute("PRAGMA foreign_keys = OFF; DROP TABLE unsubscribes")
        .unwrap();

    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("table unsubscribes is missing"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_sqlite_database_keeps_pages_readable_but_the_server_unready() {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    // The first view after setup takes the flash message: a session write, before the lock.
    app.get_html("/settings/integrations").await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);

    // Another connection holds the write lock, as a full disk would refuse every write.
    let mut locker = app.db_conn();
    locker.batch_execute("BEGIN EXCLUSIVE").unwrap();

    for path in [
        "/settings/integrations",
        "/settings/team",
        "/settings/integrations",
    ] {
        let started = Instant::now();
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "GET {path}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "GET {path} waited for the write lock"
        );
    }
    let (status, body) = readiness(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("database cannot write"), "{body}");

    locker.batch_execute("COMMIT").unwrap();
    assert_eq!(readiness(&app).await.0, StatusCode::OK);
}

//! A binary never runs on a database migrated by a newer Keydesk (a rollback would silently
//! lift what the newer schema records): it refuses to start and names the migration and its
//! own version; a running one turns unready. `keydesk --version` says which build it is.

use std::time::Duration;

use diesel::RunQueryDsl;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

/// A migration no build of Keydesk has: as if a release from 2099 had migrated the database.
const FUTURE_MIGRATION: &str = "20991231000001";

/// Records `FUTURE_MIGRATION` as applied, as the newer release would have.
fn record_a_newer_migration(db: &TestDb) {
    diesel::sql_query(format!(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('{FUTURE_MIGRATION}')"
    ))
    .execute(&mut *db.connect())
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keydesk_refuses_a_database_migrated_by_a_newer_release_and_names_both_versions() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = create_test_db(backend) else {
            continue;
        };
        keydesk::db::run_migrations(&mut db.connect()).unwrap();
        record_a_newer_migration(&db);
        let addr = format!("127.0.0.1:{}", free_port());

        for args in [
            vec!["serve", "--addr", &addr, "--database-url", &db.url],
            vec!["migrate", "--database-url", &db.url],
        ] {
            let ended = run_binary(&args, Duration::from_secs(10)).await;
            assert!(
                ended.failed(),
                "{backend:?}: `keydesk {}` must refuse the database, not start: {ended:?}",
                args[0]
            );
            assert!(
                ended.output.contains(FUTURE_MIGRATION),
                "{backend:?}: the refusal names the unknown migration: {}",
                ended.output
            );
            assert!(
                ended.output.contains(keydesk::VERSION),
                "{backend:?}: the refusal names this build: {}",
                ended.output
            );
            assert!(
                std::net::TcpStream::connect(&addr).is_err(),
                "{backend:?}: nothing listens"
            );
        }
    }
}

on_both_databases!(a_running_server_turns_unready_once_a_newer_release_migrates_its_database);

async fn a_running_server_turns_unready_once_a_newer_release_migrates_its_database(app: TestApp) {
    app.set_up().await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    record_a_newer_migration(&app.db);

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.text().await.unwrap();
    assert!(body.contains("migrated by a newer Keydesk"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keydesk_version_prints_the_version_and_the_commit_it_was_built_from() {
    let ended = run_binary(&["--version"], Duration::from_secs(10)).await;
    assert_eq!(ended.status.map(|s| s.success()), Some(true), "{ended:?}");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map_or("unknown".to_string(), |out| {
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        });
    assert_eq!(
        ended.output.trim(),
        format!("keydesk {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
}

/// A port nothing listens on (yet).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

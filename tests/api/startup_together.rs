//! Instances started together on a database with migrations pending (a fresh one here)
//! migrate one after the other under a database lock: every one of them starts and serves.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_started_at_once_on_an_unmigrated_database_both_start() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        for round in 1..=3 {
            let Some(db) = create_test_db(backend) else {
                break;
            };
            let shared = db.shared();
            // Both children are spawned before either is waited for; a child that exits
            // before listening fails the test with its output.
            let (first, second) = tokio::join!(
                spawn_binary_on(db, backend, "127.0.0.1", &[]),
                spawn_binary_on(shared, backend, "127.0.0.1", &[]),
            );
            for app in [&first, &second] {
                let ready = app.client.get(app.url("/readyz")).send().await;
                assert_eq!(
                    ready.as_ref().map(|r| r.status()).ok(),
                    Some(StatusCode::OK),
                    "{backend:?}, round {round}: {ready:?}\n{}",
                    app.logs()
                );
            }
            drop(second);
        }
    }
}

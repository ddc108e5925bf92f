//! PostgreSQL connections terminated under load: every failure is a 503 with Retry-After,
//! never a 500, and the server recovers once the terminations stop.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};

use crate::helpers::*;

/// Terminates every connection to the test database, from a separate admin connection,
/// every 150 ms until `stop` is set; returns how many rounds it ran.
fn terminate_repeatedly(app: &TestApp, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u32> {
    let admin = std::env::var("KEYDESK_TEST_POSTGRES_URL").unwrap();
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        let mut rounds = 0;
        while !stop.load(Ordering::Relaxed) {
            conn.batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .unwrap();
            rounds += 1;
            std::thread::sleep(Duration::from_millis(150));
        }
        rounds
    })
}

/// What one request answered: its status, and whether a 503 said when to retry.
async fn outcome(response: reqwest::Response) -> (StatusCode, bool) {
    let status = response.status();
    let retry_after = response.headers().contains_key("retry-after");
    let _ = response.bytes().await;
    (status, retry_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_connections_give_503_with_retry_after_never_500_on_postgres() {
    let Some(app) = spawn_app_with(Backend::Postgres, |c| c.rate_limit_requests = 1_000_000).await
    else {
        return;
    };
    let key = app.set_up_with_key().await;
    assert_eq!(
        app.get("/settings/integrations").await.status(),
        StatusCode::OK
    );

    let stop = Arc::new(AtomicBool::new(false));
    let terminator = terminate_repeatedly(&app, stop.clone());
    let mut seen: BTreeMap<u16, u32> = BTreeMap::new();
    let mut without_retry_after = Vec::new();
    let started = Instant::now();
    let mut n = 0u32;
    while started.elapsed() < Duration::from_secs(6) {
        n += 1;
        let (status, retry_after) = if n.is_multiple_of(4) {
            outcome(app.get("/settings/integrations").await).await
        } else {
            let path = if n.is_multiple_of(2) {
                "/api/team"
            } else {
                "/api/campaigns"
            };
            outcome(
                app.api(Method::GET, path)
                    .bearer_auth(&key)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        };
        *seen.entry(status.as_u16()).or_default() += 1;
        if !status.is_success() && !retry_after {
            without_retry_after.push(status);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = terminator.join().unwrap();
    println!("{n} requests during {rounds} terminations: {seen:?}");

    assert!(rounds >= 10, "the connections were terminated repeatedly");
    assert!(
        seen.keys().all(|s| *s == 200 || *s == 503),
        "only 200 and 503: {seen:?}"
    );
    assert!(without_retry_after.is_empty(), "{without_retry_after:?}");
    // Recovery: once the terminations stop, every request succeeds again.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut after = Vec::new();
    for _ in 0..12 {
        after.push(app.team_status(&key).await);
        after.push(app.get("/settings/integrations").await.status());
    }
    let failed = after.iter().filter(|s| **s != StatusCode::OK).count();
    assert!(
        failed <= 4,
        "at most the pool's 4 stale connections fail once: {after:?}"
    );
    assert!(
        after[after.len() - 8..]
            .iter()
            .all(|s| *s == StatusCode::OK),
        "{after:?}"
    );
}

//! The real binary: `keydesk serve` stops cleanly on SIGTERM and keeps every request's usage.

use reqwest::Method;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(in_a_child_process: sigterm_stops_the_server_gracefully_and_keeps_usage);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keydesk_secure_cookies_1_marks_the_cookie_secure() {
    let app = spawn_binary_with(Backend::Sqlite, &[("KEYDESK_SECURE_COOKIES", "1")])
        .await
        .expect("SQLite is always available");
    let response = app.get("/setup").await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn sigterm_stops_the_server_gracefully_and_keeps_usage(mut app: TestApp) {
    let key = app.set_up_with_key().await;
    for _ in 0..9 {
        let r = app
            .api(Method::GET, "/api/team")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    // SIGTERM; fails unless the process exits with success.
    app.shut_down().await;
    let logs = app
        .logs_containing("request method=GET target=/api/team status=200")
        .await;
    assert!(!logs.contains(&key), "the key never reaches the logs");

    let mut conn = app.db_conn();
    let total = recorded_requests(&mut conn);
    assert_eq!(total, 9);
}

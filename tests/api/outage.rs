//! The database going away: 503 with Retry-After, no crash, recovery when it returns.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};

use crate::helpers::*;

fn set_connections(app: &TestApp, allowed: bool) {
    let admin = std::env::var("KEYDESK_TEST_POSTGRES_URL").unwrap();
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    let mut conn = diesel::PgConnection::establish(&admin).unwrap();
    conn.batch_execute(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS {allowed}"
    ))
    .unwrap();
    if !allowed {
        conn.batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_gives_503_and_the_server_recovers_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let key = app.set_up_with_key().await;
    set_connections(&app, false);

    let page = app.get("/settings/integrations").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.headers().contains_key("retry-after"));
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Temporarily unavailable")
    );
    let api = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(api.headers().contains_key("retry-after"));
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "the process is still up"
    );

    set_connections(&app, true);
    assert_eq!(
        app.get("/settings/integrations").await.status(),
        StatusCode::OK
    );
    assert_eq!(app.team_status(&key).await, StatusCode::OK);
}

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

async fn idle_session_ends(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| c.session_idle = time::Duration::seconds(3)).await
    else {
        return;
    };
    app.set_up().await;
    assert_eq!(
        app.get("/settings/integrations").await.status(),
        StatusCode::OK
    );
    // Activity keeps it alive: two pauses of 2 s outlast the 3 s timeout together...
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        app.get("/settings/integrations").await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        app.get("/settings/integrations").await.status(),
        StatusCode::OK
    );
    // ...and idleness ends it.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let response = app.get("/settings/integrations").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
}

async fn absolute_session_ends(backend: Backend) {
    let Some(app) =
        spawn_app_with(backend, |c| c.session_absolute = time::Duration::seconds(4)).await
    else {
        return;
    };
    app.set_up().await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            app.get("/settings/integrations").await.status(),
            StatusCode::OK
        );
    }
    // Active all along (1.5 s of 4), yet over 4 s after login it ends.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(location(&app.get("/settings/integrations").await), "/login");
}

mod a_session_ends_after_the_idle_timeout {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        super::idle_session_ends(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        super::idle_session_ends(super::Backend::Postgres).await;
    }
}

mod a_session_ends_after_the_absolute_timeout_however_active {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        super::absolute_session_ends(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        super::absolute_session_ends(super::Backend::Postgres).await;
    }
}

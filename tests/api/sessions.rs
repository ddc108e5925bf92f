//! Sessions end after the idle timeout, and after the absolute one however active.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_session_ends_after_the_idle_timeout
        with |c| c.session_idle = time::Duration::seconds(3),
    a_session_ends_after_the_absolute_timeout_however_active
        with |c| c.session_absolute = time::Duration::seconds(4),
);

async fn a_session_ends_after_the_idle_timeout(app: TestApp) {
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

async fn a_session_ends_after_the_absolute_timeout_however_active(app: TestApp) {
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

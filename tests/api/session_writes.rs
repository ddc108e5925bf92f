//! Page views extend a session's expiry at most once a minute (a tenth of the idle
//! timeout when that is shorter), so reading pages does not write the database.

use std::time::Duration;

use diesel::prelude::*;
use keydesk::db::schema::sessions;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    page_views_within_a_minute_do_not_write_the_session,
    a_session_is_extended_once_a_tenth_of_a_short_idle_timeout_has_passed
        with |c| c.session_idle = time::Duration::seconds(5),
);

/// The logged-in session's expiry as stored.
fn stored_expiry(app: &TestApp) -> time::PrimitiveDateTime {
    let mut conn = app.db_conn();
    sessions::table
        .filter(sessions::user_id.is_not_null())
        .select(sessions::expires_at)
        .first(&mut *conn)
        .unwrap()
}

async fn page_views_within_a_minute_do_not_write_the_session(app: TestApp) {
    app.set_up().await;
    // The first view takes the flash message, a change of the session's state.
    app.get_html("/settings/integrations").await;
    let before = stored_expiry(&app);

    for path in [
        "/settings/integrations",
        "/settings/team",
        "/settings/audit",
    ] {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "GET {path}");
    }

    assert_eq!(stored_expiry(&app), before, "no write within the minute");
}

async fn a_session_is_extended_once_a_tenth_of_a_short_idle_timeout_has_passed(app: TestApp) {
    app.set_up().await;
    app.get_html("/settings/integrations").await;
    let before = stored_expiry(&app);

    // Within half a second (a tenth of 5 s): not extended...
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.get_html("/settings/integrations").await;
    assert_eq!(stored_expiry(&app), before);

    // ...after it: extended by the time that passed.
    tokio::time::sleep(Duration::from_millis(900)).await;
    app.get_html("/settings/integrations").await;
    let after = stored_expiry(&app);
    assert!(
        after - before >= time::Duration::milliseconds(900),
        "{before} → {after}"
    );
}

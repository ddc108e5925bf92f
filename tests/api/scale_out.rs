//! Two instances on one database: keys, revocation, usage and logins are shared.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::helpers::*;

async fn two_instances_share_keys_revocation_usage_and_logins(backend: Backend) {
    let Some(db) = create_test_db(backend) else {
        return;
    };
    let shared = db.shared();
    let a = spawn_on(db, backend, |_| {}).await;
    let b = spawn_on(shared, backend, |_| {}).await;

    // A key made on A works on B.
    let key = a.set_up_with_key().await;
    assert_eq!(b.team_status(&key).await, StatusCode::OK);

    // Use through B shows on A's page.
    for _ in 0..3 {
        b.api(Method::GET, "/api/campaigns")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    // One call to /api/team and three to /api/campaigns, all through B.
    while !a
        .get_html("/settings/integrations")
        .await
        .contains("<span class=\"usage-total\">4</span>")
    {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "B's usage reaches A's page"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A login on A is valid on B (sessions live in the database, the cookie key too).
    let cookie = a.cookie_header().unwrap();
    let on_b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(b.url("/settings/integrations"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(on_b.status(), StatusCode::OK);

    // Deleting the key on B makes A refuse it on the very next request.
    let b_admin = b.other_browser();
    b_admin.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let id = b_admin.key_id("Integration").await;
    let deleted = b_admin
        .post_form(&format!("/settings/integrations/keys/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.team_status(&key).await, StatusCode::UNAUTHORIZED);
}

mod two_instances_on_one_database {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        super::two_instances_share_keys_revocation_usage_and_logins(super::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        super::two_instances_share_keys_revocation_usage_and_logins(super::Backend::Postgres).await;
    }
}

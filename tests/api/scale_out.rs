//! Two instances on one database: keys, revocation, usage and logins are shared.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(two_instances_share_keys_revocation_usage_and_logins);

async fn two_instances_share_keys_revocation_usage_and_logins(a: TestApp) {
    let b = spawn_on(a.db.shared(), a.backend, |_| {}).await;

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
    let delete = format!("/settings/integrations/keys/{id}/delete");
    let page = b_admin.get_html(&delete).await;
    let deleted = b_admin.submit(&page, &delete, &[]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(a.team_status(&key).await, StatusCode::UNAUTHORIZED);
}

//! "Key policy", the job that disables unused keys: exactly the keys past the threshold,
//! in an audited transaction, and a key enabled again gets a fresh start (time driven
//! through the database, never by sleeping).

use diesel::prelude::*;
use keydesk::db::schema::api_keys;
use reqwest::StatusCode;
use time::Duration;

use crate::helpers::*;
use crate::keys_policy::{age_key, disabled_ids, run_job, save_policy};
use crate::on_both_databases;

on_both_databases!(
    the_unused_key_job_disables_exactly_the_keys_past_the_threshold,
    a_key_enabled_again_is_not_disabled_by_the_next_round,
);

async fn the_unused_key_job_disables_exactly_the_keys_past_the_threshold(app: TestApp) {
    app.set_up().await;
    let mut keys = Vec::new();
    for name in ["Stale", "Recent", "Never used", "Brand new", "Regenerated"] {
        keys.push(app.create_key(name).await);
    }
    let list = app.get_html("/settings/integrations").await;
    let [stale, recent, never, regenerated] =
        ["Stale", "Recent", "Never used", "Regenerated"].map(|name| key_id_on(&list, name));
    let now = keydesk::db::now();
    let long_ago = now - Duration::days(200);
    age_key(
        &app,
        stale,
        long_ago,
        Some(now - Duration::days(30) - Duration::minutes(1)),
    );
    age_key(
        &app,
        recent,
        long_ago,
        Some(now - Duration::days(30) + Duration::minutes(1)),
    );
    age_key(&app, never, now - Duration::days(31), None);
    age_key(&app, regenerated, long_ago, Some(long_ago));
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.find(regenerated))
            .set(api_keys::rotated_at.eq(Some(now - Duration::days(1))))
            .execute(&mut *conn)
            .unwrap();
    }
    // Another workspace without a threshold: its old key is left alone.
    let eve = app.log_in_to_another_workspace().await;
    let eves = eve.create_key("Eve old key").await;
    let eves_id = eve.key_id("Eve old key").await;
    age_key(&app, eves_id, long_ago, None);

    assert_eq!(run_job(&app), 0, "no policy yet, nothing disabled");
    save_policy(&app, "none", "30", false).await;
    assert_eq!(run_job(&app), 2);
    assert_eq!(disabled_ids(&app), [stale, never]);
    assert_eq!(run_job(&app), 0, "a second round finds nothing more");

    let response = app
        .api(reqwest::Method::GET, "/api/team")
        .bearer_auth(&keys[0])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "key_disabled");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("disabled by the workspace's Key policy on ")
            && message.contains("after 30 days unused"),
        "{message}"
    );
    assert_eq!(app.team_status(&keys[1]).await, StatusCode::OK);
    assert_eq!(app.team_status(&keys[3]).await, StatusCode::OK);
    assert_eq!(app.team_status(&keys[4]).await, StatusCode::OK);
    assert_eq!(eve.team_status(&eves).await, StatusCode::OK);

    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert_eq!(list.matches(">Disabled<").count(), 2);
    assert_eq!(
        list.matches("Disabled by the key policy on ").count(),
        2,
        "the rows say why"
    );
    assert!(list.contains("after 30 days unused"));

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert_eq!(audit.matches("Unused for 30 days").count(), 2);
    assert_eq!(audit.matches("Key disabled").count(), 2);
    assert_eq!(
        audit
            .matches("<td data-label=\"Who\">Key policy</td>")
            .count(),
        2,
        "done by the policy, not by a person"
    );
}

async fn a_key_enabled_again_is_not_disabled_by_the_next_round(app: TestApp) {
    let key = app.set_up_with_key().await;
    let id = app.key_id("Integration").await;
    let now = keydesk::db::now();
    age_key(
        &app,
        id,
        now - Duration::days(100),
        Some(now - Duration::days(40)),
    );
    save_policy(&app, "none", "30", false).await;
    assert_eq!(run_job(&app), 1);
    assert_eq!(app.team_status(&key).await, StatusCode::UNAUTHORIZED);

    let list = app.get_html("/settings/integrations").await;
    let enabled = app
        .submit(
            &list,
            &format!("/settings/integrations/keys/{id}/enable"),
            &[],
        )
        .await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    // No API call from here on: its "Last used", flushed later, would blur the test.
    assert_eq!(
        run_job(&app),
        0,
        "enabling gives the key the full 30 days again"
    );
    let list = app.get_html("/settings/integrations").await;
    assert!(!list.contains(">Disabled<"));

    // Thirty days after it was enabled, still unused: disabled again.
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.find(id))
            .set((
                api_keys::enabled_at.eq(Some(now - Duration::days(31))),
                api_keys::last_used_at.eq(Some(now - Duration::days(31))),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    assert_eq!(run_job(&app), 1);
}

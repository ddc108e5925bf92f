//! "Check a key": every outcome explained, the pasted key never echoed.

use diesel::prelude::*;
use keydesk::db::now;
use keydesk::db::schema::api_keys;
use reqwest::StatusCode;
use time::Duration;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(check_a_key_explains_every_outcome_without_echoing_the_key);

async fn check_a_key_explains_every_outcome_without_echoing_the_key(app: TestApp) {
    app.set_up().await;
    let good = app.create_key("Checked").await;
    let expired = app.create_key("Gone stale").await;
    let deleted = app.create_key("Deleted").await;
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.filter(api_keys::name.eq("Gone stale")))
            .set(api_keys::expires_at.eq(Some(now() - Duration::hours(1))))
            .execute(&mut *conn)
            .unwrap();
    }
    let deleted_id = app.key_id("Deleted").await;
    let delete_page = app
        .get_html(&format!("/settings/integrations/keys/{deleted_id}/delete"))
        .await;
    let removed = app
        .submit(
            &delete_page,
            &format!("/settings/integrations/keys/{deleted_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);

    let eve = app.log_in_to_another_workspace().await;
    let foreign = eve.create_key("Eve's key").await;

    let mut typo = good.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let cases = [
        (good.clone(), "This key works"),
        (format!(" {good} "), "spaces or line breaks"),
        (good[..30].to_string(), "looks truncated"),
        (typo.clone(), "checksum does not match"),
        (good.replacen("kd_", "ll_", 1), "start with"),
        (expired.clone(), "has expired"),
        (deleted.clone(), "No key you can see matches"),
        (foreign.clone(), "No key you can see matches"),
    ];
    let form = app.get_html("/settings/integrations/check").await;
    for (pasted, expected) in cases {
        let r = app
            .submit(&form, "/settings/integrations/check", &[("key", &pasted)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{expected}");
        assert!(
            !html.contains(pasted.trim()),
            "the key is not echoed ({expected})"
        );
    }
    let works = app
        .submit(&form, "/settings/integrations/check", &[("key", &good)])
        .await
        .text()
        .await
        .unwrap();
    assert!(works.contains("Checked") && works.contains("never used"));
}

//! Regenerating a key: a new secret at once or after a grace period; stale forms refused.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    regenerate_replaces_the_secret_at_once_or_after_a_grace_period,
    a_form_open_for_more_than_a_day_must_be_sent_again,
);

async fn regenerate_replaces_the_secret_at_once_or_after_a_grace_period(app: TestApp) {
    app.set_up().await;
    let first = app.create_key("Airbyte").await;
    let id = app.key_id("Airbyte").await;
    let regenerate = format!("/settings/integrations/keys/{id}/regenerate");
    let check_form = app.get_html("/settings/integrations/check").await;
    let check = |key: String| {
        let (app, check_form) = (&app, &check_form);
        async move {
            let r = app
                .submit(check_form, "/settings/integrations/check", &[("key", &key)])
                .await;
            r.text().await.unwrap()
        }
    };

    // Immediately.
    let page = app.get_html(&regenerate).await;
    let token = form_token(&page);
    let r = app
        .submit(
            &page,
            &regenerate,
            &[("grace_hours", "0"), ("form_token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let second = revealed_key(&r.text().await.unwrap());
    assert_ne!(first, second);
    assert!(
        check(first.clone())
            .await
            .contains("No key you can see matches")
    );
    assert!(check(second.clone()).await.contains("This key works"));
    assert_eq!(app.key_id("Airbyte").await, id, "same entry");
    let again = app
        .submit(
            &page,
            &regenerate,
            &[("grace_hours", "0"), ("form_token", &token)],
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a resubmission does not rotate again"
    );

    // With 24 hours of grace.
    let page = app.get_html(&regenerate).await;
    let token = form_token(&page);
    let r = app
        .submit(
            &page,
            &regenerate,
            &[("grace_hours", "24"), ("form_token", &token)],
        )
        .await;
    let third = revealed_key(&r.text().await.unwrap());
    assert!(check(second.clone()).await.contains("previous secret"));
    assert!(check(third.clone()).await.contains("This key works"));
    let list = app.get_html("/settings/integrations").await;
    assert!(
        list.contains(">Grace period<")
            && list.contains(&format!("kd_…{}", &second[second.len() - 4..]))
    );

    let audit = app.get_html("/settings/audit").await;
    assert_eq!(audit.matches("Key regenerated").count(), 2);
    assert!(audit.contains("stopped working at once") && audit.contains("works until"));
}

async fn a_form_open_for_more_than_a_day_must_be_sent_again(app: TestApp) {
    app.set_up().await;
    app.create_key("Existing").await;
    let id = app.key_id("Existing").await;
    let issued = time::OffsetDateTime::now_utc().unix_timestamp() - 2 * 86_400;
    let stale = format!("{issued}.{}", "a".repeat(24));

    let form = app.get_html("/settings/integrations/keys/new").await;
    let create = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[("name", "Late"), ("form_token", &stale)],
        )
        .await;
    assert_eq!(create.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = create.text().await.unwrap();
    assert!(html.contains("open for more than a day") && html.contains("value=\"Late\""));
    assert!(form_token(&html) != stale, "a fresh token to send again");

    let regenerate = format!("/settings/integrations/keys/{id}/regenerate");
    let page = app.get_html(&regenerate).await;
    let response = app
        .submit(
            &page,
            &regenerate,
            &[("grace_hours", "0"), ("form_token", &stale)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("open for more than a day")
    );
    assert!(
        !app.get_html("/settings/integrations")
            .await
            .contains("<strong>Late</strong>")
    );
    assert!(
        !app.get_html("/settings/audit")
            .await
            .contains("Key regenerated")
    );
}

//! Integrations → "Webhooks": "Add webhook" shows the signing secret once, each hook lists
//! its last deliveries, "Send test event" reaches the receiver signed, "Delete" removes it;
//! only people who may use API keys manage hooks, and only their workspace's.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_databases;
use crate::webhooks::{fast_local_delivery, signature_is_valid};

on_both_databases!(
    a_webhook_added_on_the_page_gets_a_test_event_and_can_be_deleted with fast_local_delivery,
    bad_webhook_input_is_refused_beside_the_field_and_kept with fast_local_delivery,
    webhooks_are_managed_only_by_people_with_api_access_in_their_workspace
        with fast_local_delivery,
);

const NEW: &str = "/settings/integrations/webhooks/new";

/// The signing secret on the page shown after "Add webhook".
fn shown_secret(html: &str) -> String {
    let start = html
        .find("id=\"webhook-secret\"")
        .expect("the secret is shown");
    let value = &html[start..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    value[..value.find('"').unwrap()].to_string()
}

/// The id in `/settings/integrations/webhooks/<id>/test` on the page.
fn hook_id_on(html: &str) -> String {
    let marker = "/settings/integrations/webhooks/";
    html.split(marker)
        .skip(1)
        .find_map(|rest| rest.split_once("/test").map(|(id, _)| id.to_string()))
        .expect("a webhook is listed")
}

async fn a_webhook_added_on_the_page_gets_a_test_event_and_can_be_deleted(app: TestApp) {
    app.set_up().await;
    let receiver = Receiver::start();
    let page = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(page.contains("<h2 id=\"webhooks-title\">Webhooks</h2>"));
    assert!(page.contains("No webhooks yet."));
    assert!(page.contains("href=\"/settings/integrations/webhooks/new\">Add webhook</a>"));

    let form = app.get_html(NEW).await;
    assert!(form.contains("<label for=\"webhook-url\">Target URL</label>"));
    assert!(form.contains("<option value=\"leadAdded\""));
    let target = format!("{}/ok", receiver.base);
    let added = app
        .submit(
            &form,
            "/settings/integrations/webhooks",
            &[("target_url", &target), ("event_type", "")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    assert_eq!(added.headers()["cache-control"], "no-store");
    let added = added.text().await.unwrap();
    let secret = shown_secret(&added);
    assert!(secret.starts_with("whsec_"));

    let listed = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(listed.contains(&target) && listed.contains("Every event"));
    assert!(!listed.contains(&secret), "the secret is shown only once");
    let id = hook_id_on(&listed);
    let tested = app
        .submit(
            &listed,
            &format!("/settings/integrations/webhooks/{id}/test"),
            &[],
        )
        .await;
    assert_eq!(tested.status(), StatusCode::SEE_OTHER);
    let received = receiver.wait_for(1, Duration::from_secs(10)).await;
    let body: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["type"], "test");
    assert_eq!(received[0].headers["keydesk-event"], "test");
    assert!(signature_is_valid(
        &secret,
        &received[0].headers["keydesk-signature"],
        &received[0].body
    ));

    // The delivery is recorded within a moment of the answer.
    let mut after = String::new();
    for _ in 0..40 {
        after = html_unescape(&app.get_html("/settings/integrations").await);
        if after.contains(">Delivered</span>") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(after.contains("Test event queued."), "the flash");
    assert!(after.contains(">Delivered</span>"), "{after}");
    assert!(after.contains("<td data-label=\"Response\">200</td>"));

    let deleted = app
        .submit(
            &after,
            &format!("/settings/integrations/webhooks/{id}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let gone = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(gone.contains("Webhook deleted.") && gone.contains("No webhooks yet."));
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Webhook added") && audit.contains("Webhook deleted"));
    assert!(audit.contains(&target));
}

async fn bad_webhook_input_is_refused_beside_the_field_and_kept(app: TestApp) {
    app.set_up().await;
    let form = app.get_html(NEW).await;
    for (url, event, field, message) in [
        ("", "", "webhook-url-error", "Enter the URL"),
        (
            "hooks.example.com/in",
            "",
            "webhook-url-error",
            "The URL must start with https://",
        ),
        (
            "http://127.0.0.1/in",
            "noSuchEvent",
            "webhook-event-error",
            "Choose one of the listed events.",
        ),
    ] {
        let refused = app
            .submit(
                &form,
                "/settings/integrations/webhooks",
                &[("target_url", url), ("event_type", event)],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = html_unescape(&refused.text().await.unwrap());
        assert!(
            html.contains(&format!("id=\"{field}\">{message}")),
            "{url}: {html}"
        );
        assert!(html.contains(&format!("value=\"{url}\"")), "kept as typed");
    }
    let page = app.get_html("/settings/integrations").await;
    assert!(page.contains("No webhooks yet."), "nothing was added");
}

async fn webhooks_are_managed_only_by_people_with_api_access_in_their_workspace(app: TestApp) {
    app.set_up().await;
    let form = app.get_html(NEW).await;
    app.submit(
        &form,
        "/settings/integrations/webhooks",
        &[("target_url", "http://127.0.0.1:9/in"), ("event_type", "")],
    )
    .await;
    let id = hook_id_on(&app.get_html("/settings/integrations").await);

    app.add_member("Noor", "noor@example.com", "member", false)
        .await;
    let noor = app.log_in_as("noor@example.com").await;
    assert_not_allowed(noor.get(NEW).await, "a member without API access").await;
    let page = noor.get_html("/settings/integrations").await;
    assert!(
        !page.contains("webhooks-title"),
        "no webhooks section on the notice"
    );
    let test = format!("/settings/integrations/webhooks/{id}/test");
    assert_not_allowed(
        noor.submit(&page, &test, &[]).await,
        "testing without access",
    )
    .await;

    let eve = app.log_in_to_another_workspace().await;
    let elsewhere = eve.get_html("/settings/integrations").await;
    let delete = format!("/settings/integrations/webhooks/{id}/delete");
    let refused = eve.submit(&elsewhere, &delete, &[]).await;
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "another workspace's hook"
    );
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains("http://127.0.0.1:9/in")
    );
}

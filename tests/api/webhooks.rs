//! Webhooks through the API in lemlist's shape: each event reaches a local receiver once,
//! signed; failures are retried; redirects are not followed; private targets are refused
//! by default; an event pending when the server dies is delivered after a restart.

use std::time::Duration;

use diesel::prelude::*;
use hmac::{Hmac, KeyInit, Mac};
use keydesk::db::schema::hook_deliveries;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_hook_gets_each_event_once_signed_with_its_secret with fast_local_delivery,
    a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt with fast_local_delivery,
    a_redirect_is_not_followed with fast_local_delivery,
    hooks_are_listed_and_deleted_in_lemlists_shape_and_audited with fast_local_delivery,
    bad_hooks_are_refused_with_the_field_named with fast_local_delivery,
    private_targets_are_refused_by_default,
);

/// Deliveries to 127.0.0.1 allowed, the outbox read every 100 ms, retries after 1 s.
pub(crate) fn fast_local_delivery(config: &mut keydesk::config::Config) {
    config.webhooks.allow_private = true;
    config.webhooks.poll_every = Duration::from_millis(100);
    config.webhooks.retry_base_secs = 1;
}

/// Creates a hook through the API; returns its JSON (with the secret).
pub(crate) async fn add_hook(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, json) = status_and_json(
        app.api(Method::POST, "/api/hooks")
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    json
}

/// A campaign, then `email` added to it and unsubscribed: two activities.
pub(crate) async fn lead_added_then_unsubscribed(app: &TestApp, key: &str, email: &str) {
    let (status, campaign) = status_and_json(
        app.api(Method::POST, "/api/campaigns")
            .bearer_auth(key)
            .json(&json!({"name": "Launch"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let id = campaign["_id"].as_str().unwrap();
    let added = app
        .api(Method::POST, &format!("/api/campaigns/{id}/leads/{email}"))
        .bearer_auth(key)
        .json(&json!({"firstName": "Grace"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let unsubscribed = app
        .api(Method::POST, &format!("/api/unsubscribes/{email}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(unsubscribed.status(), StatusCode::OK);
}

/// Checks `Keydesk-Signature: t=<unix>,v1=<hex>` against the secret and body.
pub(crate) fn signature_is_valid(secret: &str, header: &str, body: &str) -> bool {
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    hex::decode(v1).is_ok_and(|sent| mac.verify_slice(&sent).is_ok())
}

async fn a_hook_gets_each_event_once_signed_with_its_secret(app: TestApp) {
    let key = app.set_up_with_key().await;
    let receiver = Receiver::start();
    let hook = add_hook(
        &app,
        &key,
        json!({"targetUrl": format!("{}/ok", receiver.base)}),
    )
    .await;
    assert!(hook["_id"].as_str().unwrap().starts_with("hoo_"));
    assert_eq!(hook["type"], Value::Null);
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));

    lead_added_then_unsubscribed(&app, &key, "grace@example.com").await;
    let received = receiver.wait_for(2, Duration::from_secs(10)).await;
    // Nothing more arrives: each event once.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let received_later = receiver.received();
    assert_eq!(received_later.len(), 2, "{received_later:?}");

    let types: Vec<String> = received
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(types, ["leadAdded", "variableUnsubscribed"], "in order");
    for r in &received {
        assert_eq!(r.headers["content-type"], "application/json");
        assert!(
            signature_is_valid(&secret, &r.headers["keydesk-signature"], &r.body),
            "signed: {:?}",
            r.headers
        );
        assert!(!signature_is_valid(
            "whsec_wrong",
            &r.headers["keydesk-signature"],
            &r.body
        ));
        assert!(r.headers["keydesk-delivery"].starts_with("dlv_"));
        assert!(!r.body.contains(&secret), "the secret is never sent");
    }
    assert_ne!(
        received[0].headers["keydesk-delivery"],
        received[1].headers["keydesk-delivery"]
    );
    let added: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(added["leadEmail"], "grace@example.com");
    assert_eq!(added["leadFirstName"], "Grace");

    let typed = add_hook(
        &app,
        &key,
        json!({"targetUrl": format!("{}/only-added", receiver.base), "type": "leadAdded"}),
    )
    .await;
    assert_eq!(typed["type"], "leadAdded");
    lead_added_then_unsubscribed(&app, &key, "ada@example.org").await;
    let all = receiver.wait_for(5, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let only_added: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.path == "/only-added")
        .collect();
    assert_eq!(
        only_added.len(),
        1,
        "a typed hook gets only its type: {all:?}"
    );
}

async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt(app: TestApp) {
    let key = app.set_up_with_key().await;
    let receiver = Receiver::start();
    add_hook(
        &app,
        &key,
        json!({"targetUrl": format!("{}/flaky", receiver.base), "type": "leadAdded"}),
    )
    .await;
    lead_added_then_unsubscribed(&app, &key, "grace@example.com").await;
    // Attempts after 0 s, then 1 s and 2 s of backoff.
    let received = receiver.wait_for(3, Duration::from_secs(15)).await;
    let ids: Vec<&String> = received
        .iter()
        .map(|r| &r.headers["keydesk-delivery"])
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "one delivery, three attempts"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.received().len(),
        3,
        "delivered on the third: no fourth"
    );

    let (state, attempts, status): (String, i32, Option<i32>) = hook_deliveries::table
        .select((
            hook_deliveries::state,
            hook_deliveries::attempts,
            hook_deliveries::last_status,
        ))
        .first(&mut app.db_conn())
        .unwrap();
    assert_eq!(
        (state.as_str(), attempts, status),
        ("delivered", 3, Some(200))
    );
    let page = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(page.contains(&format!("{}/flaky", receiver.base)));
    assert!(page.contains(">Delivered</span>"));
}

async fn a_redirect_is_not_followed(app: TestApp) {
    let key = app.set_up_with_key().await;
    let receiver = Receiver::start();
    add_hook(
        &app,
        &key,
        json!({"targetUrl": format!("{}/redirect", receiver.base), "type": "leadAdded"}),
    )
    .await;
    lead_added_then_unsubscribed(&app, &key, "grace@example.com").await;
    receiver.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        receiver.received().iter().all(|r| r.path == "/redirect"),
        "the redirect's target is never called"
    );
    let (state, error): (String, Option<String>) = hook_deliveries::table
        .select((hook_deliveries::state, hook_deliveries::last_error))
        .first(&mut app.db_conn())
        .unwrap();
    assert_eq!(state, "pending", "retried later");
    assert!(error.unwrap().contains("redirects are not followed"));
}

async fn hooks_are_listed_and_deleted_in_lemlists_shape_and_audited(app: TestApp) {
    let key = app.set_up_with_key().await;
    let hook = add_hook(&app, &key, json!({"targetUrl": "http://127.0.0.1:9/in"})).await;
    let id = hook["_id"].as_str().unwrap();
    let api = Api {
        app: &app,
        key: key.clone(),
    };
    let (status, list) = api.call(Method::GET, "/api/hooks", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["_id"], id);
    assert_eq!(list[0]["targetUrl"], "http://127.0.0.1:9/in");
    assert!(
        list[0].get("secret").is_none(),
        "the secret is shown only once"
    );

    let other = app.log_in_to_another_workspace().await;
    let other_key = other.create_key("Elsewhere").await;
    let elsewhere = Api {
        app: &app,
        key: other_key,
    };
    let (status, _) = elsewhere
        .call(Method::DELETE, &format!("/api/hooks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another workspace's hook");

    let (status, deleted) = api
        .call(Method::DELETE, &format!("/api/hooks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["_id"], id);
    let (status, _) = api
        .call(Method::DELETE, &format!("/api/hooks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "already deleted");
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Webhook added") && audit.contains("Webhook deleted"));
    assert!(audit.contains("API key Integration"));
}

async fn bad_hooks_are_refused_with_the_field_named(app: TestApp) {
    let key = app.set_up_with_key().await;
    for (body, field) in [
        (json!({}), "targetUrl"),
        (json!({"targetUrl": 7}), "targetUrl"),
        (json!({"targetUrl": "ftp://example.com"}), "targetUrl"),
        (
            json!({"targetUrl": "https://user:pw@example.com/"}),
            "targetUrl",
        ),
        (
            json!({"targetUrl": "http://127.0.0.1/", "type": "noSuchEvent"}),
            "type",
        ),
    ] {
        let (status, json) = status_and_json(
            app.api(Method::POST, "/api/hooks")
                .bearer_auth(&key)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json["field"], field, "{body}: {json}");
    }
    let (status, _) = status_and_json(
        app.api(Method::POST, "/api/hooks")
            .bearer_auth(&key)
            .body("not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let api = Api {
        app: &app,
        key: key.clone(),
    };
    let (_, list) = api.call(Method::GET, "/api/hooks", None).await;
    assert_eq!(list, json!([]), "nothing was added");
}

async fn private_targets_are_refused_by_default(app: TestApp) {
    let key = app.set_up_with_key().await;
    for target in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://192.168.1.20/hook",
        // IPv6 forms of private IPv4 addresses: NAT64, 6to4, Teredo, mapped, compatible.
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "http://[64:ff9b:1::7f00:1]/hook",
        "http://[2002:a9fe:a9fe::1]/hook",
        "http://[2001:0:808:808::80ff:fffe]/hook",
        "http://[::ffff:a9fe:a9fe]/hook",
        "http://[::a00:1]/hook",
    ] {
        let (status, json) = status_and_json(
            app.api(Method::POST, "/api/hooks")
                .bearer_auth(&key)
                .json(&json!({"targetUrl": target}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{target}");
        assert_eq!(json["field"], "targetUrl");
        assert!(
            json["message"].as_str().unwrap().contains("private"),
            "{target}: {json}"
        );
    }
    let page = app.get_html("/settings/integrations/webhooks/new").await;
    let refused = app
        .submit(
            &page,
            "/settings/integrations/webhooks",
            &[
                ("target_url", "http://127.0.0.1:8080/hook"),
                ("event_type", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = html_unescape(&refused.text().await.unwrap());
    assert!(refused.contains("id=\"webhook-url-error\">This address is on a private"));
    assert!(
        refused.contains("value=\"http://127.0.0.1:8080/hook\""),
        "kept as typed"
    );
}

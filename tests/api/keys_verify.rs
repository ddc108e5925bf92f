//! `POST /api/keys/verify`: a service holding a key with "Verify keys" asks whether a key
//! of its workspace is valid. A valid answer describes the key and counts as its use
//! ("Last used", rate limit); every other answer has its own code and a sentence; a key
//! without the permission gets 403; the key asked about never comes back.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use keydesk::db::now;
use keydesk::db::schema::api_keys;
use keydesk::domain::api_key::PlainKey;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    // A window of 200 s refills one request every 10 s: the counts below are exact.
    a_valid_key_is_described_and_the_answer_counts_as_its_use
        with |c| c.rate_limit_window = std::time::Duration::from_secs(200),
    each_way_a_key_fails_has_its_own_code_and_message,
    a_key_out_of_requests_is_reported_rate_limited_with_its_state
        with |c| {
            c.rate_limit_requests = 3;
            c.rate_limit_window = std::time::Duration::from_secs(300);
        },
    a_key_without_verify_keys_gets_403_naming_the_permission,
    a_bad_body_gets_400_and_never_repeats_the_key,
    a_key_limited_to_some_addresses_needs_the_holders_address,
    an_old_secret_in_its_grace_period_is_valid_until_the_grace_ends,
);

/// The user agent of the verifying service in these tests.
const GATEWAY_AGENT: &str = "Acme gateway/2.0";

/// A "Read only" key with "Verify keys": the least a verifying service needs.
async fn gateway_key(app: &TestApp) -> String {
    app.create_key_with(
        "Gateway",
        &[("access", "read_only"), ("verify_keys", "true")],
    )
    .await
}

/// `POST /api/keys/verify` as `caller` with `body`: status, raw text and JSON.
async fn verify(app: &TestApp, caller: &str, body: Value) -> (StatusCode, String, Value) {
    let response = app
        .api(Method::POST, "/api/keys/verify")
        .bearer_auth(caller)
        .header("user-agent", GATEWAY_AGENT)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, text, json)
}

/// The key asked about never appears in the answer, not even its first 16 characters.
fn assert_not_echoed(text: &str, key: &str) {
    let part = &key[..key.len().min(19)];
    assert!(
        !text.contains(part),
        "the answer repeats the key asked about: {text}"
    );
}

/// "Last used" and its user agent of the key named `name`, read from the database.
fn last_use(app: &TestApp, name: &str) -> (Option<time::PrimitiveDateTime>, Option<String>) {
    let mut conn = app.db_conn();
    api_keys::table
        .filter(api_keys::name.eq(name))
        .select((api_keys::last_used_at, api_keys::last_used_agent))
        .first(&mut *conn)
        .unwrap()
}

async fn a_valid_key_is_described_and_the_answer_counts_as_its_use(app: TestApp) {
    app.set_up().await;
    let gateway = gateway_key(&app).await;
    let clay = app
        .create_key_with(
            "Clay Integration",
            &[
                ("access", "custom"),
                ("scope_team", "read"),
                ("scope_leads", "write"),
                ("expiry", "30"),
            ],
        )
        .await;
    assert_eq!(last_use(&app, "Clay Integration").0, None, "never used yet");

    let (status, text, body) = verify(&app, &gateway, json!({"key": clay})).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(body["valid"], true);
    assert_eq!(body["code"], "valid");
    assert_eq!(
        body["message"],
        "The API key \"Clay Integration\" is valid."
    );
    assert_eq!(body["name"], "Clay Integration");
    assert!(body["keyId"].as_str().unwrap().starts_with("key_"));
    assert_eq!(body["workspace"]["name"], WORKSPACE);
    assert!(
        body["workspace"]["_id"]
            .as_str()
            .unwrap()
            .starts_with("tea_")
    );
    assert_eq!(body["scopes"], json!(["team:read", "leads:write"]));
    let expires = body["expires"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 24, "{expires}");
    assert_eq!(body["rateLimit"]["limit"], 20);
    assert_eq!(
        body["rateLimit"]["remaining"], 19,
        "the verification counted"
    );
    assert!(body["rateLimit"]["reset"].as_str().unwrap().ends_with('Z'));
    assert_not_echoed(&text, &clay);

    // "Last used" moves, from the verification alone, within 2 seconds.
    let asked = Instant::now();
    while last_use(&app, "Clay Integration").1.as_deref() != Some(GATEWAY_AGENT) {
        assert!(asked.elapsed() < Duration::from_secs(2), "Last used moves");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // One budget: the key's own next request sees the verification's use, and back.
    let own = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&clay)
        .send()
        .await
        .unwrap();
    assert_eq!(own.headers()["x-ratelimit-remaining"], "18");
    let (_, _, again) = verify(&app, &gateway, json!({"key": clay})).await;
    assert_eq!(again["rateLimit"]["remaining"], 17);
}

async fn each_way_a_key_fails_has_its_own_code_and_message(app: TestApp) {
    app.set_up().await;
    let gateway = gateway_key(&app).await;
    let good = app.create_key("Good").await;
    let expired = app.create_key("Stale").await;
    let disabled = app.create_key("Paused").await;
    let deleted = app.create_key("Removed").await;
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.filter(api_keys::name.eq("Stale")))
            .set(api_keys::expires_at.eq(Some(now() - time::Duration::hours(1))))
            .execute(&mut *conn)
            .unwrap();
    }
    for (name, action) in [("Paused", "disable"), ("Removed", "delete")] {
        let id = app.key_id(name).await;
        let path = format!("/settings/integrations/keys/{id}/{action}");
        let page = app.get_html(&path).await;
        let done = app.submit(&page, &path, &[]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "{action} {name}");
    }
    let eve = app.log_in_to_another_workspace().await;
    let foreign = eve.create_key("Eve's key").await;
    let mut typo = good.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let never_issued = PlainKey::generate().expose().to_string();

    // (key, code, part of the message, the entry's name when it is one of ours)
    let cases = [
        (never_issued, "key_unknown", "not valid", None),
        (
            good[..30].to_string(),
            "key_truncated",
            "looks truncated",
            None,
        ),
        (typo, "key_bad_checksum", "checksum does not match", None),
        (
            format!("{good}\n"),
            "key_has_whitespace",
            "spaces or line breaks",
            None,
        ),
        (deleted, "key_unknown", "deleted or regenerated", None),
        (
            disabled,
            "key_disabled",
            "disabled by Ada Lovelace on",
            Some("Paused"),
        ),
        (expired, "key_expired", "expired on", Some("Stale")),
        (
            foreign,
            "key_other_workspace",
            "another Keydesk workspace",
            None,
        ),
    ];
    for (key, code, says, entry) in cases {
        let (status, text, body) = verify(&app, &gateway, json!({"key": key})).await;
        assert_eq!(status, StatusCode::OK, "{code}: {text}");
        assert_eq!(body["valid"], false, "{code}");
        assert_eq!(body["code"], code, "{text}");
        assert!(
            body["message"].as_str().unwrap().contains(says),
            "{code}: {text}"
        );
        assert_eq!(body["name"].as_str(), entry, "{code}");
        assert_eq!(body["rateLimit"], Value::Null, "{code}: not counted");
        if entry.is_none() {
            assert_eq!(body["workspace"], Value::Null, "{code}");
        }
        assert!(
            !text.contains("Elsewhere") && !text.contains("Eve"),
            "nothing of another workspace is told: {text}"
        );
        assert_not_echoed(&text, &key);
    }
    assert_eq!(
        last_use(&app, "Stale").0,
        None,
        "a refused key's use is not recorded"
    );
}

async fn a_key_out_of_requests_is_reported_rate_limited_with_its_state(app: TestApp) {
    app.set_up().await;
    let gateway = gateway_key(&app).await;
    let busy = app.create_key("Busy tool").await;
    for _ in 0..3 {
        assert_eq!(app.team_status(&busy).await, StatusCode::OK);
    }
    let (status, text, body) = verify(&app, &gateway, json!({"key": busy})).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the caller itself is within its limit"
    );
    assert_eq!(body["valid"], false);
    assert_eq!(body["code"], "rate_limited");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("has made its 3 requests"),
        "{text}"
    );
    assert_eq!(body["name"], "Busy tool");
    assert_eq!(body["rateLimit"]["limit"], 3);
    assert_eq!(body["rateLimit"]["remaining"], 0);
    // Same format as now's, so the strings compare as the times do.
    let reset = body["rateLimit"]["reset"].as_str().unwrap();
    assert!(
        reset > keydesk::api::json_time(now()).as_str(),
        "the reset is ahead: {reset}"
    );
    assert_not_echoed(&text, &busy);
}

async fn a_key_without_verify_keys_gets_403_naming_the_permission(app: TestApp) {
    app.set_up().await;
    let full = app.create_key("Everything but verify").await;
    let target = app.create_key("Target").await;
    let (status, text, body) = verify(&app, &full, json!({"key": target})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "insufficient_scope");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("\"Everything but verify\"")
            && message.contains("keys:verify")
            && message.contains("\"Verify keys\" permission"),
        "the 403 names the key and what it lacks: {message}"
    );
    assert_not_echoed(&text, &target);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(last_use(&app, "Target").0, None, "nothing was verified");
}

async fn a_bad_body_gets_400_and_never_repeats_the_key(app: TestApp) {
    app.set_up().await;
    let gateway = gateway_key(&app).await;
    let key = app.create_key("Target").await;
    let cases = [
        (json!(key), None),
        (json!({"token": key}), Some("key")),
        (json!({"key": 42}), Some("key")),
        (json!({"key": [key]}), Some("key")),
        (json!({"key": key, "ip": key}), Some("ip")),
        (json!({"key": key, "ip": 7}), Some("ip")),
    ];
    for (body, field) in cases {
        let (status, text, answer) = verify(&app, &gateway, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        assert_eq!(answer["error"], "invalid_request");
        assert_eq!(answer["field"].as_str(), field, "{text}");
        assert!(answer["message"].as_str().unwrap().len() > 20, "{text}");
        assert_not_echoed(&text, &key);
    }
    let garbled = app
        .api(Method::POST, "/api/keys/verify")
        .bearer_auth(&gateway)
        .body(format!("{{\"key\": \"{key}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(garbled.status(), StatusCode::BAD_REQUEST);
    assert_not_echoed(&garbled.text().await.unwrap(), &key);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        last_use(&app, "Target").0,
        None,
        "a bad request verifies nothing"
    );
}

async fn a_key_limited_to_some_addresses_needs_the_holders_address(app: TestApp) {
    app.set_up().await;
    let gateway = gateway_key(&app).await;
    let office = app
        .create_key_with("Office only", &[("allowed_ips", "203.0.113.0/24")])
        .await;
    let cases = [
        (json!({"key": office}), false, "ip_required"),
        (
            json!({"key": office, "ip": "198.51.100.4"}),
            false,
            "ip_not_allowed",
        ),
        (json!({"key": office, "ip": "203.0.113.9"}), true, "valid"),
    ];
    for (body, valid, code) in cases {
        let (status, text, answer) = verify(&app, &gateway, body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(
            (answer["valid"].as_bool(), answer["code"].as_str()),
            (Some(valid), Some(code))
        );
        assert_eq!(answer["name"], "Office only");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("203.0.113.0/24")
                || valid
        );
        assert_not_echoed(&text, &office);
    }
}

async fn an_old_secret_in_its_grace_period_is_valid_until_the_grace_ends(app: TestApp) {
    app.set_up().await;
    let gateway = gateway_key(&app).await;
    let old = app.create_key_with("Rotating", &[("expiry", "365")]).await;
    let id = app.key_id("Rotating").await;
    let path = format!("/settings/integrations/keys/{id}/regenerate");
    let page = app.get_html(&path).await;
    let token = form_token(&page);
    let response = app
        .submit(
            &page,
            &path,
            &[("grace_hours", "1"), ("form_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let new = revealed_key(&response.text().await.unwrap());

    let in_an_hour = keydesk::api::json_time(now() + time::Duration::minutes(61));
    let (_, text, body) = verify(&app, &gateway, json!({"key": old})).await;
    assert_eq!(body["code"], "valid", "{text}");
    let expires = body["expires"].as_str().unwrap();
    assert!(
        expires < in_an_hour.as_str(),
        "the old secret stops with its grace period, not in a year: {expires}"
    );
    let (_, text, body) = verify(&app, &gateway, json!({"key": new})).await;
    assert_eq!(body["code"], "valid", "{text}");
    let expires = body["expires"].as_str().unwrap();
    assert!(
        expires > in_an_hour.as_str(),
        "the new secret has the key's expiry"
    );
    assert_not_echoed(&text, &new);
}

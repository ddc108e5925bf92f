//! What real API use does: rate limits, usage on the page, shutdown flushes, redacted logs, docs.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use keydesk::db::schema::api_keys;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    // Nothing leaves a 200 s window during the test, so 21 requests in a row are exact
    // even on a slow, busy machine.
    the_request_after_the_limit_gets_429 with |c| c.rate_limit_window = Duration::from_secs(200),
    // With hourly flushes, only the shutdown flush can write the usage.
    a_graceful_shutdown_right_after_requests_loses_none
        with |c| c.usage_flush_interval = Duration::from_secs(3600),
    the_curl_examples_of_the_docs_run_as_written,
    the_openapi_document_describes_this_server,
    two_tools_on_one_key_are_flagged_from_real_use,
);
on_both_databases!(in_a_child_process:
    usage_shows_on_the_page_within_two_seconds,
    the_access_token_parameter_is_redacted_in_the_logs,
);

async fn the_request_after_the_limit_gets_429(app: TestApp) {
    let key = app.set_up_with_key().await;
    let other = app.create_key("Other tool").await;
    for i in 0..20 {
        let response = app
            .api(Method::GET, "/api/team")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "request {}", i + 1);
        assert_eq!(
            response.headers()["x-ratelimit-remaining"],
            (19 - i).to_string().as_str()
        );
    }
    let refused = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let h = refused.headers();
    assert_eq!(h["x-ratelimit-limit"], "20");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert!(h["x-ratelimit-reset"].to_str().unwrap().ends_with("GMT"));
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (190..=200).contains(&retry),
        "the next request waits until the first leaves the 200 s window: {retry}"
    );
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
    let unaffected = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(
        unaffected.status(),
        StatusCode::OK,
        "a second key has its own allowance"
    );
}

async fn usage_shows_on_the_page_within_two_seconds(app: TestApp) {
    let key = app.set_up_with_key().await;
    for _ in 0..7 {
        let r = app
            .api(Method::GET, "/api/campaigns")
            .bearer_auth(&key)
            .header("user-agent", "Zapier/1.0")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let sent = Instant::now();
    loop {
        let html = app.get_html("/settings/integrations").await;
        if html.contains("<span class=\"usage-total\">7</span>") {
            assert!(
                html.contains("just now")
                    && html.contains("Zapier/1.0")
                    && html.contains("from 127.0.0.1")
            );
            assert!(!html.contains("Never used"));
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "Last used and usage appear within 2 seconds"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut conn = app.db_conn();
    let total = recorded_requests(&mut conn);
    assert_eq!(total, 7);
    let logs = app
        .logs_containing("request method=GET target=/api/campaigns status=200")
        .await;
    assert!(!logs.contains(&key), "the logs never contain a key");
}

async fn a_graceful_shutdown_right_after_requests_loses_none(mut app: TestApp) {
    let key = app.set_up_with_key().await;
    for _ in 0..12 {
        app.api(Method::GET, &format!("/api/team?access_token={key}"))
            .send()
            .await
            .unwrap();
    }
    app.shut_down().await;
    let mut conn = app.db_conn();
    let total = recorded_requests(&mut conn);
    assert_eq!(total, 12);
    let last_used: Option<time::PrimitiveDateTime> = api_keys::table
        .select(api_keys::last_used_at)
        .first(&mut *conn)
        .unwrap();
    assert!(last_used.is_some());
}

async fn the_access_token_parameter_is_redacted_in_the_logs(mut app: TestApp) {
    let key = app.set_up_with_key().await;
    for _ in 0..3 {
        let response = app
            .api(Method::GET, &format!("/api/team?access_token={key}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    app.shut_down().await;
    let logs = app
        .logs_containing("request method=GET target=/api/team?access_token=[redacted] status=200")
        .await;
    assert!(
        !logs.contains(&key),
        "the access_token parameter is redacted"
    );
    assert!(logs.contains("access_token=[redacted]"));
    assert!(!logs.contains(&key[3..]), "not even part of the key");
}

async fn the_curl_examples_of_the_docs_run_as_written(app: TestApp) {
    let curl_present = std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !curl_present {
        assert!(
            !require_all_suites(),
            "KEYDESK_REQUIRE_ALL_SUITES=1 but curl is not installed: the docs examples cannot run"
        );
        eprintln!(
            "docs examples suite skipped: install curl to run the cURL examples of /docs/api"
        );
        return;
    }
    app.set_up().await;
    // "Verify keys" too, so the verify example runs; it verifies the key itself.
    let key = app
        .create_key_with("Integration", &[("verify_keys", "true")])
        .await;
    let docs = app.get_html("/docs/api").await;
    assert!(
        docs.contains(&format!("{}/api", app.address)),
        "the docs show this server's base URL"
    );
    assert!(docs.contains("--user \":YOUR_API_KEY\""));
    let mut campaign_id = String::new();
    let mut hook_id = String::new();
    let mut ran = 0;
    for block in docs
        .split("<code class=\"language-bash\" data-example=\"")
        .skip(1)
    {
        let (name, rest) = block.split_once("\">").unwrap();
        let command = html_unescape(&rest[..rest.find("</code>").unwrap()]);
        let command = command
            .replace("YOUR_API_KEY", &key)
            .replace("KEY_TO_VERIFY", &key)
            .replace("CAMPAIGN_ID", &campaign_id)
            .replace("HOOK_ID", &hook_id)
            // The example's host is not resolvable here: a public address stands in for it.
            .replace(
                "https://hooks.example.com/keydesk",
                "http://93.184.216.34/keydesk",
            );
        let output = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let body: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{name} printed JSON"));
        assert_ne!(body["ok"], Value::Bool(false), "{name} failed: {body}");
        if name == "create-campaign" {
            campaign_id = body["_id"].as_str().unwrap().to_string();
        }
        if name == "add-hook" {
            hook_id = body["_id"].as_str().unwrap().to_string();
        }
        ran += 1;
    }
    assert_eq!(ran, 19, "every endpoint has a cURL example");
    assert!(docs.contains("language-js") && docs.contains("language-python"));
}

async fn the_openapi_document_describes_this_server(app: TestApp) {
    app.set_up().await;
    let doc: Value = app
        .api(Method::GET, "/api/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], format!("{}/api", app.address));
    assert!(doc["paths"]["/campaigns/{campaignId}/leads/{email}"]["post"].is_object());
}

async fn two_tools_on_one_key_are_flagged_from_real_use(app: TestApp) {
    let key = app.set_up_with_key().await;
    for agent in ["Clay/2.1", "Zapier/1.0"] {
        let r = app
            .api(Method::GET, "/api/team")
            .bearer_auth(&key)
            .header("user-agent", agent)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let sent = Instant::now();
    loop {
        let html = app.get_html("/settings/integrations").await;
        if html.contains(">Shared<") {
            assert!(html.contains("2 different tools"));
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "the agents recorded by the API reach the hint"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

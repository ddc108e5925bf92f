//! `/metrics`: absent without a token, 401 without the right one, and with it Prometheus
//! text that counts API traffic by route pattern and status, key checks by outcome,
//! rate-limit refusals, usage flushes, the pool and webhook deliveries, with ids and
//! fixed words in its labels and never a key, a key's name or the token.

use std::time::{Duration, Instant};

use keydesk::metrics::token::MetricsToken;
use reqwest::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::*;
use crate::on_both_databases;
use crate::webhooks::{add_hook, fast_local_delivery, lead_added_then_unsubscribed};

pub(crate) const TOKEN: &str = "metrics-token-6f1d0c9a7b2e";

on_both_databases!(
    without_a_token_metrics_is_an_unknown_page,
    a_missing_or_wrong_token_gets_401_and_no_metrics with with_token,
    metrics_are_served_before_the_first_admin_exists with with_token,
    api_traffic_is_counted_by_route_status_and_key_check with with_token_and_three_requests,
    usage_flushes_report_their_size_and_lag with with_token,
    webhook_deliveries_are_counted_by_outcome with |config| {
        with_token(config);
        fast_local_delivery(config);
    },
    a_webhook_to_a_refused_address_is_counted_as_target_refused with |config| {
        with_token(config);
        fast_local_delivery(config);
        config.webhooks.allow_private = false;
    },
);

fn with_token(config: &mut keydesk::config::Config) {
    config.metrics_token = MetricsToken::from_setting(Some(TOKEN));
}

fn with_token_and_three_requests(config: &mut keydesk::config::Config) {
    with_token(config);
    config.rate_limit_requests = 3;
    config.rate_limit_window = Duration::from_secs(60);
}

/// `GET /metrics` with the token; asserts 200 and the Prometheus text content type.
pub(crate) async fn scrape(app: &TestApp) -> String {
    let response = app
        .api(Method::GET, "/metrics")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// The value of the sample `series` (its name and labels exactly as written), if present.
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().unwrap())
}

/// Scrapes until `series` reaches `at_least` (up to 15 s); returns the last scrape.
async fn scrape_until(app: &TestApp, series: &str, at_least: f64) -> String {
    let started = Instant::now();
    loop {
        let text = scrape(app).await;
        if sample(&text, series).is_some_and(|v| v >= at_least) {
            return text;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{series} never reached {at_least}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn without_a_token_metrics_is_an_unknown_page(app: TestApp) {
    app.set_up().await;
    let unknown = app.get("/no-such-page").await;
    let metrics = app
        .api(Method::GET, "/metrics")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::NOT_FOUND);
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(metrics.headers().get(header::WWW_AUTHENTICATE).is_none());
    assert_eq!(metrics.text().await.unwrap(), unknown.text().await.unwrap());
}

async fn a_missing_or_wrong_token_gets_401_and_no_metrics(app: TestApp) {
    app.set_up().await;
    let attempts = [
        app.api(Method::GET, "/metrics"),
        app.api(Method::GET, "/metrics").bearer_auth("wrong-token"),
        app.api(Method::GET, "/metrics")
            .bearer_auth(&TOKEN[..TOKEN.len() - 1]),
        app.api(Method::GET, "/metrics").basic_auth("", Some(TOKEN)),
        app.api(Method::GET, &format!("/metrics?access_token={TOKEN}")),
    ];
    for attempt in attempts {
        let response = attempt.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
        );
        let body = response.text().await.unwrap();
        assert!(!body.contains("keydesk_"), "{body}");
        assert!(!body.contains(TOKEN));
    }
    assert!(scrape(&app).await.contains("keydesk_http_requests_total"));
}

async fn metrics_are_served_before_the_first_admin_exists(app: TestApp) {
    let page = app.get("/settings").await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "pages lead to /setup");
    let text = scrape(&app).await;
    assert!(text.contains("# TYPE keydesk_http_requests_total counter"));
}

async fn api_traffic_is_counted_by_route_status_and_key_check(app: TestApp) {
    app.set_up().await;
    let name = "Quarterly Pipeline Sync Xylophone";
    let key = app.create_key(name).await;
    let api = Api {
        app: &app,
        key: key.clone(),
    };
    for _ in 0..3 {
        assert_eq!(
            api.call(Method::GET, "/api/team", None).await.0,
            StatusCode::OK
        );
    }
    let (status, _) = api.call(Method::GET, "/api/team", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let unknown = keydesk::domain::api_key::PlainKey::generate();
    assert_eq!(
        app.team_status(unknown.expose()).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.team_status(&key[..20]).await, StatusCode::UNAUTHORIZED);
    let missing = app.api(Method::GET, "/api/team").send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let campaign = app
        .api(Method::GET, "/api/campaigns/cam_secretcampaign42")
        .bearer_auth(unknown.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(campaign.status(), StatusCode::UNAUTHORIZED);

    let text = scrape(&app).await;
    let team = r#"route="/api/team",method="GET""#;
    assert_eq!(
        sample(
            &text,
            &format!("keydesk_http_requests_total{{{team},status=\"200\"}}")
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!("keydesk_http_requests_total{{{team},status=\"429\"}}")
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("keydesk_http_requests_total{{{team},status=\"401\"}}")
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"keydesk_http_requests_total{route="/api/campaigns/{campaignId}",method="GET",status="401"}"#
        ),
        Some(1.0),
        "the route pattern, not the path"
    );
    for le in ["0.005", "0.025", "1", "+Inf"] {
        let bucket = format!("keydesk_http_request_duration_seconds_bucket{{{team},le=\"{le}\"}}");
        assert!(sample(&text, &bucket).is_some(), "{bucket} in\n{text}");
    }
    assert_eq!(
        sample(
            &text,
            &format!("keydesk_http_request_duration_seconds_count{{{team}}}")
        ),
        Some(7.0)
    );
    let checks = |outcome: &str| {
        sample(
            &text,
            &format!("keydesk_key_checks_total{{outcome=\"{outcome}\"}}"),
        )
    };
    assert_eq!(
        checks("ok"),
        Some(4.0),
        "the 429 came after a good key check"
    );
    assert_eq!(checks("key_unknown"), Some(2.0));
    assert_eq!(checks("key_truncated"), Some(1.0));
    assert_eq!(checks("missing_key"), Some(1.0));
    assert_eq!(checks("key_disabled"), Some(0.0));
    assert_eq!(
        sample(&text, "keydesk_rate_limit_refusals_total"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "keydesk_rate_limit_shared_fallback"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "keydesk_rate_limit_fallbacks_total"),
        Some(0.0)
    );
    assert!(sample(&text, r#"keydesk_db_pool_connections{state="in_use"}"#).is_some());
    assert!(sample(&text, r#"keydesk_db_pool_connections{state="idle"}"#).is_some());
    assert_eq!(sample(&text, "keydesk_db_pool_max_connections"), Some(4.0));

    for secret in [
        key.as_str(),
        &key[..20],
        unknown.expose(),
        name,
        TOKEN,
        "cam_secretcampaign42",
    ] {
        assert!(!text.contains(secret), "{secret:?} appears in the metrics");
    }
    assert!(!text.contains("Xylophone"));
}

async fn usage_flushes_report_their_size_and_lag(app: TestApp) {
    let key = app.set_up_with_key().await;
    for _ in 0..3 {
        assert_eq!(app.team_status(&key).await, StatusCode::OK);
    }
    let text = scrape_until(&app, "keydesk_usage_flush_batch_requests_sum", 3.0).await;
    assert_eq!(
        sample(&text, "keydesk_usage_flush_batch_requests_sum"),
        Some(3.0)
    );
    let flushes = sample(&text, "keydesk_usage_flush_batch_requests_count").unwrap();
    assert!((1.0..=3.0).contains(&flushes), "{text}");
    assert_eq!(
        sample(&text, "keydesk_usage_flush_lag_seconds_count"),
        Some(flushes)
    );
    let lag = sample(&text, "keydesk_usage_flush_lag_seconds_sum").unwrap();
    assert!(lag < 5.0 * flushes, "a flush a second: {lag}");
    assert_eq!(
        sample(
            &text,
            r#"keydesk_usage_flush_lag_seconds_bucket{le="+Inf"}"#
        ),
        Some(flushes)
    );
    assert_eq!(
        sample(&text, "keydesk_usage_flush_failures_total"),
        Some(0.0)
    );
}

async fn webhook_deliveries_are_counted_by_outcome(app: TestApp) {
    let key = app.set_up_with_key().await;
    let receiver = Receiver::start();
    add_hook(
        &app,
        &key,
        json!({"targetUrl": format!("{}/flaky", receiver.base)}),
    )
    .await;
    lead_added_then_unsubscribed(&app, &key, "grace@example.com").await;
    receiver.wait_for(4, Duration::from_secs(15)).await;

    let delivered = r#"keydesk_webhook_deliveries_total{outcome="delivered"}"#;
    let text = scrape_until(&app, delivered, 2.0).await;
    assert_eq!(sample(&text, delivered), Some(2.0));
    assert_eq!(
        sample(
            &text,
            r#"keydesk_webhook_deliveries_total{outcome="failed_will_retry"}"#
        ),
        Some(2.0),
        "the receiver failed the first event twice"
    );
    for outcome in ["given_up", "target_refused"] {
        let series = format!("keydesk_webhook_deliveries_total{{outcome=\"{outcome}\"}}");
        assert_eq!(sample(&text, &series), Some(0.0));
    }
    assert!(
        !text.contains(&receiver.base),
        "no target URL in the metrics"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reads_the_token_from_its_environment_and_never_logs_it() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = spawn_binary_with(backend, &[("KEYDESK_METRICS_TOKEN", TOKEN)]).await
        else {
            continue;
        };
        let refused = app.api(Method::GET, "/metrics").send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        let text = scrape(&app).await;
        assert!(
            text.contains(r#"route="/metrics",method="GET",status="401""#),
            "{text}"
        );
        let logs = app.logs_containing("/metrics").await;
        assert!(!logs.contains(TOKEN), "the token is never logged");
    }
}

async fn a_webhook_to_a_refused_address_is_counted_as_target_refused(app: TestApp) {
    let key = app.set_up_with_key().await;
    // Made behind the server's back: the API would refuse a loopback target up front.
    keydesk::models::hook::insert(
        &mut app.db_conn(),
        &keydesk::models::hook::NewHook {
            workspace_id: 1,
            target_url: "http://127.0.0.1:9/never",
            event_type: None,
            secret: "whsec_test",
            created_by: ADMIN_NAME,
            created_by_user_id: None,
            created_by_key_id: None,
        },
    )
    .unwrap();
    lead_added_then_unsubscribed(&app, &key, "grace@example.com").await;

    let refused = r#"keydesk_webhook_deliveries_total{outcome="target_refused"}"#;
    let text = scrape_until(&app, refused, 1.0).await;
    let delivered = r#"keydesk_webhook_deliveries_total{outcome="delivered"}"#;
    assert_eq!(sample(&text, delivered), Some(0.0));
    assert_eq!(
        sample(
            &text,
            r#"keydesk_webhook_deliveries_total{outcome="failed_will_retry"}"#
        ),
        Some(0.0),
        "a refused target is counted as that alone"
    );
    assert!(!text.contains("127.0.0.1:9"), "no target in the metrics");
}

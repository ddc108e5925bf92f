//! Rate limits through Redis: two instances draw on one budget per key; while Redis is
//! down each falls back to its own limits, and they share again once it is back.

use std::time::{Duration, Instant, SystemTime};

use keydesk::config::Config;
use keydesk::metering::redis_url::RedisUrl;
use keydesk::metrics::token::MetricsToken;
use reqwest::{Response, StatusCode};

use crate::helpers::*;

/// Both instances' configuration: `limit` per 200 s (nothing leaves the window during
/// a test), shared through `redis`.
fn through(redis: &TestRedis, limit: u32) -> impl Fn(&mut Config) + use<> {
    let url = RedisUrl::parse(&redis.url()).unwrap();
    move |config| {
        config.rate_limit_requests = limit;
        config.rate_limit_window = Duration::from_secs(200);
        config.redis_url = Some(url.clone());
        config.metrics_token = MetricsToken::from_setting(Some(crate::metrics::TOKEN));
    }
}

/// Two instances on one database, sharing `redis`; `None` when a suite is skipped.
async fn two_instances(
    backend: Backend,
    redis: &TestRedis,
    limit: u32,
) -> Option<(TestApp, TestApp)> {
    let a = spawn_app_with(backend, through(redis, limit)).await?;
    let b = spawn_on(a.db.shared(), backend, through(redis, limit)).await;
    Some((a, b))
}

async fn team(app: &TestApp, key: &str) -> Response {
    app.api(reqwest::Method::GET, "/api/team")
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

fn remaining(response: &Response) -> u32 {
    response.headers()["x-ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn assert_passes(app: &TestApp, key: &str, left: u32, what: &str) {
    let response = team(app, key).await;
    assert_eq!(response.status(), StatusCode::OK, "{what}");
    assert_eq!(remaining(&response), left, "{what}");
}

async fn assert_refused(app: &TestApp, key: &str, what: &str) {
    assert_eq!(
        team(app, key).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_draw_on_one_budget_on_sqlite() {
    two_instances_draw_on_one_budget(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_draw_on_one_budget_on_postgres() {
    two_instances_draw_on_one_budget(Backend::Postgres).await;
}

async fn two_instances_draw_on_one_budget(backend: Backend) {
    let Some(redis) = TestRedis::start().await else {
        return;
    };
    let Some((a, b)) = two_instances(backend, &redis, 20).await else {
        return;
    };
    let key = a.set_up_with_key().await;

    for i in 0..20 {
        let through = if i % 2 == 0 { &a } else { &b };
        assert_passes(through, &key, 19 - i, &format!("request {}", i + 1)).await;
    }

    let refused = team(&a, &key).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let h = refused.headers();
    assert_eq!(h["x-ratelimit-limit"], "20");
    assert_eq!(h["x-ratelimit-remaining"], "0");
    // The first request leaves the window 200 s after it was made.
    let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((190..=200).contains(&retry), "Retry-After: {retry}");
    let reset: actix_web::http::header::HttpDate =
        h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
    let reset_in = SystemTime::from(reset)
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        reset_in > Duration::from_secs(190) && reset_in <= Duration::from_secs(201),
        "the full allowance is back when the last request leaves: in {reset_in:?}"
    );
    assert_refused(
        &b,
        &key,
        "the other instance draws on the same spent budget",
    )
    .await;
    let docs = b.get_html("/docs/api").await;
    for said in [
        "at most <strong>20 requests in any 200 seconds</strong>",
        "draws on <strong>one budget per key</strong>",
    ] {
        assert!(docs.contains(said), "/docs/api says {said}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_instances_use_their_own_limits_until_it_is_back_on_sqlite() {
    without_redis_instances_use_their_own_limits_until_it_is_back(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_instances_use_their_own_limits_until_it_is_back_on_postgres() {
    without_redis_instances_use_their_own_limits_until_it_is_back(Backend::Postgres).await;
}

async fn without_redis_instances_use_their_own_limits_until_it_is_back(backend: Backend) {
    let Some(mut redis) = TestRedis::start().await else {
        return;
    };
    let Some((a, b)) = two_instances(backend, &redis, 4).await else {
        return;
    };
    let key = a.set_up_with_key().await;
    for (i, through) in [&a, &b, &a, &b].into_iter().enumerate() {
        assert_passes(through, &key, 3 - i as u32, "shared").await;
    }
    assert_refused(&a, &key, "the shared budget is spent").await;

    let fallback = |text: &str| crate::metrics::sample(text, "keydesk_rate_limit_shared_fallback");
    let fallbacks = |text: &str| crate::metrics::sample(text, "keydesk_rate_limit_fallbacks_total");
    assert_eq!(fallback(&crate::metrics::scrape(&a).await), Some(0.0));

    redis.stop();
    for (name, through) in [("A", &a), ("B", &b)] {
        for left in (0..4).rev() {
            assert_passes(through, &key, left, &format!("{name} on its own")).await;
        }
        assert_refused(through, &key, &format!("{name}'s own limit")).await;
    }
    let down = crate::metrics::scrape(&a).await;
    assert_eq!(fallback(&down), Some(1.0), "/metrics shows the fallback");
    assert!(fallbacks(&down).unwrap_or(0.0) >= 1.0, "and counts it");

    redis.resume().await;
    // Both instances spent their own limits, so a request that passes was let through
    // by the (new, empty) shared budget.
    for (left, through) in [(3, &a), (2, &b)] {
        let started = Instant::now();
        loop {
            let response = team(through, &key).await;
            if response.status() == StatusCode::OK {
                assert_eq!(remaining(&response), left, "shared again");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the instance returns to the shared budget within seconds"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert_eq!(
        fallback(&crate::metrics::scrape(&a).await),
        Some(0.0),
        "shared again"
    );
    assert_passes(&a, &key, 1, "shared again").await;
    assert_passes(&b, &key, 0, "shared again").await;
    assert_refused(&a, &key, "the shared budget is spent again").await;
}

#[tokio::test]
async fn an_unreachable_redis_is_logged_without_its_password_and_requests_are_served() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}/0");
    let app = spawn_binary_with(
        Backend::Sqlite,
        &[
            ("KEYDESK_REDIS_URL", &url),
            ("KEYDESK_RATE_LIMIT_WINDOW_SECS", "600"),
        ],
    )
    .await
    .expect("SQLite is always available");
    let key = app.set_up_with_key().await;
    for left in (0..20).rev() {
        assert_passes(&app, &key, left, "decided by this instance").await;
    }
    assert_refused(&app, &key, "this instance's own limit holds").await;
    let logs = app.logs_containing("Redis is unreachable").await;
    assert_eq!(
        logs.matches("Redis is unreachable").count(),
        1,
        "one warning a minute at most:\n{logs}"
    );
    assert!(!logs.contains("hunter2"), "{logs}");
}

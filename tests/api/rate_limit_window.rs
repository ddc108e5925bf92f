//! Window semantics: at most N requests in any window, so a burst spends the window and
//! nothing more passes until the burst has left it.

use std::time::{Duration, Instant};

use reqwest::{Method, Response, StatusCode};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_burst_spends_the_window_until_it_has_left with |c| {
        c.rate_limit_requests = 5;
        c.rate_limit_window = Duration::from_secs(2);
    },
);

async fn team(app: &TestApp, key: &str) -> Response {
    app.api(Method::GET, "/api/team")
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

fn header(response: &Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_string()
}

async fn a_burst_spends_the_window_until_it_has_left(app: TestApp) {
    let key = app.set_up_with_key().await;
    let burst_started = Instant::now();
    for left in (0..5).rev() {
        let response = team(&app, &key).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "x-ratelimit-remaining"), left.to_string());
    }
    let burst_ended = Instant::now();

    let refused = team(&app, &key).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&refused, "x-ratelimit-remaining"), "0");
    let retry: u64 = header(&refused, "retry-after").parse().unwrap();
    assert!(
        (1..=2).contains(&retry),
        "the oldest leaves within 2 s: {retry}"
    );

    // Halfway through the window an evenly refilling bucket would have let two or
    // three requests through again; the window still holds all five.
    tokio::time::sleep_until((burst_started + Duration::from_secs(1)).into()).await;
    let halfway = team(&app, &key).await;
    assert!(
        burst_started.elapsed() < Duration::from_secs(2),
        "too slow to tell"
    );
    assert_eq!(halfway.status(), StatusCode::TOO_MANY_REQUESTS);

    // Once the whole burst has left, the full allowance is back, and again no more.
    tokio::time::sleep_until((burst_ended + Duration::from_millis(2100)).into()).await;
    for left in (0..5).rev() {
        let response = team(&app, &key).await;
        assert_eq!(response.status(), StatusCode::OK, "after the window");
        assert_eq!(header(&response, "x-ratelimit-remaining"), left.to_string());
    }
    assert_eq!(
        team(&app, &key).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

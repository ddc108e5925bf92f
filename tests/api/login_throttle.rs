//! Login throttling that holds under load: parallel guesses at one account, and one
//! address spraying guesses across many accounts.

use diesel::prelude::*;
use keydesk::db::schema::login_failures;
use reqwest::{Response, StatusCode};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    parallel_guesses_never_get_more_than_the_limit_of_password_checks,
    one_address_guessing_across_many_accounts_is_paused,
);

/// Parallel requests, each from its own browser with its own form, for this account,
/// spread over the given servers in turn.
pub(crate) async fn guess_in_parallel(
    servers: &[&TestApp],
    email: &str,
    password: &str,
    n: usize,
) -> Vec<Response> {
    let mut browsers = Vec::new();
    for i in 0..n {
        let browser = servers[i % servers.len()].other_browser();
        let page = browser.get_html("/login").await;
        browsers.push((browser, page));
    }
    let (email, password) = (email.to_string(), password.to_string());
    let tasks: Vec<_> = browsers
        .into_iter()
        .map(|(browser, page)| {
            let fields = [("email", email.clone()), ("password", password.clone())];
            tokio::spawn(async move {
                let fields: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                browser.submit(&page, "/login", &fields).await
            })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.unwrap());
    }
    responses
}

pub(crate) fn count(responses: &[Response], status: StatusCode) -> usize {
    responses.iter().filter(|r| r.status() == status).count()
}

/// The `Retry-After` seconds of a throttled answer.
fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("a throttled answer says when to retry")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn parallel_guesses_never_get_more_than_the_limit_of_password_checks(app: TestApp) {
    app.set_up().await;
    let first = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "wrong password 0")
        .await;
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);

    let responses = guess_in_parallel(&[&app], ADMIN_EMAIL, "wrong password 1", 24).await;

    let checked = count(&responses, StatusCode::UNAUTHORIZED);
    let throttled = count(&responses, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        (checked, throttled),
        (4, 20),
        "1 failure + 24 parallel guesses: only 4 more reach the password check"
    );
    let throttled = responses
        .into_iter()
        .find(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .unwrap();
    let wait = retry_after(&throttled);
    assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
    let html = throttled.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"));
    assert!(html.contains("try again in 15 minutes"));

    let failures: i64 = login_failures::table
        .filter(login_failures::email.eq(ADMIN_EMAIL))
        .count()
        .get_result(&mut *app.db_conn())
        .unwrap();
    assert_eq!(failures, 5, "one row per password check");

    let right = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        right.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
}

async fn one_address_guessing_across_many_accounts_is_paused(app: TestApp) {
    app.set_up().await;
    let mut accounts = Vec::new();
    for i in 0..5 {
        let email = format!("member{i}@example.com");
        app.add_member(&format!("Member {i}"), &email, "member", false)
            .await;
        accounts.push(email);
    }
    accounts.push(ADMIN_EMAIL.to_string());
    for i in 0..24 {
        accounts.push(format!("nobody{i}@example.com"));
    }
    assert_eq!(accounts.len(), 30);

    let sprayer = app.other_browser();
    let mut statuses = Vec::new();
    let mut last = None;
    for i in 0..40 {
        let response = sprayer
            .log_in(&accounts[i % accounts.len()], "Winter2026!")
            .await;
        statuses.push(response.status());
        last = Some(response);
    }

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        checked, 20,
        "one address gets 20 password checks per window"
    );
    assert!(
        statuses[20..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let last = last.unwrap();
    let wait = retry_after(&last);
    assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
    let html = last.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"));
    assert!(html.contains("try again in 15 minutes"));
}

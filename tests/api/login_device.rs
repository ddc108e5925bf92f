//! Guesses at one account from many addresses are paused, but a browser that has logged
//! in to that account before (it holds a signed device cookie) keeps its own allowance.

use keydesk::domain::key_settings::AllowedIps;
use reqwest::{Response, StatusCode};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    guesses_from_many_addresses_pause_the_account_but_not_a_known_browser
        with |c| c.trusted_proxies = AllowedIps::parse("127.0.0.1").unwrap(),
    a_forged_or_borrowed_device_cookie_earns_no_allowance
        with |c| c.trusted_proxies = AllowedIps::parse("127.0.0.1").unwrap(),
    the_device_cookie_is_http_only_and_lax,
);

/// `GET /login` then `POST /login`, both through the trusted proxy for `client`.
async fn log_in_from(browser: &TestApp, client: &str, email: &str, password: &str) -> Response {
    let page = browser
        .client
        .get(browser.url("/login"))
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "the login form is shown");
    let token = csrf_token(&page.text().await.unwrap());
    browser
        .client
        .post(browser.url("/login"))
        .header("x-forwarded-for", client)
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// Wrong passwords for `email`, one from each of `n` addresses; the statuses in order.
async fn guess_from_many_addresses(app: &TestApp, email: &str, n: u8) -> Vec<StatusCode> {
    let attacker = app.other_browser();
    let mut statuses = Vec::new();
    for i in 1..=n {
        let address = format!("203.0.113.{i}");
        statuses.push(
            log_in_from(&attacker, &address, email, "hunter2 hunter2")
                .await
                .status(),
        );
    }
    statuses
}

/// The value of the `keydesk_device` cookie this browser holds.
fn device_cookie(browser: &TestApp) -> String {
    let header = browser.cookie_header().unwrap_or_default();
    header
        .split("; ")
        .find_map(|c| c.strip_prefix("keydesk_device="))
        .expect("a device cookie")
        .to_string()
}

/// A browser that logged in once as `email`, then logged out (keeping its device cookie).
async fn known_browser(app: &TestApp, email: &str, password: &str) -> TestApp {
    let browser = app.other_browser();
    let login = browser.log_in(email, password).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER, "{email} logs in");
    let page = browser.get_html("/settings/integrations").await;
    let logout = browser.submit(&page, "/logout", &[]).await;
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    browser
}

async fn guesses_from_many_addresses_pause_the_account_but_not_a_known_browser(app: TestApp) {
    app.set_up().await;
    let ada = known_browser(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let statuses = guess_from_many_addresses(&app, ADMIN_EMAIL, 15).await;

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        checked, 10,
        "15 addresses, 10 password checks: {statuses:?}"
    );
    assert!(
        statuses[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    let newcomer = log_in_from(
        &app.other_browser(),
        "198.51.100.7",
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
    )
    .await;
    assert_eq!(
        newcomer.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a browser new to the account waits, even with the right password"
    );
    assert!(newcomer.headers().contains_key("retry-after"));
    let html = newcomer.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"));
    assert!(html.contains("try again in 15 minutes"));

    let known = log_in_from(&ada, "198.51.100.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        known.status(),
        StatusCode::SEE_OTHER,
        "the browser Ada logged in with before still gets in"
    );
    assert_eq!(location(&known), "/settings/integrations");
}

async fn a_forged_or_borrowed_device_cookie_earns_no_allowance(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob", "bob@example.com", "member", false)
        .await;
    let ada = known_browser(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let bob = known_browser(&app, "bob@example.com", "member password 1").await;
    let genuine = device_cookie(&ada);
    let mut tampered = genuine.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == '1' { '2' } else { '1' });

    let statuses = guess_from_many_addresses(&app, ADMIN_EMAIL, 10).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED));

    for (what, cookie) in [
        ("a tampered copy of Ada's", tampered),
        ("Bob's (another account's)", device_cookie(&bob)),
    ] {
        let forger = app.other_browser();
        let url = app.address.parse().unwrap();
        forger
            .jar
            .add_cookie_str(&format!("keydesk_device={cookie}; Path=/"), &url);
        let attempt = log_in_from(&forger, "198.51.100.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(
            attempt.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{what} device cookie gives no allowance"
        );
    }
    let known = log_in_from(&ada, "198.51.100.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        known.status(),
        StatusCode::SEE_OTHER,
        "the genuine one does"
    );
}

async fn the_device_cookie_is_http_only_and_lax(app: TestApp) {
    app.set_up().await;
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let set_cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("keydesk_device="))
        .expect("a successful login sets the device cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(set_cookie.contains("Max-Age="), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "not Secure unless configured"
    );

    let failed = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "not the password")
        .await;
    assert!(
        failed
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|v| !v.to_str().unwrap().starts_with("keydesk_device=")),
        "only a successful login earns one"
    );
}

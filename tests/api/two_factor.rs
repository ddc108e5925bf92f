//! Two-factor authentication: setup confirmed by a code computed here (RFC 6238 with
//! the `totp-rs` crate, independently of the app's own wrapper), recovery codes shown
//! once and spent once, and the code step of login (throttled like passwords, no
//! replay). Turning it off, new recovery codes and the workspace's requirement are in
//! `two_factor_settings`.

use diesel::prelude::*;
use keydesk::db::schema::users;
use reqwest::StatusCode;
use totp_rs::{Builder, Secret};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    setting_up_needs_a_right_code_and_shows_recovery_codes_once,
    login_asks_for_a_code_after_the_password_and_refuses_a_replayed_one,
    a_recovery_code_logs_in_once,
    wrong_codes_are_throttled_like_passwords with |config| config.login_max_failures = 3,
);

pub(crate) const PAGE: &str = "/account/two-factor";
pub(crate) const SETUP: &str = "/account/two-factor/setup";

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code an authenticator app shows for `secret` (base32, spaces allowed) at `unix`.
pub(crate) fn code_at(secret: &str, unix: u64) -> String {
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    Builder::new()
        .with_secret(Secret::try_from_base32(&compact).unwrap())
        .build()
        .unwrap()
        .generate(unix)
        .to_string()
}

/// The secret the setup page shows in text.
pub(crate) fn shown_secret(html: &str) -> String {
    let marker = "id=\"totp-secret\">";
    let start = html.find(marker).expect("the secret is shown") + marker.len();
    let end = html[start..].find('<').unwrap();
    html[start..start + end].replace(' ', "")
}

/// The recovery codes a page lists.
pub(crate) fn shown_codes(html: &str) -> Vec<String> {
    let Some(list) = html.split("<ul class=\"recovery-codes\"").nth(1) else {
        return Vec::new();
    };
    let list = list.split("</ul>").next().unwrap();
    list.split("<code>")
        .skip(1)
        .map(|c| c.split("</code>").next().unwrap().to_string())
        .collect()
}

/// Forgets which time step was used last, so a test can use another code at once
/// instead of waiting 30 seconds for the next one.
pub(crate) fn forget_used_step(app: &TestApp, email: &str) {
    diesel::update(users::table.filter(users::email.eq(email)))
        .set(users::totp_last_step.eq(None::<i64>))
        .execute(&mut app.db_conn())
        .unwrap();
}

/// Turns two-factor on for whoever `app` is logged in as; returns the secret and the
/// recovery codes.
pub(crate) async fn turn_on(app: &TestApp) -> (String, Vec<String>) {
    let (secret, codes, _) = turn_on_with_code(app).await;
    (secret, codes)
}

/// As [`turn_on`], and the code that turned it on (to replay it).
pub(crate) async fn turn_on_with_code(app: &TestApp) -> (String, Vec<String>, String) {
    let page = app.get_html(SETUP).await;
    let secret = shown_secret(&page);
    let code = code_at(&secret, now());
    let response = app
        .submit(&page, "/account/two-factor/enable", &[("code", &code)])
        .await;
    assert_eq!(response.status(), StatusCode::OK, "setup succeeds");
    let codes = shown_codes(&response.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    (secret, codes, code)
}

/// Password, then `code`, in a new browser; the answer to the code.
pub(crate) async fn log_in_with_code(
    app: &TestApp,
    email: &str,
    password: &str,
    code: &str,
) -> (TestApp, reqwest::Response) {
    let browser = app.other_browser();
    let response = browser.log_in(email, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login/code");
    let page = browser.get_html("/login/code").await;
    assert!(page.contains("<label for=\"code\">Authentication code</label>"));
    let answer = browser
        .submit(&page, "/login/code", &[("code", code)])
        .await;
    (browser, answer)
}

async fn setting_up_needs_a_right_code_and_shows_recovery_codes_once(app: TestApp) {
    app.set_up().await;
    let account = app.get_html("/account").await;
    assert!(account.contains("<strong>Off.</strong>"));
    assert!(account.contains("href=\"/account/two-factor\">Manage two-factor authentication</a>"));

    let off = app.get_html(PAGE).await;
    assert!(off.contains("href=\"/account/two-factor/setup\">Set up</a>"));
    let response = app.get(SETUP).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    assert!(page.contains("<h2 id=\"set-up\">Set up</h2>"));
    assert!(
        page.contains("<svg class=\"qr-code\" role=\"img\""),
        "an inline SVG QR code"
    );
    let secret = shown_secret(&page);
    assert_eq!(secret.len(), 32, "160 bits in base32");

    let wrong = app
        .submit(&page, "/account/two-factor/enable", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = html_unescape(&wrong.text().await.unwrap());
    assert!(wrong.contains("<p class=\"field-error\" id=\"code-error\">That code is not right."));
    assert_eq!(
        shown_secret(&wrong),
        secret,
        "the same secret while it is pending"
    );

    let right = app
        .submit(
            &page,
            "/account/two-factor/enable",
            &[("code", &code_at(&secret, now()))],
        )
        .await;
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(right.headers()["cache-control"], "no-store");
    let shown = right.text().await.unwrap();
    assert!(shown.contains("<h1 id=\"codes-title\">Recovery codes</h1>"));
    let codes = shown_codes(&shown);
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
    );

    let after = app.get_html(PAGE).await;
    assert!(after.contains("<strong>On.</strong>"));
    assert!(after.contains("10 unused recovery codes"));
    assert!(
        codes.iter().all(|c| !after.contains(c.as_str())),
        "shown once"
    );
    assert!(
        !after.contains(&secret[..8]),
        "the secret is not shown again"
    );
    let stored: Vec<String> = keydesk::db::schema::recovery_codes::table
        .select(keydesk::db::schema::recovery_codes::code_hash)
        .load(&mut app.db_conn())
        .unwrap();
    assert!(
        codes.iter().all(|c| !stored.contains(c)),
        "only digests are stored"
    );

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Two-factor authentication turned on"));
}

async fn login_asks_for_a_code_after_the_password_and_refuses_a_replayed_one(app: TestApp) {
    app.set_up().await;
    let (secret, _) = turn_on(&app).await;

    let browser = app.other_browser();
    let response = browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(location(&response), "/login/code");
    assert_eq!(
        location(&browser.get("/settings/integrations").await),
        "/login",
        "a password alone does not log in"
    );
    let page = browser.get_html("/login/code").await;
    assert!(page.contains("Use a recovery code"));
    // The code that confirmed the setup was used in its window.
    let replayed = browser
        .submit(&page, "/login/code", &[("code", &code_at(&secret, now()))])
        .await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    let replayed = html_unescape(&replayed.text().await.unwrap());
    assert!(replayed.contains("This code has already been used."));

    let next = code_at(&secret, now() + 30);
    let answer = browser
        .submit(&page, "/login/code", &[("code", &next)])
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&answer), "/settings/integrations");
    browser.get_html("/settings/integrations").await;

    // The same code in another browser, within its window: refused.
    let (_, again) = log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &next).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(html_unescape(&again.text().await.unwrap()).contains("already been used"));
}

async fn a_recovery_code_logs_in_once(app: TestApp) {
    app.set_up().await;
    let (_, codes) = turn_on(&app).await;
    let (browser, first) = log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &codes[0]).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(
        browser
            .get_html(PAGE)
            .await
            .contains("9 unused recovery codes")
    );

    let (_, twice) = log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &codes[0]).await;
    assert_eq!(twice.status(), StatusCode::UNAUTHORIZED);
    assert!(html_unescape(&twice.text().await.unwrap()).contains("already used"));

    let typed = codes[1].to_uppercase().replace('-', " ");
    let (_, other) = log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &typed).await;
    assert_eq!(
        other.status(),
        StatusCode::SEE_OTHER,
        "typed loosely, still right"
    );
}

async fn wrong_codes_are_throttled_like_passwords(app: TestApp) {
    app.set_up().await;
    let (secret, _) = turn_on(&app).await;
    let browser = app.other_browser();
    browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = browser.get_html("/login/code").await;
    // The password's own reservation counts as one attempt until the code is right.
    for _ in 0..2 {
        let wrong = browser
            .submit(&page, "/login/code", &[("code", "123456")])
            .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let paused = browser
        .submit(
            &page,
            "/login/code",
            &[("code", &code_at(&secret, now() + 30))],
        )
        .await;
    assert_eq!(paused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.headers().contains_key("retry-after"));
    assert!(html_unescape(&paused.text().await.unwrap()).contains("Too many failed attempts."));
    // Typing the password again does not reset the count.
    let again = app.other_browser();
    let response = again.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Turns two-factor off for `email` straight in the database (the browser sweep sets it up
/// once per browser).
pub(crate) fn reset_two_factor(app: &TestApp, email: &str) {
    let mut conn = app.db_conn();
    let id: i32 = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut conn)
        .unwrap();
    diesel::update(users::table.find(id))
        .set((
            users::totp_secret.eq(None::<String>),
            users::totp_enabled_at.eq(None::<time::PrimitiveDateTime>),
            users::totp_last_step.eq(None::<i64>),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::delete(
        keydesk::db::schema::recovery_codes::table
            .filter(keydesk::db::schema::recovery_codes::user_id.eq(id)),
    )
    .execute(&mut conn)
    .unwrap();
}

/// Seconds since the epoch, for codes computed in the browser tests.
pub(crate) fn unix_now() -> u64 {
    now()
}

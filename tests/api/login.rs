//! Logging in and out: one answer for every failure, a pause after five, fresh session ids.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_wrong_password_and_an_unknown_email_get_the_same_answer,
    five_failures_pause_logins_for_that_account_from_that_address,
    logging_out_kills_the_old_cookie,
    the_session_id_changes_at_login,
);

async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app: TestApp) {
    app.set_up().await;
    let visitor = app.other_browser();

    let wrong_password = visitor.log_in(ADMIN_EMAIL, "not the password").await;
    let status_1 = wrong_password.status();
    let body_1 = wrong_password.text().await.unwrap();
    let unknown_email = visitor
        .log_in("nobody@example.com", "not the password")
        .await;
    let status_2 = unknown_email.status();
    let body_2 = unknown_email.text().await.unwrap();

    assert_eq!(status_1, StatusCode::UNAUTHORIZED);
    assert_eq!(status_2, status_1);
    assert!(body_1.contains("Incorrect email or password."));
    assert!(body_2.contains("Incorrect email or password."));
    assert!(
        body_2.contains("value=\"nobody@example.com\""),
        "the email is kept"
    );

    let ok = visitor.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&ok), "/settings/integrations");
}

async fn five_failures_pause_logins_for_that_account_from_that_address(app: TestApp) {
    app.set_up().await;
    let visitor = app.other_browser();
    for _ in 0..5 {
        let r = visitor.log_in(ADMIN_EMAIL, "wrong password!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let paused = visitor.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        paused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let html = paused.text().await.unwrap();
    assert!(html.contains("Too many failed attempts"));
    assert!(html.contains("try again in 15 minutes"));

    // Another account from the same address is not affected.
    app.add_member("Bob", "bob@example.com", "member", false)
        .await;
    let other = visitor.log_in("bob@example.com", "member password 1").await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
}

async fn logging_out_kills_the_old_cookie(app: TestApp) {
    app.set_up().await;
    let old_cookie = app.cookie_header().expect("a session cookie");

    let page = app.get_html("/settings/integrations").await;
    let logout = app.submit(&page, "/logout", &[]).await;
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&logout), "/login");

    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/settings/integrations"))
        .header("cookie", old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&replay), "/login");
}

async fn the_session_id_changes_at_login(app: TestApp) {
    app.set_up().await;
    let visitor = app.other_browser();
    visitor.get_html("/login").await;
    let before = visitor
        .cookie_header()
        .expect("the login form starts a session");
    let login = visitor.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let after = visitor.cookie_header().unwrap();
    assert_ne!(before, after);

    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/settings/integrations"))
        .header("cookie", before)
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&replay),
        "/login",
        "the pre-login id grants nothing"
    );
}

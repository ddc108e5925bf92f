//! Turning two-factor authentication off asks for the password and a code, and wrong
//! passwords there count against the login throttling like everywhere else.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;
use crate::two_factor::{code_at, turn_on};

on_both_databases!(
    wrong_passwords_when_turning_it_off_are_throttled_like_logins
        with |config| config.login_max_failures = 3,
);

async fn wrong_passwords_when_turning_it_off_are_throttled_like_logins(app: TestApp) {
    app.set_up().await;
    let (secret, _) = turn_on(&app).await;
    let page = app.get_html("/account/two-factor").await;
    for _ in 0..3 {
        let wrong = app
            .submit(
                &page,
                "/account/two-factor/disable",
                &[("password", "a guess"), ("code", "123456")],
            )
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 30;
    let paused = app
        .submit(
            &page,
            "/account/two-factor/disable",
            &[
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&secret, unix)),
            ],
        )
        .await;
    assert_eq!(paused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.headers().contains_key("retry-after"));
    let html = paused.text().await.unwrap();
    assert!(html.contains("id=\"disable-password-error\">Too many failed attempts"));
    assert!(
        app.get_html("/account/two-factor")
            .await
            .contains("<strong>On.</strong>"),
        "still on"
    );
}

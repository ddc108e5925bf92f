//! Turning two-factor authentication off asks for the password and a code, and wrong
//! passwords there count against the login throttling like everywhere else; a required
//! setup still goes through "Confirm access" when the login is old.

use reqwest::StatusCode;

use crate::confirm_access::held_token;
use crate::helpers::*;
use crate::on_both_databases;
use crate::two_factor::{code_at, turn_on};

on_both_databases!(
    wrong_passwords_when_turning_it_off_are_throttled_like_logins
        with |config| config.login_max_failures = 3,
    a_required_setup_after_the_sudo_window_goes_through_confirm_access,
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

/// A member whose login is older than sudo mode's window when an admin starts requiring
/// two-factor authentication: "Set up" asks to confirm access, and that page is reachable.
async fn a_required_setup_after_the_sudo_window_goes_through_confirm_access(app: TestApp) {
    app.set_up().await;
    app.add_member("Noor", "noor@example.com", "member", true)
        .await;
    let noor = app.log_in_as("noor@example.com").await;
    let team = app.get_html("/settings/team").await;
    let required = app
        .submit(&team, "/settings/team/two-factor", &[("require", "true")])
        .await;
    assert_eq!(required.status(), StatusCode::SEE_OTHER);
    crate::confirm_access::confirmed_ago(&app, 3 * 60 * 60);

    let sent = noor.get("/settings/integrations").await;
    assert_eq!(location(&sent), "/account/two-factor", "sent to set it up");
    let held = noor.get("/account/two-factor/setup").await;
    assert!(location(&held).starts_with("/confirm-access?confirm_action="));
    let page = noor.get_html(&location(&held)).await;
    assert!(page.contains("<h1>Confirm access</h1>"), "not bounced back");
    let confirmed = noor
        .submit(
            &page,
            "/confirm-access",
            &[
                ("confirm_action", &held_token(&page)),
                ("confirm_password", "member password 1"),
            ],
        )
        .await;
    assert_eq!(location(&confirmed), "/account/two-factor/setup");
    let setup = noor.get_html("/account/two-factor/setup").await;
    assert!(setup.contains("<h2 id=\"set-up\">Set up</h2>"));
}

//! A "Set up" page left open in one session cannot take over two-factor authentication
//! that another session changed since: turning it on when it is already on is refused,
//! and a setup secret dies when two-factor authentication is turned on or off.

use diesel::prelude::*;
use keydesk::db::schema::users;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;
use crate::two_factor::{
    PAGE, SETUP, code_at, forget_used_step, log_in_with_code, now, shown_codes, shown_secret,
    turn_on,
};

on_both_databases!(
    a_stale_setup_cannot_replace_the_authenticator_another_session_turned_on,
    a_setup_secret_dies_when_another_session_turns_two_factor_on_and_off,
);

/// The secret stored as the user's confirmed authenticator, if two-factor is on.
fn stored_secret(app: &TestApp) -> Option<String> {
    users::table
        .filter(users::email.eq(ADMIN_EMAIL))
        .select(users::totp_secret)
        .first(&mut app.db_conn())
        .unwrap()
}

/// Sends "Turn on" from the `stale` setup page with a right code for `secret`; the
/// refusal (409), unescaped.
async fn enable_is_refused(app: &TestApp, stale: &str, secret: &str) -> String {
    let refused = app
        .submit(
            stale,
            "/account/two-factor/enable",
            &[("code", &code_at(secret, now()))],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    html_unescape(&refused.text().await.unwrap())
}

async fn a_stale_setup_cannot_replace_the_authenticator_another_session_turned_on(app: TestApp) {
    app.set_up().await;
    let stale = app.get_html(SETUP).await;
    let stale_secret = shown_secret(&stale);

    // The owner, in another browser, turns two-factor on with her own authenticator.
    let owner = app.other_browser();
    let login = owner.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let (owner_secret, owner_codes) = turn_on(&owner).await;
    assert_ne!(
        owner_secret, stale_secret,
        "each session shows its own secret"
    );

    // The first session confirms its own, stale, secret with a right code for it.
    let html = enable_is_refused(&app, &stale, &stale_secret).await;
    assert!(
        html.contains("Two-factor authentication is already on"),
        "the refusal says why"
    );
    assert!(
        shown_codes(&html).is_empty(),
        "no new recovery codes are shown"
    );
    assert_eq!(
        stored_secret(&app).as_deref(),
        Some(owner_secret.as_str()),
        "the owner's authenticator is still the one on file"
    );

    // The owner's authenticator and recovery codes still log her in.
    forget_used_step(&app, ADMIN_EMAIL);
    let (_, with_app) = log_in_with_code(
        &app,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        &code_at(&owner_secret, now()),
    )
    .await;
    assert_eq!(with_app.status(), StatusCode::SEE_OTHER, "her app's code");
    let (_, with_recovery) =
        log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &owner_codes[0]).await;
    assert_eq!(
        with_recovery.status(),
        StatusCode::SEE_OTHER,
        "her recovery code"
    );
    let page = app.get_html(PAGE).await;
    assert!(
        page.contains("You have 9 unused recovery codes."),
        "her other nine are still there"
    );
}

async fn a_setup_secret_dies_when_another_session_turns_two_factor_on_and_off(app: TestApp) {
    app.set_up().await;
    let stale = app.get_html(SETUP).await;
    let stale_secret = shown_secret(&stale);

    // Meanwhile, another session turns two-factor on and off again.
    let other = app.other_browser();
    let login = other.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let (other_secret, _) = turn_on(&other).await;
    forget_used_step(&app, ADMIN_EMAIL);
    let page = other.get_html(PAGE).await;
    let off = other
        .submit(
            &page,
            "/account/two-factor/disable",
            &[
                ("password", ADMIN_PASSWORD),
                ("code", &code_at(&other_secret, now())),
            ],
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER, "turned off again");

    let html = enable_is_refused(&app, &stale, &stale_secret).await;
    assert!(
        html.contains("turned on or off in another session since this QR code was shown"),
        "the refusal says why"
    );
    assert_eq!(stored_secret(&app), None, "two-factor is still off");
    let fresh_secret = shown_secret(&html);
    assert_ne!(fresh_secret, stale_secret, "a new secret is shown");

    // The new secret, confirmed in this session, turns it on.
    let (secret, _) = turn_on(&app).await;
    assert_eq!(secret, fresh_secret, "the secret shown with the refusal");
    assert_eq!(stored_secret(&app).as_deref(), Some(secret.as_str()));
}

//! Two-factor settings once it is on: turning it off needs the password and a code,
//! new recovery codes replace the old ones, and a workspace that requires it sends
//! everyone to set it up first.

use diesel::prelude::*;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;
use crate::two_factor::{
    PAGE, SETUP, code_at, forget_used_step, log_in_with_code, now, shown_codes, turn_on,
};

on_both_databases!(
    turning_it_off_needs_the_password_and_a_code,
    regenerating_recovery_codes_replaces_them,
    a_required_workspace_sends_everyone_to_set_it_up_first,
);

async fn turning_it_off_needs_the_password_and_a_code(app: TestApp) {
    app.set_up().await;
    let (secret, codes) = turn_on(&app).await;
    forget_used_step(&app, ADMIN_EMAIL);
    let page = app.get_html(PAGE).await;
    let code = code_at(&secret, now());

    let no_password = app
        .submit(
            &page,
            "/account/two-factor/disable",
            &[("password", "wrong password"), ("code", &code)],
        )
        .await;
    assert_eq!(no_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = no_password.text().await.unwrap();
    assert!(html.contains("id=\"disable-password-error\">Incorrect password.</p>"));

    let wrong_code = app
        .submit(
            &page,
            "/account/two-factor/disable",
            &[("password", ADMIN_PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&wrong_code.text().await.unwrap());
    assert!(html.contains("id=\"disable-code-error\">That code is not right"));

    let off = app
        .submit(
            &page,
            "/account/two-factor/disable",
            &[("password", ADMIN_PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let after = app.get_html(PAGE).await;
    assert_eq!(
        flash(&after).as_deref(),
        Some("Two-factor authentication is off.")
    );
    assert!(after.contains(">Set up</a>"));

    let browser = app.other_browser();
    let response = browser.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        location(&response),
        "/settings/integrations",
        "no code asked"
    );
    let count: i64 = keydesk::db::schema::recovery_codes::table
        .count()
        .get_result(&mut app.db_conn())
        .unwrap();
    assert_eq!(count, 0, "the recovery codes {codes:?} are gone");
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Two-factor authentication turned off"));
}

async fn regenerating_recovery_codes_replaces_them(app: TestApp) {
    app.set_up().await;
    let (_, old) = turn_on(&app).await;
    let page = app.get_html(PAGE).await;
    assert!(page.contains("You have 10 unused recovery codes."));
    let right = app
        .submit(&page, "/account/two-factor/recovery-codes", &[])
        .await;
    assert_eq!(right.status(), StatusCode::OK);
    assert_eq!(right.headers()["cache-control"], "no-store");
    let new = shown_codes(&right.text().await.unwrap());
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));

    let (_, refused) = log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &old[2]).await;
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "old codes no longer work"
    );
    let (_, accepted) = log_in_with_code(&app, ADMIN_EMAIL, ADMIN_PASSWORD, &new[2]).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Recovery codes regenerated"));
}

async fn a_required_workspace_sends_everyone_to_set_it_up_first(app: TestApp) {
    let key = app.set_up_with_key().await;
    app.add_member("Grace Hopper", "grace@example.com", "member", true)
        .await;
    let team = app.get_html("/settings/team").await;
    assert!(
        team.contains(
            "<label for=\"require-two-factor\">Require two-factor authentication</label>"
        )
    );
    let saved = app
        .submit(&team, "/settings/team/two-factor", &[("require", "true")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    // The admin who turned it on has no two-factor yet: they are sent to set it up too,
    // and that works (no lock-out).
    for path in [
        "/settings/team",
        "/settings/integrations",
        "/settings/audit",
    ] {
        assert_eq!(location(&app.get(path).await), PAGE, "{path}");
    }
    let setup = app.get_html(PAGE).await;
    assert!(setup.contains("Your workspace requires two-factor authentication."));
    assert!(app.get_html(SETUP).await.contains("id=\"totp-secret\""));
    let refused = app.submit(&setup, "/settings/team/two-factor", &[]).await;
    assert_eq!(location(&refused), PAGE, "forms too");
    assert_eq!(
        app.team_status(&key).await,
        StatusCode::OK,
        "API keys are unaffected"
    );
    turn_on(&app).await;
    app.get_html("/settings/team").await;

    let grace = app.other_browser();
    let response = grace.log_in("grace@example.com", "member password 1").await;
    assert_eq!(location(&response), "/settings/integrations");
    assert_eq!(location(&grace.get("/settings/integrations").await), PAGE);
    assert_eq!(
        location(&grace.get("/settings/integrations/keys/new").await),
        PAGE
    );
    turn_on(&grace).await;
    grace.get_html("/settings/integrations").await;
    let page = grace.get_html(PAGE).await;
    let refused = grace.submit(&page, "/settings/team/two-factor", &[]).await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "members cannot change it"
    );

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Two-factor requirement changed"));
}

//! `keydesk reset-password --email …`: the real binary prints a one-time link (1 hour);
//! using it sets the password and ends every session of that user. A user has at most
//! one link that works: a newer link, another link's use or a password change voids the
//! others.

use diesel::prelude::*;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_reset_link_from_the_cli_sets_the_password_once_and_ends_every_session,
    an_expired_reset_link_is_refused,
    an_unknown_email_makes_the_cli_fail_with_a_clear_message,
    a_reset_link_is_void_once_a_newer_one_is_made_or_another_is_used_or_the_password_changes,
);

/// Runs `keydesk reset-password --email <email>` against the test database.
fn reset_password(app: &TestApp, email: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(["reset-password", "--email", email])
        .env("DATABASE_URL", &app.db.url)
        .env("KEYDESK_BASE_URL", "https://keys.example.com/")
        .output()
        .unwrap()
}

/// The `/reset/<token>` path of the link the command printed.
fn printed_path(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("https://keys.example.com/reset/"))
        .unwrap_or_else(|| panic!("a link is printed: {stdout}"));
    line["https://keys.example.com".len()..].to_string()
}

async fn a_reset_link_from_the_cli_sets_the_password_once_and_ends_every_session(app: TestApp) {
    app.set_up().await;
    let other_device = app.other_browser();
    assert_eq!(
        other_device
            .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let path = printed_path(&reset_password(&app, ADMIN_EMAIL));
    let browser = app.other_browser();
    let page = browser.get(&path).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let page = page.text().await.unwrap();
    assert!(page.contains("<h1>Choose a new password</h1>"));
    let short = browser.submit(&page, &path, &[("password", "short")]).await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("Use at least 10 characters.")
    );
    let done = browser
        .submit(&page, &path, &[("password", "a brand new password")])
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("Password changed"));

    // Every session of the account ended: both cookies now get the login page.
    for client in [&app, &other_device] {
        let response = client.get("/settings/integrations").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(location(&response).starts_with("/login"));
    }
    let old = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the old password is gone"
    );
    let new = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "a brand new password")
        .await;
    assert_eq!(new.status(), StatusCode::SEE_OTHER);

    let again = app.other_browser().get(&path).await;
    assert_eq!(again.status(), StatusCode::GONE, "the link works once");
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("This reset link was already used.")
    );

    let admin = app.other_browser();
    admin.log_in(ADMIN_EMAIL, "a brand new password").await;
    assert!(
        admin
            .get_html("/settings/audit")
            .await
            .contains("Password reset")
    );
}

async fn an_expired_reset_link_is_refused(app: TestApp) {
    use keydesk::db::schema::password_resets;
    app.set_up().await;
    let path = printed_path(&reset_password(&app, ADMIN_EMAIL));
    let browser = app.other_browser();
    let page = browser.get_html(&path).await;
    diesel::update(password_resets::table)
        .set(password_resets::expires_at.eq(keydesk::db::now() - time::Duration::seconds(1)))
        .execute(&mut *app.db_conn())
        .unwrap();
    let late = browser
        .submit(&page, &path, &[("password", "a brand new password")])
        .await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(
        late.text()
            .await
            .unwrap()
            .contains("This reset link has expired")
    );
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        login.status(),
        StatusCode::SEE_OTHER,
        "the password did not change"
    );
}

async fn an_unknown_email_makes_the_cli_fail_with_a_clear_message(app: TestApp) {
    app.set_up().await;
    let output = reset_password(&app, "nobody@example.com");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no user has the email nobody@example.com"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("/reset/"));
}

/// A reset link for `email` recorded straight in the database, as an earlier release could
/// leave several outstanding at once; returns its path.
fn seeded_reset_path(app: &TestApp, email: &str) -> String {
    use keydesk::db::schema::users;
    let token = keydesk::domain::link_token::LinkToken::generate();
    let mut conn = app.db_conn();
    let user_id: i32 = users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut *conn)
        .unwrap();
    keydesk::models::password_reset::insert(&mut conn, user_id, &token.digest()).unwrap();
    format!("/reset/{}", token.expose())
}

/// Asserts the reset link at `path` (its page fetched earlier as `page` in `browser`) is
/// refused as replaced, both opened and submitted, and that the password it tried to set
/// does not work.
async fn assert_replaced(app: &TestApp, browser: &TestApp, variant: &str, path: &str, page: &str) {
    let opened = app.other_browser().get(path).await;
    assert_eq!(opened.status(), StatusCode::GONE, "{variant}: opened");
    let text = opened.text().await.unwrap();
    assert!(
        text.contains("This reset link no longer works: a newer link was made, or the password was changed since."),
        "{variant}: {text}"
    );
    assert!(!text.contains(ADMIN_EMAIL), "{variant}: names no email");
    let used = browser
        .submit(page, path, &[("password", "the attacker's password")])
        .await;
    assert_eq!(used.status(), StatusCode::GONE, "{variant}: submitted");
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "the attacker's password")
        .await;
    assert_eq!(
        login.status(),
        StatusCode::UNAUTHORIZED,
        "{variant}: the password did not change"
    );
}

/// A new browser with the page of the link at `path` open.
async fn opened(app: &TestApp, path: &str) -> (TestApp, String) {
    let browser = app.other_browser();
    let page = browser.get_html(path).await;
    (browser, page)
}

async fn a_reset_link_is_void_once_a_newer_one_is_made_or_another_is_used_or_the_password_changes(
    app: TestApp,
) {
    app.set_up().await;

    // 1. A newer link is made: the older one stops working, the newer one works.
    let older = printed_path(&reset_password(&app, ADMIN_EMAIL));
    let (older_browser, older_page) = opened(&app, &older).await;
    let newer = printed_path(&reset_password(&app, ADMIN_EMAIL));
    assert_replaced(&app, &older_browser, "newer link made", &older, &older_page).await;
    let (newer_browser, newer_page) = opened(&app, &newer).await;

    // 2. Another outstanding link is used: every other one stops working.
    let seeded = seeded_reset_path(&app, ADMIN_EMAIL);
    let (seeded_browser, seeded_page) = opened(&app, &seeded).await;
    let done = newer_browser
        .submit(&newer_page, &newer, &[("password", "password after reset")])
        .await;
    assert_eq!(done.status(), StatusCode::OK, "the newest link works");
    assert_replaced(
        &app,
        &seeded_browser,
        "another link used",
        &seeded,
        &seeded_page,
    )
    .await;

    // 3. The password is changed on the Account page: outstanding links stop working.
    let pending = printed_path(&reset_password(&app, ADMIN_EMAIL));
    let (pending_browser, pending_page) = opened(&app, &pending).await;
    let owner = app.other_browser();
    let login = owner.log_in(ADMIN_EMAIL, "password after reset").await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let account = owner.get_html("/account").await;
    let changed = owner
        .submit(
            &account,
            "/account/password",
            &[
                ("current_password", "password after reset"),
                ("new_password", "password changed again"),
                ("new_password_again", "password changed again"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER, "password changed");
    assert_replaced(
        &app,
        &pending_browser,
        "password changed",
        &pending,
        &pending_page,
    )
    .await;
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "password changed again")
        .await;
    assert_eq!(
        login.status(),
        StatusCode::SEE_OTHER,
        "the owner's password holds"
    );
}

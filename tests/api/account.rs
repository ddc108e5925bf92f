//! Profile → "Account": changing your name and password, and your active sessions.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_changed_name_shows_in_the_profile_button_and_the_audit_log,
    a_bad_name_is_refused_beside_the_field_and_kept,
    changing_the_password_ends_every_other_session_and_keeps_this_one,
    bad_password_changes_show_a_message_beside_each_field,
    wrong_current_passwords_are_throttled_like_logins with |config| config.login_max_failures = 2,
    active_sessions_show_each_device_and_mark_this_session,
    sign_out_ends_exactly_that_session,
    sign_out_everywhere_else_keeps_only_this_session,
    another_users_session_is_not_found,
    account_forms_without_the_csrf_token_are_refused,
);

const FIREFOX_ON_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_ON_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) \
     AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// Another browser, sending `agent` as its user agent, logged in as `email`.
async fn browser_logged_in(app: &TestApp, agent: &str, email: &str, password: &str) -> TestApp {
    let mut browser = app.other_browser();
    browser.client = reqwest::Client::builder()
        .cookie_provider(browser.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(agent)
        .build()
        .unwrap();
    let response = browser.log_in(email, password).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{email} logs in");
    browser
}

/// Whether `browser` is still logged in: a page answers, not a redirect to the login form.
async fn logged_in(browser: &TestApp) -> bool {
    let response = browser.get("/account").await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(location(&response), "/login");
            false
        }
        other => panic!("unexpected {other}"),
    }
}

/// The "Sign out" form action of the session row showing `device` on the Account page.
fn sign_out_action(page: &str, device: &str) -> String {
    let at = page
        .find(&format!("<strong>{device}</strong>"))
        .unwrap_or_else(|| panic!("{device} is listed"));
    let row = &page[at..at + page[at..].find("</tr>").unwrap()];
    let marker = "action=\"";
    let start = row
        .find(marker)
        .unwrap_or_else(|| panic!("{device} has a Sign out form"))
        + marker.len();
    let end = row[start..].find('"').unwrap();
    row[start..start + end].to_string()
}

/// The field error shown under the input `id`.
fn field_error(page: &str, id: &str) -> Option<String> {
    let marker = format!("<p class=\"field-error\" id=\"{id}-error\">");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find("</p>")?;
    Some(html_unescape(&page[start..start + end]))
}

async fn after_redirect(app: &TestApp, response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/account");
    app.get_html("/account").await
}

async fn a_changed_name_shows_in_the_profile_button_and_the_audit_log(app: TestApp) {
    app.set_up().await;
    let integrations = app.get_html("/settings/integrations").await;
    assert!(
        integrations.contains("<a href=\"/account\" >Account</a>")
            || integrations.contains(">Account</a>"),
        "the profile menu has Account"
    );
    let page = app.get_html("/account").await;
    let response = app
        .submit(&page, "/account/name", &[("name", "Ada King")])
        .await;
    let page = after_redirect(&app, response).await;
    assert_eq!(flash(&page).as_deref(), Some("Your name is now Ada King."));
    assert!(page.contains("aria-label=\"Ada King, Profile\""));
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains("<span class=\"profile-name\">Ada King</span>")
    );
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Name changed"));
    assert!(audit.contains("Ada Lovelace → Ada King"));
}

async fn a_bad_name_is_refused_beside_the_field_and_kept(app: TestApp) {
    app.set_up().await;
    let page = app.get_html("/account").await;
    let long = "Ada ".repeat(30);
    let response = app.submit(&page, "/account/name", &[("name", &long)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert_eq!(
        field_error(&page, "account-name").as_deref(),
        Some("Use at most 100 characters (this one has 119).")
    );
    assert!(
        page.contains(&format!("value=\"{long}\"")),
        "what was typed is kept"
    );
    assert!(
        app.get_html("/account")
            .await
            .contains("aria-label=\"Ada Lovelace, Profile\""),
        "the name did not change"
    );
}

async fn changing_the_password_ends_every_other_session_and_keeps_this_one(app: TestApp) {
    app.set_up().await;
    let other = browser_logged_in(&app, FIREFOX_ON_LINUX, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(logged_in(&other).await);
    let old_cookie = app.cookie_header().unwrap();

    let page = app.get_html("/account").await;
    let response = app
        .submit(
            &page,
            "/account/password",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        )
        .await;
    let page = after_redirect(&app, response).await;
    assert_eq!(
        flash(&page).as_deref(),
        Some("Password changed. Your other session was signed out.")
    );

    assert!(!logged_in(&other).await, "the other browser is logged out");
    assert!(logged_in(&app).await, "this browser stays logged in");
    // This session's id was renewed: a copy of the old cookie no longer works.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/account"))
        .header("cookie", old_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::SEE_OTHER);

    let with_old = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(with_old.status(), StatusCode::UNAUTHORIZED);
    let with_new = app.other_browser().log_in(ADMIN_EMAIL, NEW_PASSWORD).await;
    assert_eq!(with_new.status(), StatusCode::SEE_OTHER);

    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("Password changed"));
    assert!(audit.contains("1 other session(s) signed out"));
}

async fn bad_password_changes_show_a_message_beside_each_field(app: TestApp) {
    app.set_up().await;
    let page = app.get_html("/account").await;
    let cases = [
        (
            ["wrong password here", NEW_PASSWORD, NEW_PASSWORD],
            "current-password",
            "Your current password is incorrect.",
        ),
        (
            [ADMIN_PASSWORD, NEW_PASSWORD, "a different passphrase"],
            "new-password-again",
            "The new passwords do not match: type the same one twice.",
        ),
        (
            [ADMIN_PASSWORD, "too short", "too short"],
            "new-password",
            "Use at least 10 characters.",
        ),
        (
            ["", NEW_PASSWORD, NEW_PASSWORD],
            "current-password",
            "Enter your current password.",
        ),
    ];
    for ([current, new, again], field, message) in cases {
        let response = app
            .submit(
                &page,
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", new),
                    ("new_password_again", again),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let shown = response.text().await.unwrap();
        assert_eq!(field_error(&shown, field).as_deref(), Some(message));
        assert!(shown.contains("aria-invalid=\"true\""));
        // The rest of the page is intact; passwords are never sent back.
        assert!(shown.contains("value=\"Ada Lovelace\""), "the name is kept");
        assert!(!shown.contains(new) || new.is_empty() || new == "too short");
        assert!(!shown.contains(ADMIN_PASSWORD));
    }
    // Nothing changed.
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert!(
        !app.get_html("/settings/audit")
            .await
            .contains("Password changed")
    );
}

async fn wrong_current_passwords_are_throttled_like_logins(app: TestApp) {
    app.set_up().await;
    let page = app.get_html("/account").await;
    let attempt = |current: &'static str| {
        let (app, page) = (&app, &page);
        async move {
            app.submit(
                page,
                "/account/password",
                &[
                    ("current_password", current),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_again", NEW_PASSWORD),
                ],
            )
            .await
        }
    };
    for _ in 0..2 {
        let response = attempt("wrong password here").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // The limit is reached: even the right password waits now.
    let response = attempt(ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let shown = response.text().await.unwrap();
    let message = field_error(&shown, "current-password").unwrap();
    assert!(
        message.starts_with("Too many failed attempts."),
        "{message}"
    );
    // The login form counts the same failures.
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(login.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn active_sessions_show_each_device_and_mark_this_session(app: TestApp) {
    app.set_up().await;
    let firefox = browser_logged_in(&app, FIREFOX_ON_LINUX, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let _chrome = browser_logged_in(&app, CHROME_ON_WINDOWS, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let page = firefox.get_html("/account").await;
    assert!(page.contains("<h2 id=\"sessions-title\">Active sessions</h2>"));
    assert!(
        page.contains(
            "<strong>Firefox on Linux</strong> <span class=\"badge\">This session</span>"
        )
    );
    assert!(page.contains("<strong>Chrome on Windows</strong></td>"));
    // The setup browser sent no user agent.
    assert!(page.contains("<strong>Unknown browser</strong></td>"));
    assert_eq!(page.matches("This session").count(), 1);
    assert!(page.contains("<td data-label=\"Address\">127.0.0.1</td>"));
    assert!(page.contains(">Sign out everywhere else<"));
    // Each other session has its own "Sign out"; this one has none.
    assert_eq!(page.matches(">Sign out</button>").count(), 2);
    let action = sign_out_action(&page, "Chrome on Windows");
    assert!(action.starts_with("/account/sessions/") && action.ends_with("/sign-out"));

    // The forms name sessions by a handle, never by the session id or the cookie.
    let ids: Vec<String> = {
        use diesel::prelude::*;
        use keydesk::db::schema::sessions;
        let mut conn = app.db_conn();
        sessions::table
            .select(sessions::id)
            .load(&mut *conn)
            .unwrap()
    };
    for id in ids {
        assert!(!page.contains(&id));
    }
    let cookie = firefox.cookie_header().unwrap();
    let value = cookie.split_once('=').unwrap().1.split(';').next().unwrap();
    assert!(!page.contains(value));
}

async fn sign_out_ends_exactly_that_session(app: TestApp) {
    app.set_up().await;
    let chrome = browser_logged_in(&app, CHROME_ON_WINDOWS, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let safari = browser_logged_in(&app, SAFARI_ON_IOS, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let page = app.get_html("/account").await;
    let action = sign_out_action(&page, "Chrome on Windows");
    let response = app.submit(&page, &action, &[]).await;
    let page = after_redirect(&app, response).await;
    assert_eq!(
        flash(&page).as_deref(),
        Some("The session on Chrome on Windows was signed out.")
    );
    assert!(!page.contains("Chrome on Windows</strong>"));
    assert!(!logged_in(&chrome).await);
    assert!(logged_in(&safari).await);
    assert!(logged_in(&app).await);

    // The same handle again: that session no longer exists.
    let again = app.submit(&page, &action, &[]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("Session signed out"));
    assert!(audit.contains("Chrome on Windows, 127.0.0.1"));
}

async fn sign_out_everywhere_else_keeps_only_this_session(app: TestApp) {
    app.set_up().await;
    let chrome = browser_logged_in(&app, CHROME_ON_WINDOWS, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let safari = browser_logged_in(&app, SAFARI_ON_IOS, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let page = app.get_html("/account").await;
    let response = app
        .submit(&page, "/account/sessions/sign-out-others", &[])
        .await;
    let page = after_redirect(&app, response).await;
    assert_eq!(
        flash(&page).as_deref(),
        Some("Your 2 other sessions were signed out.")
    );
    assert!(!logged_in(&chrome).await);
    assert!(!logged_in(&safari).await);
    assert!(logged_in(&app).await);
    assert_eq!(page.matches(">Sign out</button>").count(), 0);
    assert!(!page.contains("Sign out everywhere else"));

    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("Other sessions signed out"));
    assert!(audit.contains("2 session(s)"));
}

async fn another_users_session_is_not_found(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", false)
        .await;
    let bob = browser_logged_in(
        &app,
        FIREFOX_ON_LINUX,
        "bob@example.com",
        "member password 1",
    )
    .await;
    let bob_phone =
        browser_logged_in(&app, SAFARI_ON_IOS, "bob@example.com", "member password 1").await;
    let bobs_page = bob.get_html("/account").await;
    let action = sign_out_action(&bobs_page, "Safari on iOS");

    let ada = browser_logged_in(&app, CHROME_ON_WINDOWS, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = ada.get_html("/account").await;
    let response = ada.submit(&page, &action, &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let unknown = ada
        .submit(&page, "/account/sessions/no-such-handle/sign-out", &[])
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(logged_in(&bob_phone).await, "Bob's session is untouched");
    // Bob's own page does not list Ada's sessions.
    let bobs_page = bob.get_html("/account").await;
    assert!(!bobs_page.contains("Chrome on Windows"));
}

async fn account_forms_without_the_csrf_token_are_refused(app: TestApp) {
    app.set_up().await;
    let _other = browser_logged_in(&app, CHROME_ON_WINDOWS, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for (path, fields) in [
        ("/account/name", vec![("name", "Mallory")]),
        (
            "/account/password",
            vec![
                ("current_password", ADMIN_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_again", NEW_PASSWORD),
            ],
        ),
        ("/account/sessions/sign-out-others", vec![]),
    ] {
        let response = app
            .client
            .post(app.url(path))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let page = app.get_html("/account").await;
    assert!(page.contains("aria-label=\"Ada Lovelace, Profile\""));
    assert!(
        page.contains("Chrome on Windows"),
        "the other session remains"
    );
}

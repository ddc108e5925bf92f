//! Profile → "Account": changing your name and password (active sessions are in
//! `account_sessions`).

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_changed_name_shows_in_the_profile_button_and_the_audit_log,
    a_bad_name_is_refused_beside_the_field_and_kept,
    changing_the_password_ends_every_other_session_and_keeps_this_one,
    bad_password_changes_show_a_message_beside_each_field,
    wrong_current_passwords_are_throttled_like_logins with |config| config.login_max_failures = 2,
    account_forms_without_the_csrf_token_are_refused,
);

pub(crate) const FIREFOX_ON_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
pub(crate) const CHROME_ON_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// Another browser, sending `agent` as its user agent, logged in as `email`.
pub(crate) async fn browser_logged_in(
    app: &TestApp,
    agent: &str,
    email: &str,
    password: &str,
) -> TestApp {
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
pub(crate) async fn logged_in(browser: &TestApp) -> bool {
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

/// The field error shown under the input `id`.
fn field_error(page: &str, id: &str) -> Option<String> {
    let marker = format!("<p class=\"field-error\" id=\"{id}-error\">");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find("</p>")?;
    Some(html_unescape(&page[start..start + end]))
}

pub(crate) async fn after_redirect(app: &TestApp, response: reqwest::Response) -> String {
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

//! Profile → "Account", Active sessions: each device listed with this session marked,
//! signing out one session or every other one, and another user's session not found.

use reqwest::StatusCode;

use crate::account::{
    CHROME_ON_WINDOWS, FIREFOX_ON_LINUX, after_redirect, browser_logged_in, logged_in,
};
use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    active_sessions_show_each_device_and_mark_this_session,
    sign_out_ends_exactly_that_session,
    sign_out_everywhere_else_keeps_only_this_session,
    another_users_session_is_not_found,
);

const SAFARI_ON_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) \
     AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

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

//! Joining from an invitation link, the invitee's side: a tampered or unknown link gets a
//! clear page, a bad name or short password keeps what was typed and the link, and a
//! browser already logged in is asked to log out first.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_tampered_or_unknown_link_gets_a_clear_page,
    a_bad_name_or_short_password_on_joining_keeps_the_name_and_the_link,
    a_logged_in_browser_is_asked_to_log_out_before_joining,
);

async fn a_tampered_or_unknown_link_gets_a_clear_page(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let last = link.chars().last().unwrap();
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &link[..link.len() - 1]);
    let bob = app.other_browser();
    for path in [
        tampered.clone(),
        link[..link.len() - 1].to_string(),
        "/invite/nonsense".into(),
    ] {
        let response = bob.get(&path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let text = response.text().await.unwrap();
        assert!(text.contains("This link is not valid."), "{path}");
        assert!(!text.contains("bob@example.com"));
    }
    let page = bob.get_html(&link).await;
    let posted = bob
        .submit(
            &page,
            &tampered,
            &[("name", "Bob"), ("password", "bob's own password")],
        )
        .await;
    assert_eq!(posted.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        bob.get(&link).await.status(),
        StatusCode::OK,
        "the real link still works"
    );
}

async fn a_bad_name_or_short_password_on_joining_keeps_the_name_and_the_link(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let bob = app.other_browser();
    let page = bob.get_html(&link).await;
    let short = bob
        .submit(
            &page,
            &link,
            &[("name", "Bob Member"), ("password", "short")],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = short.text().await.unwrap();
    assert!(html.contains(
        "<p class=\"field-error\" id=\"join-password-error\">Use at least 10 characters.</p>"
    ));
    assert!(html.contains("value=\"Bob Member\""), "the name is kept");
    let nameless = bob
        .submit(
            &html,
            &link,
            &[("name", " "), ("password", "long enough password")],
        )
        .await;
    assert_eq!(nameless.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nameless
            .text()
            .await
            .unwrap()
            .contains("id=\"join-name-error\"")
    );
    let joined = bob.join(&link, "Bob Member", "long enough password").await;
    assert_eq!(
        joined.status(),
        StatusCode::SEE_OTHER,
        "the link still works"
    );
}

async fn a_logged_in_browser_is_asked_to_log_out_before_joining(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let page = html_unescape(&app.get_html(&link).await);
    assert!(page.contains(&format!(
        "You are logged in as {ADMIN_EMAIL} in this browser."
    )));
    assert!(page.contains(">Log out</button>"));
    assert!(
        !page.contains("id=\"join-password\""),
        "no join form while logged in"
    );
}

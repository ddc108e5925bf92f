//! Forms refused without the session's CSRF token; security headers and cookie flags.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    every_post_without_a_valid_csrf_token_is_refused,
    pages_carry_the_security_headers,
);

async fn every_post_without_a_valid_csrf_token_is_refused(app: TestApp) {
    // Before setup: /setup itself is protected.
    let response = app
        .client
        .post(app.url("/setup"))
        .form(&[
            ("workspace", "W"),
            ("name", "N"),
            ("email", "n@example.com"),
            ("password", "long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("Form expired"));

    app.set_up().await;
    let me = app.member_id(ADMIN_EMAIL).await;
    let paths = [
        "/login".to_string(),
        "/logout".to_string(),
        "/settings/team/invitations".to_string(),
        format!("/settings/team/members/{me}/role"),
        format!("/settings/team/members/{me}/api-access"),
        format!("/settings/team/members/{me}/remove"),
    ];
    for path in &paths {
        for token in [None, Some("wrong-token")] {
            let mut form = vec![
                ("role", "member"),
                ("enabled", "true"),
                ("name", "Z"),
                ("email", "z@example.com"),
            ];
            if let Some(token) = token {
                form.push(("csrf_token", token));
            }
            let response = app
                .client
                .post(app.url(path))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} with {token:?}"
            );
        }
    }
    // Still logged in, still an admin, nothing removed.
    assert!(app.get_html("/settings/team").await.contains(ADMIN_EMAIL));
    assert!(
        !app.get_html("/settings/team")
            .await
            .contains("z@example.com")
    );
}

async fn pages_carry_the_security_headers(app: TestApp) {
    app.set_up().await;
    for path in [
        "/settings/integrations",
        "/settings/team",
        "/settings/audit",
        "/nope",
    ] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
        assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
    }
    let cookie = app.other_browser().get("/login").await;
    let set_cookie = cookie
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_secure_when_configured() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.secure_cookies = true)
        .await
        .unwrap();
    let response = app.get("/setup").await;
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
}

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_member_without_api_access_sees_the_notice_with_the_admins,
    members_get_403_on_admin_pages_and_actions,
    an_admin_gets_404_for_another_workspaces_member,
    team_changes_take_effect_and_land_in_the_audit_log,
    a_removed_members_open_session_is_refused_at_once,
    the_last_admin_cannot_be_demoted_or_removed,
    adding_a_member_with_bad_input_keeps_what_was_typed,
);

async fn log_in_as(app: &TestApp, email: &str) -> TestApp {
    let browser = app.other_browser();
    let response = browser.log_in(email, "member password 1").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{email} logs in");
    browser
}

async fn a_member_without_api_access_sees_the_notice_with_the_admins(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", false)
        .await;
    let bob = log_in_as(&app, "bob@example.com").await;

    let html = bob.get_html("/settings/integrations").await;
    assert!(
        html.contains("You don&#39;t have API access")
            || html.contains("You don't have API access")
    );
    assert!(
        html.contains(ADMIN_NAME) && html.contains(ADMIN_EMAIL),
        "names the admins to ask"
    );
    assert!(!html.contains(">Generate<"), "no key controls");

    app.add_member("Carol Keys", "carol@example.com", "member", true)
        .await;
    let carol = log_in_as(&app, "carol@example.com").await;
    let html = carol.get_html("/settings/integrations").await;
    assert!(html.contains("API keys") && html.contains(">Generate<"));
}

async fn members_get_403_on_admin_pages_and_actions(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", true)
        .await;
    let admin_id = app.member_id(ADMIN_EMAIL).await;
    let bob = log_in_as(&app, "bob@example.com").await;

    assert_eq!(
        bob.get("/settings/team").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bob.get("/settings/audit").await.status(),
        StatusCode::FORBIDDEN
    );
    let html = bob.get_html("/settings/integrations").await;
    assert!(
        !html.contains("href=\"/settings/team\""),
        "no Team tab for members"
    );

    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/settings/team/members".into(),
            vec![
                ("name", "X"),
                ("email", "x@example.com"),
                ("password", "xxxxxxxxxxxx"),
            ],
        ),
        (
            format!("/settings/team/members/{admin_id}/role"),
            vec![("role", "member")],
        ),
        (
            format!("/settings/team/members/{admin_id}/api-access"),
            vec![("enabled", "false")],
        ),
        (format!("/settings/team/members/{admin_id}/remove"), vec![]),
    ];
    for (path, fields) in posts {
        let response = bob.post_form(&path, &fields).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        app.get_html("/settings/team").await.contains(ADMIN_EMAIL),
        "nothing changed"
    );
}

async fn an_admin_gets_404_for_another_workspaces_member(app: TestApp) {
    app.set_up().await;
    let eve = app.log_in_to_another_workspace().await;
    let eve_id = eve.member_id("eve@example.com").await;
    assert!(
        !eve.get_html("/settings/team").await.contains(ADMIN_EMAIL),
        "workspaces are separate"
    );

    for (path, fields) in [
        (
            format!("/settings/team/members/{eve_id}/role"),
            vec![("role", "member")],
        ),
        (
            format!("/settings/team/members/{eve_id}/api-access"),
            vec![("enabled", "true")],
        ),
        (format!("/settings/team/members/{eve_id}/remove"), vec![]),
    ] {
        assert_eq!(
            app.post_form(&path, &fields).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert!(
        eve.get_html("/settings/team")
            .await
            .contains("eve@example.com")
    );
}

async fn team_changes_take_effect_and_land_in_the_audit_log(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", false)
        .await;
    let bob_id = app.member_id("bob@example.com").await;

    let grant = app
        .post_form(
            &format!("/settings/team/members/{bob_id}/api-access"),
            &[("enabled", "true")],
        )
        .await;
    assert_eq!(grant.status(), StatusCode::SEE_OTHER);
    let bob = log_in_as(&app, "bob@example.com").await;
    assert!(
        bob.get_html("/settings/integrations")
            .await
            .contains(">Generate<")
    );

    let revoke = app
        .post_form(
            &format!("/settings/team/members/{bob_id}/api-access"),
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::SEE_OTHER);
    assert!(
        bob.get_html("/settings/integrations")
            .await
            .contains("API access")
    );
    assert!(
        !bob.get_html("/settings/integrations")
            .await
            .contains(">Generate<"),
        "revoked at once"
    );

    let promote = app
        .post_form(
            &format!("/settings/team/members/{bob_id}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(promote.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        bob.get("/settings/team").await.status(),
        StatusCode::OK,
        "Bob is an admin now"
    );

    let demote = app
        .post_form(
            &format!("/settings/team/members/{bob_id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        bob.get("/settings/team").await.status(),
        StatusCode::FORBIDDEN
    );

    let remove = app
        .post_form(&format!("/settings/team/members/{bob_id}/remove"), &[])
        .await;
    assert_eq!(remove.status(), StatusCode::SEE_OTHER);
    assert!(
        !app.get_html("/settings/team")
            .await
            .contains("bob@example.com")
    );

    let audit = app.get_html("/settings/audit").await;
    for entry in [
        "Member added",
        "API access granted",
        "API access revoked",
        "Role changed",
        "Member removed",
    ] {
        assert!(audit.contains(entry), "audit log has {entry}");
    }
    assert!(
        audit.contains("Bob Member &#60;bob@example.com&#62;"),
        "the subject names the member"
    );
    assert!(audit.contains("127.0.0.1"));
}

async fn a_removed_members_open_session_is_refused_at_once(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", true)
        .await;
    let bob = log_in_as(&app, "bob@example.com").await;
    assert_eq!(
        bob.get("/settings/integrations").await.status(),
        StatusCode::OK
    );

    let bob_id = app.member_id("bob@example.com").await;
    app.post_form(&format!("/settings/team/members/{bob_id}/remove"), &[])
        .await;

    let response = bob.get("/settings/integrations").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    assert_eq!(
        bob.log_in("bob@example.com", "member password 1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn the_last_admin_cannot_be_demoted_or_removed(app: TestApp) {
    app.set_up().await;
    let me = app.member_id(ADMIN_EMAIL).await;
    let demote = app
        .post_form(
            &format!("/settings/team/members/{me}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::CONFLICT);
    assert!(demote.text().await.unwrap().contains("at least one admin"));
    let remove = app
        .post_form(&format!("/settings/team/members/{me}/remove"), &[])
        .await;
    assert_eq!(remove.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.get("/settings/team").await.status(),
        StatusCode::OK,
        "still an admin"
    );

    // With a second admin, the first may step down.
    app.add_member("Second Admin", "second@example.com", "admin", false)
        .await;
    let demote = app
        .post_form(
            &format!("/settings/team/members/{me}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::SEE_OTHER);
}

async fn adding_a_member_with_bad_input_keeps_what_was_typed(app: TestApp) {
    app.set_up().await;
    let me = app.member_id(ADMIN_EMAIL).await;
    let bogus = app
        .post_form(
            &format!("/settings/team/members/{me}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(bogus.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bogus
            .text()
            .await
            .unwrap()
            .contains("Choose Admin or Member.")
    );
    let cases: &[(&str, &str, &str, &str)] = &[
        ("", "new@example.com", "long password", "Enter a name."),
        (
            &"n".repeat(101),
            "new@example.com",
            "long password",
            "Use at most 100 characters",
        ),
        (
            "Tab\tName",
            "new@example.com",
            "long password",
            "control characters",
        ),
        (
            "New Person",
            "nope",
            "long password",
            "Enter an email address like",
        ),
        (
            "New Person",
            "new@example.com",
            "short",
            "Use at least 10 characters.",
        ),
        (
            "New Person",
            ADMIN_EMAIL,
            "long password",
            "A member with this email already exists.",
        ),
    ];
    for (name, email, password, message) in cases {
        let response = app
            .post_form(
                "/settings/team/members",
                &[
                    ("name", name),
                    ("email", email),
                    ("password", password),
                    ("role", "member"),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?}");
        assert!(
            html.contains(&format!("value=\"{email}\"")),
            "email kept for {message:?}"
        );
    }
}

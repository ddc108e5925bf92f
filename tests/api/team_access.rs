//! Who may do what on the Team page: members are refused, other workspaces are invisible.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_member_without_api_access_sees_the_notice_with_the_admins,
    members_get_403_on_admin_pages_and_actions,
    an_admin_gets_404_for_another_workspaces_member,
    a_removed_members_open_session_is_refused_at_once,
    an_unknown_stored_role_is_an_error_never_a_member,
    a_member_cannot_demote_or_remove_the_last_admin_either,
);

async fn a_member_without_api_access_sees_the_notice_with_the_admins(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", false)
        .await;
    let bob = app.log_in_as("bob@example.com").await;

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
    let carol = app.log_in_as("carol@example.com").await;
    let html = carol.get_html("/settings/integrations").await;
    assert!(html.contains("API keys") && html.contains(">Generate<"));
}

async fn members_get_403_on_admin_pages_and_actions(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", true)
        .await;
    // A second admin, so that no refusal below can come from the last-admin rule.
    app.add_member("Carol Admin", "carol@example.com", "admin", false)
        .await;
    let admin_id = app.member_id("carol@example.com").await;
    let bob = app.log_in_as("bob@example.com").await;

    assert_not_allowed(bob.get("/settings/team").await, "GET /settings/team").await;
    assert_not_allowed(bob.get("/settings/audit").await, "GET /settings/audit").await;
    let html = bob.get_html("/settings/integrations").await;
    assert!(
        !html.contains("href=\"/settings/team\""),
        "no Team tab for members"
    );

    // Bob's own page gives his forms a valid CSRF token: the refusal is about permission.
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/settings/team/invitations".into(),
            vec![("email", "x@example.com"), ("role", "admin")],
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
        let response = bob.submit(&html, &path, &fields).await;
        assert_not_allowed(response, &format!("POST {path}")).await;
    }
    let team = app.get_html("/settings/team").await;
    assert!(team.contains("carol@example.com"), "Carol is still there");
    assert_eq!(
        team.matches("value=\"admin\" selected").count(),
        2,
        "both admins are still admins"
    );
    assert!(!team.contains("x@example.com"), "no member was added");
}

async fn an_admin_gets_404_for_another_workspaces_member(app: TestApp) {
    app.set_up().await;
    let eve = app.log_in_to_another_workspace().await;
    let eve_id = eve.member_id("eve@example.com").await;
    assert!(
        !eve.get_html("/settings/team").await.contains(ADMIN_EMAIL),
        "workspaces are separate"
    );

    let team = app.get_html("/settings/team").await;
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
            app.submit(&team, &path, &fields).await.status(),
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

async fn a_removed_members_open_session_is_refused_at_once(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", true)
        .await;
    let bob = app.log_in_as("bob@example.com").await;
    assert_eq!(
        bob.get("/settings/integrations").await.status(),
        StatusCode::OK
    );

    let team = app.get_html("/settings/team").await;
    let bob_id = member_id_on(&team, "bob@example.com");
    let removed = app
        .submit(
            &team,
            &format!("/settings/team/members/{bob_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);

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

async fn an_unknown_stored_role_is_an_error_never_a_member(app: TestApp) {
    use diesel::prelude::*;
    use keydesk::db::schema::users;

    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", true)
        .await;
    let bob = app.log_in_as("bob@example.com").await;
    assert_eq!(
        bob.get("/settings/integrations").await.status(),
        StatusCode::OK
    );

    // A role this build does not know (written by a newer version, or by hand).
    diesel::update(users::table.filter(users::email.eq("bob@example.com")))
        .set(users::role.eq("owner"))
        .execute(&mut *app.db_conn())
        .unwrap();

    let response = bob.get("/settings/integrations").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Something went wrong"),
        "the styled error page"
    );
    assert!(
        !html.contains("API keys"),
        "not shown the member's key list"
    );
}

async fn a_member_cannot_demote_or_remove_the_last_admin_either(app: TestApp) {
    app.set_up().await;
    app.add_member("Bob Member", "bob@example.com", "member", true)
        .await;
    let admin_id = app.member_id(ADMIN_EMAIL).await;
    let bob = app.log_in_as("bob@example.com").await;
    let page = bob.get_html("/settings/integrations").await;

    for path in [
        format!("/settings/team/members/{admin_id}/role"),
        format!("/settings/team/members/{admin_id}/remove"),
    ] {
        let response = bob.submit(&page, &path, &[("role", "member")]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "POST {path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("The workspace needs at least one admin"),
            "{path}"
        );
        assert!(
            !html.contains(ADMIN_EMAIL),
            "a member is not shown the Team page"
        );
    }
    let team = app.get_html("/settings/team").await;
    assert!(
        team.contains("value=\"admin\" selected"),
        "Ada is still the admin"
    );
}

//! Team changes by an admin: members invited, roles and API access changed, members removed.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    team_changes_take_effect_and_land_in_the_audit_log,
    the_last_admin_cannot_be_demoted_or_removed,
    inviting_a_member_with_bad_input_keeps_what_was_typed,
);

/// Follows a team change's redirect to the Team page and returns the page with its flash.
async fn team_page_after(app: &TestApp, response: reqwest::Response) -> (String, Option<String>) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/settings/team");
    let page = app.get_html(&location(&response)).await;
    let shown = flash(&page);
    (page, shown)
}

async fn team_changes_take_effect_and_land_in_the_audit_log(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let joined = app
        .other_browser()
        .join(&link, "Bob Member", "member password 1")
        .await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    let bob_id = member_id_on(&team, "bob@example.com");

    let grant = app
        .submit(
            &team,
            &format!("/settings/team/members/{bob_id}/api-access"),
            &[("enabled", "true")],
        )
        .await;
    let (_, shown) = team_page_after(&app, grant).await;
    assert_eq!(
        shown.as_deref(),
        Some("Bob Member can now manage their own API keys.")
    );
    let bob = app.log_in_as("bob@example.com").await;
    assert!(
        bob.get_html("/settings/integrations")
            .await
            .contains(">Generate<")
    );

    let revoke = app
        .submit(
            &team,
            &format!("/settings/team/members/{bob_id}/api-access"),
            &[("enabled", "false")],
        )
        .await;
    let (_, shown) = team_page_after(&app, revoke).await;
    assert_eq!(
        shown.as_deref(),
        Some("Bob Member no longer has API access.")
    );
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
        .submit(
            &team,
            &format!("/settings/team/members/{bob_id}/role"),
            &[("role", "admin")],
        )
        .await;
    let (_, shown) = team_page_after(&app, promote).await;
    assert_eq!(shown.as_deref(), Some("Bob Member is now admin."));
    assert_eq!(
        bob.get("/settings/team").await.status(),
        StatusCode::OK,
        "Bob is an admin now"
    );

    let demote = app
        .submit(
            &team,
            &format!("/settings/team/members/{bob_id}/role"),
            &[("role", "member")],
        )
        .await;
    let (_, shown) = team_page_after(&app, demote).await;
    assert_eq!(shown.as_deref(), Some("Bob Member is now member."));
    assert_not_allowed(bob.get("/settings/team").await, "Bob is a member again").await;

    let remove = app
        .submit(
            &team,
            &format!("/settings/team/members/{bob_id}/remove"),
            &[],
        )
        .await;
    let (after, shown) = team_page_after(&app, remove).await;
    assert_eq!(
        shown.as_deref(),
        Some("Bob Member was removed and logged out.")
    );
    assert!(!after.contains("bob@example.com"));
    let reloaded = app.get_html("/settings/team").await;
    assert_eq!(flash(&reloaded), None, "a confirmation shows once");
    assert!(!reloaded.contains("bob@example.com"));

    let audit = app.get_html("/settings/audit").await;
    for entry in [
        "Member invited",
        "Member joined",
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

async fn the_last_admin_cannot_be_demoted_or_removed(app: TestApp) {
    app.set_up().await;
    let team = app.get_html("/settings/team").await;
    let me = member_id_on(&team, ADMIN_EMAIL);
    let demote = app
        .submit(
            &team,
            &format!("/settings/team/members/{me}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::CONFLICT);
    assert!(demote.text().await.unwrap().contains("at least one admin"));
    let remove = app
        .submit(&team, &format!("/settings/team/members/{me}/remove"), &[])
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
        .submit(
            &team,
            &format!("/settings/team/members/{me}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::SEE_OTHER);
}

async fn inviting_a_member_with_bad_input_keeps_what_was_typed(app: TestApp) {
    app.set_up().await;
    let team = app.get_html("/settings/team").await;
    let me = member_id_on(&team, ADMIN_EMAIL);
    let bogus = app
        .submit(
            &team,
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
    let cases: &[(&str, &str)] = &[
        ("nope", "Enter an email address like"),
        (
            ADMIN_EMAIL,
            "This email already belongs to a member: it cannot be invited.",
        ),
    ];
    for (email, message) in cases {
        let response = app
            .submit(
                &team,
                "/settings/team/invitations",
                &[("email", email), ("role", "admin"), ("api_access", "true")],
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
        assert!(
            html.contains("<option value=\"admin\" selected>"),
            "role kept for {message:?}"
        );
        assert!(
            html.contains("value=\"true\" checked"),
            "API access kept for {message:?}"
        );
    }
}

//! "Invite member": a one-time link, shown once, with which the invitee chooses their own
//! name and password and joins with the role and API access the admin chose. Pending
//! invitations can be revoked; used, revoked and expired links get a clear page (the
//! invitee's mistakes on the link's page are in `invitation_join`).

use diesel::prelude::*;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    an_invited_member_joins_with_the_chosen_role_and_logs_in_with_their_password,
    an_invitation_link_works_once_even_when_submitted_twice_at_once,
    a_revoked_invitation_leaves_the_list_and_its_link_gets_a_clear_page,
    an_expired_invitation_link_gets_a_clear_page,
    a_member_or_a_pending_email_cannot_be_invited_again,
    another_workspaces_invitation_cannot_be_revoked,
    a_member_cannot_invite_or_revoke,
);

/// The id of the pending invitation for `email` on the Team page.
fn invitation_id_on(html: &str, email: &str) -> i32 {
    let at = html
        .find(&format!("<strong>{email}</strong>"))
        .expect("invitation listed");
    let marker = "id=\"invitation-";
    let start = html[..at].rfind(marker).unwrap() + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].parse().unwrap()
}

async fn an_invited_member_joins_with_the_chosen_role_and_logs_in_with_their_password(
    app: TestApp,
) {
    app.set_up().await;
    let team = app.get_html("/settings/team").await;
    assert!(
        !team.contains("Initial password"),
        "no password is chosen for someone else"
    );
    let response = app
        .submit(
            &team,
            "/settings/team/invitations",
            &[
                ("email", "bob@example.com"),
                ("role", "member"),
                ("api_access", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    assert!(page.contains(">Copy invite link</button>"));
    let link = invite_path_on(&page);
    assert_eq!(link.len(), "/invite/".len() + 64, "{link}");
    let team = app.get_html("/settings/team").await;
    assert!(!team.contains(&link), "the link is shown once");
    assert!(
        team.contains("<strong>bob@example.com</strong>"),
        "listed as pending"
    );

    let bob = app.other_browser();
    let join = bob.get_html(&link).await;
    let shown = html_unescape(&join);
    assert!(shown.contains(WORKSPACE), "the workspace is named");
    assert!(
        shown.contains(&format!("{ADMIN_NAME} invited")),
        "and who invited"
    );
    let joined = bob
        .submit(
            &join,
            &link,
            &[("name", "Bob Member"), ("password", "bob's own password")],
        )
        .await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&joined), "/settings/integrations");
    let home = bob.get_html("/settings/integrations").await;
    assert!(home.contains("Bob Member"), "Bob lands logged in");
    assert!(home.contains("Generate"), "with the API access chosen");

    let later = app.other_browser();
    let login = later.log_in("bob@example.com", "bob's own password").await;
    assert_eq!(
        login.status(),
        StatusCode::SEE_OTHER,
        "his own password works"
    );

    let team = app.get_html("/settings/team").await;
    let bob_id = member_id_on(&team, "bob@example.com");
    assert!(team.contains("<option value=\"member\" selected>"));
    assert!(team.contains("aria-checked=\"true\" aria-label=\"API access for Bob Member\""));
    assert!(bob_id > 0);
    assert!(!team.contains("Pending invitations"), "no longer pending");

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Member invited"));
    assert!(audit.contains("Member joined"));
    assert!(audit.contains("Member, API access on"));
}

async fn an_invitation_link_works_once_even_when_submitted_twice_at_once(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "admin", false).await;
    let (first, second) = (app.other_browser(), app.other_browser());
    let (page_1, page_2) = (first.get_html(&link).await, second.get_html(&link).await);
    let (a, b) = tokio::join!(
        first.submit(
            &page_1,
            &link,
            &[("name", "Bob One"), ("password", "first password")]
        ),
        second.submit(
            &page_2,
            &link,
            &[("name", "Bob Two"), ("password", "second password")]
        ),
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::GONE]);
    let team = app.get_html("/settings/team").await;
    assert_eq!(team.matches("bob@example.com").count(), 1, "one member");

    let again = app.other_browser().get(&link).await;
    assert_eq!(again.status(), StatusCode::GONE);
    let text = again.text().await.unwrap();
    assert!(text.contains("This invitation was already used."));
    assert!(!text.contains("bob@example.com"), "no hint about the email");
}

async fn a_revoked_invitation_leaves_the_list_and_its_link_gets_a_clear_page(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let team = app.get_html("/settings/team").await;
    assert!(team.contains("Pending invitations"));
    let id = invitation_id_on(&team, "bob@example.com");
    let revoked = app
        .submit(
            &team,
            &format!("/settings/team/invitations/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    assert_eq!(
        flash(&team).as_deref(),
        Some("The invitation for bob@example.com was revoked: its link no longer works.")
    );
    assert!(!team.contains("<strong>bob@example.com</strong>"));

    let bob = app.other_browser();
    let page = bob.get(&link).await;
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("This invitation was revoked")
    );
    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("Invitation revoked"));

    // Revoked, the email can be invited again.
    app.invite("bob@example.com", "member", false).await;
}

async fn an_expired_invitation_link_gets_a_clear_page(app: TestApp) {
    use keydesk::db::schema::invitations;
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let bob = app.other_browser();
    let page = bob.get_html(&link).await;
    diesel::update(invitations::table)
        .set(invitations::expires_at.eq(keydesk::db::now() - time::Duration::seconds(1)))
        .execute(&mut *app.db_conn())
        .unwrap();
    let late = bob
        .submit(
            &page,
            &link,
            &[("name", "Bob"), ("password", "bob's own password")],
        )
        .await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(
        late.text()
            .await
            .unwrap()
            .contains("This invitation has expired")
    );
    let opened = bob.get(&link).await;
    assert_eq!(opened.status(), StatusCode::GONE);
    assert!(
        !app.get_html("/settings/team")
            .await
            .contains("Pending invitations")
    );
    let refused = app
        .other_browser()
        .log_in("bob@example.com", "bob's own password")
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "no account was made"
    );
}

async fn a_member_or_a_pending_email_cannot_be_invited_again(app: TestApp) {
    app.set_up().await;
    app.invite("bob@example.com", "member", false).await;
    let team = app.get_html("/settings/team").await;
    for (email, message) in [
        (
            "bob@example.com",
            "This email already has a pending invitation: revoke it first to invite again.",
        ),
        (
            ADMIN_EMAIL,
            "This email already belongs to a member: it cannot be invited.",
        ),
    ] {
        let response = app
            .submit(
                &team,
                "/settings/team/invitations",
                &[("email", email), ("role", "member")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        let field = html.find("id=\"member-email\"").unwrap();
        assert!(
            html[field..].contains(&format!("value=\"{email}\"")),
            "kept"
        );
        assert!(
            html.contains(&format!(
                "<p class=\"field-error\" id=\"member-email-error\">{message}</p>"
            )),
            "beside the email field: {message}"
        );
    }
}

async fn another_workspaces_invitation_cannot_be_revoked(app: TestApp) {
    app.set_up().await;
    let link = app.invite("bob@example.com", "member", false).await;
    let id = invitation_id_on(&app.get_html("/settings/team").await, "bob@example.com");
    let eve = app.log_in_to_another_workspace().await;
    let eve_team = eve.get_html("/settings/team").await;
    assert!(!eve_team.contains("bob@example.com"));
    let response = eve
        .submit(
            &eve_team,
            &format!("/settings/team/invitations/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.other_browser().get(&link).await.status(),
        StatusCode::OK,
        "still works"
    );
}

async fn a_member_cannot_invite_or_revoke(app: TestApp) {
    app.set_up().await;
    app.add_member("Mia Member", "mia@example.com", "member", true)
        .await;
    app.invite("bob@example.com", "member", false).await;
    let id = invitation_id_on(&app.get_html("/settings/team").await, "bob@example.com");
    let mia = app.log_in_as("mia@example.com").await;
    let page = mia.get_html("/settings/integrations").await;
    assert_not_allowed(
        mia.submit(
            &page,
            "/settings/team/invitations",
            &[("email", "x@example.com"), ("role", "admin")],
        )
        .await,
        "POST /settings/team/invitations",
    )
    .await;
    assert_not_allowed(
        mia.submit(
            &page,
            &format!("/settings/team/invitations/{id}/revoke"),
            &[],
        )
        .await,
        "POST revoke",
    )
    .await;
    assert!(
        app.get_html("/settings/team")
            .await
            .contains("<strong>bob@example.com</strong>")
    );
    assert!(
        !app.get_html("/settings/team")
            .await
            .contains("x@example.com")
    );
}

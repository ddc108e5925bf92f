//! What an invitation answers and grants depends on its own workspace and its inviter:
//! an admin inviting an email learns nothing about other workspaces, an invitee whose
//! email has an account elsewhere is told so on joining, and a link grants nothing once
//! its inviter is no longer an admin of the workspace.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    inviting_an_email_answers_the_same_whatever_other_workspaces_hold,
    an_invitee_with_an_account_elsewhere_is_told_on_joining_and_the_invitation_stays_pending,
    an_invitation_is_void_once_its_inviter_is_demoted_or_removed,
);

/// Invites `email` as a member from `admin`'s Team page and returns the answer.
async fn invite_answer(admin: &TestApp, email: &str) -> reqwest::Response {
    let team = admin.get_html("/settings/team").await;
    admin
        .submit(
            &team,
            "/settings/team/invitations",
            &[("email", email), ("role", "member")],
        )
        .await
}

async fn inviting_an_email_answers_the_same_whatever_other_workspaces_hold(app: TestApp) {
    app.set_up().await;
    app.invite("bob@example.com", "member", false).await;
    let eve = app.log_in_to_another_workspace().await;

    // Ada's account, Bob's pending invitation (both of Ada's workspace) and an email
    // nobody knows: Eve's workspace gets the same answer for each.
    for email in [ADMIN_EMAIL, "bob@example.com", "nobody@example.com"] {
        let response = invite_answer(&eve, email).await;
        assert_eq!(response.status(), StatusCode::OK, "inviting {email}");
        let html = response.text().await.unwrap();
        assert!(html.contains("/invite/"), "a link for {email}");
        assert!(!html.contains("field-error"), "no refusal for {email}");
    }
    let eve_team = eve.get_html("/settings/team").await;
    for email in [ADMIN_EMAIL, "bob@example.com", "nobody@example.com"] {
        assert!(
            eve_team.contains(&format!("<strong>{email}</strong>")),
            "{email} is pending in Eve's workspace"
        );
    }
    // Eve's invitation blocks nothing in Ada's workspace either.
    let response = invite_answer(&app, "nobody@example.com").await;
    assert_eq!(response.status(), StatusCode::OK);
    // Within a workspace, its own member and its own pending invitation still answer.
    for email in [ADMIN_EMAIL, "bob@example.com"] {
        assert_eq!(
            invite_answer(&app, email).await.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{email} in Ada's own workspace"
        );
    }
}

async fn an_invitee_with_an_account_elsewhere_is_told_on_joining_and_the_invitation_stays_pending(
    app: TestApp,
) {
    app.set_up().await;
    let eve = app.log_in_to_another_workspace().await;
    let taken = eve.invite(ADMIN_EMAIL, "admin", true).await;
    let fresh = eve.invite("nobody@example.com", "admin", true).await;

    // The link's page is the same for an email with an account and for one without.
    let ada = app.other_browser();
    let taken_page = ada.get(&taken).await;
    assert_eq!(taken_page.status(), StatusCode::OK);
    let taken_page = taken_page.text().await.unwrap();
    let fresh_page = app.other_browser().get_html(&fresh).await;
    let shape = |page: &str, email: &str, link: &str| -> Vec<String> {
        page.lines()
            .filter(|l| !l.contains("csrf_token"))
            .map(|l| l.replace(link, "LINK").replace(email, "EMAIL"))
            .collect()
    };
    assert_eq!(
        shape(&taken_page, ADMIN_EMAIL, &taken),
        shape(&fresh_page, "nobody@example.com", &fresh),
    );
    assert!(taken_page.contains(">Join workspace</button>"));

    // Joining tells the invitee why not, and changes nothing.
    let joined = ada
        .submit(
            &taken_page,
            &taken,
            &[("name", "Ada Twice"), ("password", "another password 1")],
        )
        .await;
    assert_eq!(joined.status(), StatusCode::CONFLICT);
    assert_eq!(joined.headers()["cache-control"], "no-store");
    let text = joined.text().await.unwrap();
    assert!(text.contains(
        "This email already has a Keydesk account, and an account belongs to one workspace: it cannot join a second one."
    ));
    assert!(
        !text.contains(WORKSPACE),
        "nothing about the other workspace"
    );
    let eve_team = eve.get_html("/settings/team").await;
    assert!(
        eve_team.contains(&format!("<strong>{ADMIN_EMAIL}</strong>")),
        "still pending: Eve learns nothing"
    );
    assert!(!eve_team.contains("Ada Twice"));
    assert!(
        !html_unescape(&eve.get_html("/settings/audit").await).contains("Member joined"),
        "nobody joined Eve's workspace"
    );
    let login = app
        .other_browser()
        .log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        login.status(),
        StatusCode::SEE_OTHER,
        "Ada's account is as it was"
    );
    let typed = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "another password 1")
        .await;
    assert_eq!(typed.status(), StatusCode::UNAUTHORIZED);
    let home = app.get_html("/settings/integrations").await;
    assert!(home.contains(WORKSPACE), "and in her own workspace");
}

async fn an_invitation_is_void_once_its_inviter_is_demoted_or_removed(app: TestApp) {
    app.set_up().await;
    app.add_member("Abe Admin", "abe@example.com", "admin", true)
        .await;
    app.add_member("Cy Admin", "cy@example.com", "admin", true)
        .await;
    let abe = app.log_in_as("abe@example.com").await;
    let cy = app.log_in_as("cy@example.com").await;
    let from_abe = abe.invite("mallory@example.com", "admin", true).await;
    let from_cy = cy.invite("trudy@example.com", "admin", true).await;
    let from_ada = app.invite("bob@example.com", "admin", true).await;
    // Pages opened while the inviters still were admins, submitted after.
    let mallory = app.other_browser();
    let mallory_page = mallory.get_html(&from_abe).await;
    let trudy = app.other_browser();
    let trudy_page = trudy.get_html(&from_cy).await;

    let team = app.get_html("/settings/team").await;
    let abe_id = member_id_on(&team, "abe@example.com");
    let cy_id = member_id_on(&team, "cy@example.com");
    let demoted = app
        .submit(
            &team,
            &format!("/settings/team/members/{abe_id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(demoted.status(), StatusCode::SEE_OTHER, "Abe is demoted");
    let removed = app
        .submit(
            &team,
            &format!("/settings/team/members/{cy_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER, "Cy is removed");

    for (variant, browser, page, link, email) in [
        (
            "demoted",
            &mallory,
            &mallory_page,
            &from_abe,
            "mallory@example.com",
        ),
        (
            "removed",
            &trudy,
            &trudy_page,
            &from_cy,
            "trudy@example.com",
        ),
    ] {
        let opened = app.other_browser().get(link).await;
        assert_eq!(opened.status(), StatusCode::GONE, "{variant}: the page");
        let text = opened.text().await.unwrap();
        assert!(
            text.contains("This invitation is no longer valid"),
            "{variant}: {text}"
        );
        assert!(!text.contains(email), "{variant}: names no email");
        let joined = browser
            .submit(
                page,
                link,
                &[
                    ("name", "Would Be Admin"),
                    ("password", "a long password 1"),
                ],
            )
            .await;
        assert_eq!(joined.status(), StatusCode::GONE, "{variant}: joining");
        let login = app.other_browser().log_in(email, "a long password 1").await;
        assert_eq!(
            login.status(),
            StatusCode::UNAUTHORIZED,
            "{variant}: no account was made"
        );
    }
    let team = html_unescape(&app.get_html("/settings/team").await);
    assert!(!team.contains("Would Be Admin"));
    // The Team page says which pending invitations no longer work, and why.
    for (email, inviter) in [
        ("mallory@example.com", "Abe Admin"),
        ("trudy@example.com", "Cy Admin"),
    ] {
        assert!(
            team.contains(&format!(
                "Its link no longer works: {inviter} is no longer an admin. Revoke it to invite {email} again."
            )),
            "{email}: {team}"
        );
    }
    assert_eq!(
        team.matches("is no longer an admin").count(),
        2,
        "Ada's own invitation is not marked"
    );

    // An invitation from an admin who still is one works as before.
    let bob = app.other_browser();
    let joined = bob.join(&from_ada, "Bob Admin", "bob's own password").await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    assert_eq!(bob.get("/settings/team").await.status(), StatusCode::OK);
}

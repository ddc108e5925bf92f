//! "Ask for API access" on the permission notice, and the admins' "Access requests" on
//! Team: approve turns API access on, decline says why; one pending request per member;
//! the Team tab counts them; every step is audited. Requests answered by other Team
//! actions are in `access_requests_answered`.

use diesel::prelude::*;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_member_asks_an_admin_approves_and_the_member_can_generate_a_key,
    a_declined_request_shows_who_and_why_and_the_member_can_ask_again,
    a_second_pending_request_is_refused_beside_the_field_with_the_reason_kept,
    a_double_submit_at_the_same_moment_makes_one_request,
    answering_a_request_twice_says_it_was_already_answered,
    another_workspaces_request_is_not_found_and_members_cannot_answer,
    the_team_tab_counts_the_pending_requests,
    a_reason_over_500_characters_is_refused_beside_the_field_with_the_text_kept,
);

pub(crate) const MIA: &str = "mia@example.com";

/// Adds Mia (a member without API access) and returns her logged-in browser.
pub(crate) async fn mia_without_access(app: &TestApp) -> TestApp {
    app.set_up().await;
    app.add_member("Mia Member", MIA, "member", false).await;
    app.log_in_as(MIA).await
}

/// Mia's "Ask for API access" from her notice; returns the answer to the POST.
pub(crate) async fn ask(member: &TestApp, reason: &str) -> reqwest::Response {
    let notice = member.get_html("/settings/integrations").await;
    member
        .submit(
            &notice,
            "/settings/integrations/access-request",
            &[("reason", reason)],
        )
        .await
}

/// The id of a pending request on the Team page, by the asker's name (`id="request-N"`).
fn request_id_on(html: &str, name: &str) -> i32 {
    let at = html
        .find(&format!("<strong>{name}</strong>"))
        .unwrap_or_else(|| panic!("{name}'s request is listed"));
    let marker = "id=\"request-";
    let start = html[..at].rfind(marker).expect("a request row") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].parse().unwrap()
}

/// The stored requests of the database, all workspaces: (status, reason).
pub(crate) fn stored_requests(app: &TestApp) -> Vec<(String, String)> {
    use keydesk::db::schema::access_requests;
    access_requests::table
        .order(access_requests::id.asc())
        .select((access_requests::status, access_requests::reason))
        .load(&mut *app.db_conn())
        .unwrap()
}

async fn a_member_asks_an_admin_approves_and_the_member_can_generate_a_key(app: TestApp) {
    let mia = mia_without_access(&app).await;
    let notice = html_unescape(&mia.get_html("/settings/integrations").await);
    assert!(notice.contains("You don't have API access"));
    assert!(notice.contains(">Ask for API access</button>"));
    assert!(notice.contains("<label for=\"access-reason\">Reason (optional)</label>"));

    let asked = ask(&mia, "For the nightly CRM sync").await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let notice = html_unescape(&mia.get_html("/settings/integrations").await);
    assert!(flash(&notice).is_some_and(|f| f.starts_with("Your request was sent")));
    assert!(notice.contains("Requested on "), "the pending state");
    assert!(notice.contains("For the nightly CRM sync"));
    assert!(
        !notice.contains(">Ask for API access</button>"),
        "no second form"
    );

    let team = app.get_html("/settings/team").await;
    assert!(team.contains(">Access requests</h2>"));
    assert!(team.contains(MIA) && team.contains("For the nightly CRM sync"));
    assert!(team.contains("Asked <span title=\""), "when they asked");
    assert!(team.contains("<label for=\"decline-reason-"));
    assert!(team.contains("Reason for declining (optional)"));
    let id = request_id_on(&team, "Mia Member");
    let approved = app
        .submit(&team, &format!("/settings/team/requests/{id}/approve"), &[])
        .await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let team = html_unescape(&app.get_html("/settings/team").await);
    assert_eq!(
        flash(&team).as_deref(),
        Some("Approved: Mia Member can now manage their own API keys.")
    );
    assert!(!team.contains(">Access requests</h2>"), "nothing pending");

    let integrations = mia.get_html("/settings/integrations").await;
    assert!(
        integrations.contains(">Generate<"),
        "Mia has API access now"
    );
    let key = mia.create_key("Mia's CRM").await;
    assert_eq!(app.team_status(&key).await, StatusCode::OK);

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    for label in [
        "API access requested",
        "API access request approved",
        "API access granted",
    ] {
        assert!(audit.contains(label), "the audit log has {label}");
    }
}

async fn a_declined_request_shows_who_and_why_and_the_member_can_ask_again(app: TestApp) {
    let mia = mia_without_access(&app).await;
    ask(&mia, "").await;
    let team = app.get_html("/settings/team").await;
    assert!(team.contains("No reason given."));
    let id = request_id_on(&team, "Mia Member");
    let declined = app
        .submit(
            &team,
            &format!("/settings/team/requests/{id}/decline"),
            &[("reason", "Use the shared Zapier key instead")],
        )
        .await;
    assert_eq!(declined.status(), StatusCode::SEE_OTHER);

    let notice = html_unescape(&mia.get_html("/settings/integrations").await);
    assert!(notice.contains("Declined on "), "{notice}");
    assert!(notice.contains(&format!(" by {ADMIN_NAME}.")));
    assert!(notice.contains("Use the shared Zapier key instead"));
    assert!(
        notice.contains(">Ask for API access</button>"),
        "may ask again"
    );
    assert!(
        !mia.get_html("/settings/integrations")
            .await
            .contains(">Generate<")
    );

    let again = ask(&mia, "It is for a different tool").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let notice = html_unescape(&mia.get_html("/settings/integrations").await);
    assert!(notice.contains("Requested on ") && !notice.contains("Declined on "));
    assert_eq!(
        stored_requests(&app),
        [
            ("declined".into(), String::new()),
            ("pending".into(), "It is for a different tool".into())
        ]
    );

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("API access request declined"));
    assert!(audit.contains("Use the shared Zapier key instead"));
}

async fn a_second_pending_request_is_refused_beside_the_field_with_the_reason_kept(app: TestApp) {
    let mia = mia_without_access(&app).await;
    // The notice as it was before the first request: a second tab, say.
    let stale = mia.get_html("/settings/integrations").await;
    ask(&mia, "First").await;
    let second = mia
        .submit(
            &stale,
            "/settings/integrations/access-request",
            &[("reason", "Second, typed with care")],
        )
        .await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let html = html_unescape(&second.text().await.unwrap());
    assert!(
        html.contains("class=\"field-error\" id=\"access-reason-error\">You already asked on ")
    );
    assert!(
        html.contains(">Second, typed with care</textarea>"),
        "nothing typed lost"
    );
    assert!(html.contains("Requested on "));
    assert_eq!(stored_requests(&app).len(), 1);
}

async fn a_double_submit_at_the_same_moment_makes_one_request(app: TestApp) {
    let mia = mia_without_access(&app).await;
    let notice = mia.get_html("/settings/integrations").await;
    let path = "/settings/integrations/access-request";
    let fields = [("reason", "Double click")];
    let (a, b) = tokio::join!(
        mia.submit(&notice, path, &fields),
        mia.submit(&notice, path, &fields)
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    assert_eq!(stored_requests(&app).len(), 1, "one row");

    // Even a writer that skipped the workspace lock cannot add a second pending request.
    let mut conn = app.db_conn();
    let (workspace_id, user_id): (i32, i32) = {
        use keydesk::db::schema::access_requests;
        access_requests::table
            .select((access_requests::workspace_id, access_requests::user_id))
            .first(&mut *conn)
            .unwrap()
    };
    let second =
        keydesk::models::access_request::insert_pending(&mut conn, workspace_id, user_id, "");
    assert!(
        matches!(
            second,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        ),
        "the partial unique index refuses it: {second:?}"
    );
}

async fn answering_a_request_twice_says_it_was_already_answered(app: TestApp) {
    let mia = mia_without_access(&app).await;
    app.add_member("Noor Member", "noor@example.com", "member", false)
        .await;
    let noor = app.log_in_as("noor@example.com").await;
    ask(&mia, "").await;
    ask(&noor, "").await;
    let team = app.get_html("/settings/team").await;
    let mia_request = request_id_on(&team, "Mia Member");
    let noor_request = request_id_on(&team, "Noor Member");

    let approve = format!("/settings/team/requests/{mia_request}/approve");
    assert_eq!(
        app.submit(&team, &approve, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    // The same page's buttons again: the request is answered already.
    for path in [
        approve,
        format!("/settings/team/requests/{mia_request}/decline"),
    ] {
        let again = app.submit(&team, &path, &[]).await;
        assert_eq!(again.status(), StatusCode::SEE_OTHER, "{path}");
        let page = app.get_html("/settings/team").await;
        assert_eq!(
            flash(&page).as_deref(),
            Some("This request was already approved.")
        );
    }

    let decline = format!("/settings/team/requests/{noor_request}/decline");
    app.submit(&team, &decline, &[]).await;
    let again = app.submit(&team, &decline, &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let page = app.get_html("/settings/team").await;
    assert_eq!(
        flash(&page).as_deref(),
        Some("This request was already declined.")
    );
    assert!(
        !noor
            .get_html("/settings/integrations")
            .await
            .contains(">Generate<"),
        "a declined request grants nothing"
    );

    let audit = app.get_html("/settings/audit").await;
    assert_eq!(
        audit.matches("API access request approved").count(),
        1,
        "answered once, audited once"
    );
    assert_eq!(audit.matches("API access request declined").count(), 1);
}

async fn another_workspaces_request_is_not_found_and_members_cannot_answer(app: TestApp) {
    let mia = mia_without_access(&app).await;
    ask(&mia, "").await;
    let team = app.get_html("/settings/team").await;
    let id = request_id_on(&team, "Mia Member");

    let eve = app.log_in_to_another_workspace().await;
    let eves_page = eve.get_html("/settings/team").await;
    for verb in ["approve", "decline"] {
        let response = eve
            .submit(
                &eves_page,
                &format!("/settings/team/requests/{id}/{verb}"),
                &[],
            )
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{verb}");
    }

    app.add_member("Bob Keys", "bob@example.com", "member", true)
        .await;
    let bob = app.log_in_as("bob@example.com").await;
    let bobs_page = bob.get_html("/settings/integrations").await;
    for verb in ["approve", "decline"] {
        let response = bob
            .submit(
                &bobs_page,
                &format!("/settings/team/requests/{id}/{verb}"),
                &[],
            )
            .await;
        assert_not_allowed(response, verb).await;
    }
    assert_eq!(
        stored_requests(&app),
        [("pending".into(), String::new())],
        "still pending"
    );
}

async fn the_team_tab_counts_the_pending_requests(app: TestApp) {
    let mia = mia_without_access(&app).await;
    app.add_member("Noor Member", "noor@example.com", "member", false)
        .await;
    let noor = app.log_in_as("noor@example.com").await;
    let page = app.get_html("/settings/integrations").await;
    assert!(page.contains("aria-current=\"page\">Integrations</a>"));
    assert!(
        page.contains("href=\"/settings/team\" >Team</a>"),
        "no badge yet"
    );

    ask(&mia, "").await;
    let page = app.get_html("/settings/integrations").await;
    assert!(page.contains(">Team<span class=\"visually-hidden\">, 1 pending request</span>"));
    ask(&noor, "").await;
    let page = app.get_html("/settings/integrations").await;
    assert!(page.contains(">Team<span class=\"visually-hidden\">, 2 pending requests</span>"));
    assert!(page.contains("<span class=\"count-badge\" aria-hidden=\"true\">2</span>"));
    assert!(
        !mia.get_html("/settings/integrations")
            .await
            .contains("pending request"),
        "members see no count"
    );
}

async fn a_reason_over_500_characters_is_refused_beside_the_field_with_the_text_kept(app: TestApp) {
    let mia = mia_without_access(&app).await;
    let long = "x".repeat(501);
    let refused = ask(&mia, &long).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Use at most 500 characters (this reason has 501)."));
    assert!(html.contains(&format!(">{long}</textarea>")));
    assert!(stored_requests(&app).is_empty());

    ask(&mia, "short").await;
    let team = app.get_html("/settings/team").await;
    let id = request_id_on(&team, "Mia Member");
    let refused = app
        .submit(
            &team,
            &format!("/settings/team/requests/{id}/decline"),
            &[("reason", &long)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains(&format!(
        "<p class=\"field-error\" id=\"decline-error-{id}\">Use at most 500 characters (this reason has 501).</p>"
    )));
    assert!(
        html.contains(&format!("value=\"{long}\"")),
        "the typed reason kept"
    );
    assert_eq!(stored_requests(&app), [("pending".into(), "short".into())]);
}

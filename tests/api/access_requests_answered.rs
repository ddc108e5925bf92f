//! A pending access request answered by other Team actions: turning API access on or
//! making the member an admin approves it, and removing the member makes it vanish.

use reqwest::StatusCode;

use crate::access_requests::{MIA, ask, mia_without_access, stored_requests};
use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_removed_members_request_vanishes,
    turning_api_access_on_directly_approves_the_pending_request,
    making_the_member_an_admin_approves_the_pending_request,
);

async fn a_removed_members_request_vanishes(app: TestApp) {
    let mia = mia_without_access(&app).await;
    ask(&mia, "Please").await;
    let team = app.get_html("/settings/team").await;
    let mia_id = member_id_on(&team, MIA);
    let removed = app
        .submit(
            &team,
            &format!("/settings/team/members/{mia_id}/remove"),
            &[],
        )
        .await;
    assert_eq!(
        removed.status(),
        StatusCode::SEE_OTHER,
        "no keys: no question"
    );
    let team = app.get_html("/settings/team").await;
    assert!(!team.contains(">Access requests</h2>"));
    assert!(!team.contains("pending request"), "no badge");
    assert!(stored_requests(&app).is_empty());
}

async fn turning_api_access_on_directly_approves_the_pending_request(app: TestApp) {
    let mia = mia_without_access(&app).await;
    ask(&mia, "").await;
    let team = app.get_html("/settings/team").await;
    let mia_id = member_id_on(&team, MIA);
    app.submit(
        &team,
        &format!("/settings/team/members/{mia_id}/api-access"),
        &[("enabled", "true")],
    )
    .await;
    assert_eq!(stored_requests(&app), [("approved".into(), String::new())]);
    let team = app.get_html("/settings/team").await;
    assert!(!team.contains(">Access requests</h2>"));
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("API access request approved"));
    assert!(audit.contains("API access was turned on from the Team page"));
}

async fn making_the_member_an_admin_approves_the_pending_request(app: TestApp) {
    let mia = mia_without_access(&app).await;
    ask(&mia, "").await;
    let team = app.get_html("/settings/team").await;
    let mia_id = member_id_on(&team, MIA);
    app.submit(
        &team,
        &format!("/settings/team/members/{mia_id}/role"),
        &[("role", "admin")],
    )
    .await;
    assert_eq!(stored_requests(&app), [("approved".into(), String::new())]);
    assert!(
        !app.get_html("/settings/team")
            .await
            .contains(">Access requests</h2>")
    );
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Made an admin, who always has API access"));
}

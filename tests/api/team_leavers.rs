//! Keys of people whose access ends: turning a member's API access off, or removing the
//! member, first lists the keys they created and asks "Keep them working" (the default:
//! admins manage them, and their rows say so) or "Disable them" (refused at once).

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    turning_off_access_lists_the_keys_and_kept_keys_keep_working,
    turning_off_access_and_disabling_the_keys_refuses_them_at_once,
    removing_a_member_with_keys_asks_first_and_kept_keys_say_the_member_left,
    removing_a_member_and_disabling_their_keys_refuses_them,
    a_member_without_keys_is_changed_at_once_as_before,
    a_key_created_after_the_question_is_covered_by_the_answer,
    an_unknown_answer_asks_again_and_changes_nothing,
);

const MIA: &str = "mia@example.com";

/// Mia, a member with API access, creates `names`; returns their plaintexts and her id.
async fn mia_with_keys(app: &TestApp, names: &[&str]) -> (Vec<String>, i32) {
    app.set_up().await;
    app.add_member("Mia Member", MIA, "member", true).await;
    let mia = app.log_in_as(MIA).await;
    let mut keys = Vec::new();
    for name in names {
        keys.push(mia.create_key(name).await);
    }
    (keys, app.member_id(MIA).await)
}

fn access_path(id: i32) -> String {
    format!("/settings/team/members/{id}/api-access")
}

fn remove_path(id: i32) -> String {
    format!("/settings/team/members/{id}/remove")
}

/// The JSON error code the API answers `key` with on `GET /api/team`.
async fn api_error(app: &TestApp, key: &str) -> (StatusCode, serde_json::Value) {
    status_and_json(
        app.api(reqwest::Method::GET, "/api/team")
            .bearer_auth(key)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn turning_off_access_lists_the_keys_and_kept_keys_keep_working(app: TestApp) {
    let (keys, mia) = mia_with_keys(&app, &["Mia CRM", "Mia Zapier"]).await;
    let team = app.get_html("/settings/team").await;

    let question = app
        .submit(&team, &access_path(mia), &[("enabled", "false")])
        .await;
    assert_eq!(
        question.status(),
        StatusCode::OK,
        "the question, not a change"
    );
    let question = html_unescape(&question.text().await.unwrap());
    assert!(question.contains("<h1 id=\"leaver-title\">Turn off API access for Mia Member?</h1>"));
    assert!(question.contains("Mia Member created 2 API keys that still exist."));
    for (name, key) in ["Mia Zapier", "Mia CRM"].iter().zip(keys.iter().rev()) {
        assert!(question.contains(&format!("<strong>{name}</strong>")));
        assert!(question.contains(&format!("<code>kd_…{}</code>", &key[key.len() - 4..])));
    }
    assert!(question.contains("Never used"));
    assert!(question.contains(
        "value=\"keep\" checked aria-describedby=\"keys-keep-hint\"><label for=\"keys-keep\">Keep them working</label>"
    ));
    assert!(question.contains("<label for=\"keys-disable\">Disable them</label>"));
    assert!(question.contains("<input type=\"hidden\" name=\"enabled\" value=\"false\">"));
    let member_page = app.log_in_as(MIA).await;
    assert!(
        member_page
            .get_html("/settings/integrations")
            .await
            .contains(">Generate<"),
        "nothing changed before the answer"
    );

    let kept = app
        .submit(
            &question,
            &access_path(mia),
            &[("enabled", "false"), ("keys", "keep")],
        )
        .await;
    assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    assert_eq!(
        flash(&team).as_deref(),
        Some(
            "Mia Member no longer has API access. Their 2 keys keep working; admins manage them now."
        )
    );
    for key in &keys {
        assert_eq!(app.team_status(key).await, StatusCode::OK, "kept keys work");
    }
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert_eq!(
        list.matches("Managed by admins: Mia Member no longer has API access.")
            .count(),
        2,
        "each kept row says so"
    );
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("API access revoked"));
    assert!(audit.contains("Their 2 keys keep working; admins manage them now."));
    assert!(!audit.contains("Key disabled"));
}

async fn turning_off_access_and_disabling_the_keys_refuses_them_at_once(app: TestApp) {
    let (keys, mia) = mia_with_keys(&app, &["Mia CRM", "Mia Zapier"]).await;
    let team = app.get_html("/settings/team").await;
    let question = app
        .submit(&team, &access_path(mia), &[("enabled", "false")])
        .await
        .text()
        .await
        .unwrap();
    let disabled = app
        .submit(
            &question,
            &access_path(mia),
            &[("enabled", "false"), ("keys", "disable")],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    assert_eq!(
        flash(&team).as_deref(),
        Some("Mia Member no longer has API access. Their 2 keys were disabled.")
    );
    for key in &keys {
        let (status, body) = api_error(&app, key).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "key_disabled");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains(&format!("disabled by {ADMIN_NAME} on "))
        );
    }
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert_eq!(list.matches(">Disabled<").count(), 2);
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert_eq!(
        audit.matches(">Key disabled<").count(),
        2,
        "one entry per key"
    );
    assert!(audit.contains("Mia Member's API access was turned off"));
}

async fn removing_a_member_with_keys_asks_first_and_kept_keys_say_the_member_left(app: TestApp) {
    let (keys, mia) = mia_with_keys(&app, &["Mia CRM"]).await;
    let team = app.get_html("/settings/team").await;
    assert!(
        !team.contains("data-confirm=\"Remove Mia Member"),
        "the page asks instead of a dialog"
    );
    let question = app.submit(&team, &remove_path(mia), &[]).await;
    assert_eq!(question.status(), StatusCode::OK);
    let question = html_unescape(&question.text().await.unwrap());
    assert!(question.contains("<h1 id=\"leaver-title\">Remove Mia Member?</h1>"));
    assert!(question.contains("They created 1 API key that still exists."));
    assert!(question.contains("<strong>Mia CRM</strong>"));
    assert!(!question.contains("name=\"enabled\""));
    assert!(
        app.get_html("/settings/team").await.contains(MIA),
        "not removed yet"
    );

    let kept = app
        .submit(&question, &remove_path(mia), &[("keys", "keep")])
        .await;
    assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    assert_eq!(
        flash(&team).as_deref(),
        Some(
            "Mia Member was removed and logged out. Their key keeps working; admins manage it now."
        )
    );
    assert!(!team.contains(MIA));
    assert_eq!(app.team_status(&keys[0]).await, StatusCode::OK);
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(list.contains("Managed by admins: Mia Member was removed from the workspace."));
    assert!(list.contains("Mia CRM"));
}

async fn removing_a_member_and_disabling_their_keys_refuses_them(app: TestApp) {
    let (keys, mia) = mia_with_keys(&app, &["Mia CRM"]).await;
    let team = app.get_html("/settings/team").await;
    let question = app
        .submit(&team, &remove_path(mia), &[])
        .await
        .text()
        .await
        .unwrap();
    let removed = app
        .submit(&question, &remove_path(mia), &[("keys", "disable")])
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let (status, body) = api_error(&app, &keys[0]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("key_disabled"))
    );
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Member removed") && audit.contains("Their key was disabled."));
    assert!(
        audit.contains(
            "Mia Member was removed from the workspace; integrations using it are refused"
        )
    );
}

async fn a_member_without_keys_is_changed_at_once_as_before(app: TestApp) {
    app.set_up().await;
    app.add_member("Mia Member", MIA, "member", true).await;
    let mia = app.member_id(MIA).await;
    let team = app.get_html("/settings/team").await;
    assert!(team.contains("data-confirm=\"Remove Mia Member from the workspace?"));
    let off = app
        .submit(&team, &access_path(mia), &[("enabled", "false")])
        .await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    assert_eq!(
        flash(&team).as_deref(),
        Some("Mia Member no longer has API access.")
    );
    let removed = app.submit(&team, &remove_path(mia), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
}

async fn a_key_created_after_the_question_is_covered_by_the_answer(app: TestApp) {
    let (mut keys, mia) = mia_with_keys(&app, &["Mia CRM"]).await;
    let team = app.get_html("/settings/team").await;
    let question = app
        .submit(&team, &access_path(mia), &[("enabled", "false")])
        .await
        .text()
        .await
        .unwrap();
    // Meanwhile, Mia generates one more key.
    keys.push(app.log_in_as(MIA).await.create_key("Mia Late").await);
    app.submit(
        &question,
        &access_path(mia),
        &[("enabled", "false"), ("keys", "disable")],
    )
    .await;
    for key in &keys {
        assert_eq!(app.team_status(key).await, StatusCode::UNAUTHORIZED);
    }
    let team = app.get_html("/settings/team").await;
    assert!(flash(&team).is_some_and(|f| f.ends_with("Their 2 keys were disabled.")));
}

async fn an_unknown_answer_asks_again_and_changes_nothing(app: TestApp) {
    let (keys, mia) = mia_with_keys(&app, &["Mia CRM"]).await;
    let team = app.get_html("/settings/team").await;
    for (path, fields) in [
        (
            access_path(mia),
            vec![("enabled", "false"), ("keys", "delete")],
        ),
        (remove_path(mia), vec![("keys", "")]),
    ] {
        let again = app.submit(&team, &path, &fields).await;
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let html = html_unescape(&again.text().await.unwrap());
        assert!(html.contains(
            "<p class=\"field-error\" id=\"keys-error\">Choose “Keep them working” or “Disable them”.</p>"
        ));
        assert!(html.contains("<strong>Mia CRM</strong>"));
    }
    assert_eq!(app.team_status(&keys[0]).await, StatusCode::OK);
    let member = app.log_in_as(MIA).await;
    assert!(
        member
            .get_html("/settings/integrations")
            .await
            .contains(">Generate<")
    );
}

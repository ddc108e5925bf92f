//! "Disable" and "Enable": a disabled key is refused on the next request on every
//! instance, says who disabled it, shows as "Disabled" with its hint, and comes back
//! with the same secret when enabled. Both changes are audited.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_disabled_key_is_refused_on_every_instance_until_it_is_enabled,
    another_workspaces_key_cannot_be_disabled,
);

async fn a_disabled_key_is_refused_on_every_instance_until_it_is_enabled(app: TestApp) {
    let key = app.set_up_with_key().await;
    let second = spawn_on(app.db.shared(), app.backend, |_| {}).await;
    assert_eq!(second.team_status(&key).await, StatusCode::OK);
    let id = app.key_id("Integration").await;

    let list = app.get_html("/settings/integrations").await;
    assert!(list.contains(&format!(
        "/settings/integrations/keys/{id}/disable\">Disable</a>"
    )));
    let confirm = app
        .get_html(&format!("/settings/integrations/keys/{id}/disable"))
        .await;
    assert!(html_unescape(&confirm).contains("will fail until it is enabled"));
    let disabled = app
        .submit(
            &confirm,
            &format!("/settings/integrations/keys/{id}/disable"),
            &[],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);

    // The very next request, on the other instance, is refused and says who and when.
    let response = second
        .api(reqwest::Method::GET, "/api/team")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "key_disabled");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("disabled by {ADMIN_NAME} on ")),
        "{message}"
    );

    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(flash(&list).is_some_and(|f| f.starts_with("Disabled \"Integration\"")));
    assert!(list.contains(">Disabled<"), "the row's badge");
    assert!(list.contains("the safe way to learn whether anything still uses a key"));
    assert!(list.contains(">Enable</button>"));
    assert!(!list.contains(&format!("/keys/{id}/disable\">Disable</a>")));

    let check = app.get_html("/settings/integrations/check").await;
    let verdict = app
        .submit(&check, "/settings/integrations/check", &[("key", &key)])
        .await;
    let verdict = html_unescape(&verdict.text().await.unwrap());
    assert!(verdict.contains("is disabled"), "Check a key says so");
    assert!(verdict.contains(&format!("{ADMIN_NAME} disabled it on ")));

    let enabled = app
        .submit(
            &list,
            &format!("/settings/integrations/keys/{id}/enable"),
            &[],
        )
        .await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        second.team_status(&key).await,
        StatusCode::OK,
        "the same secret works again"
    );
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(flash(&list).is_some_and(|f| f.starts_with("Enabled \"Integration\"")));
    assert!(!list.contains(">Disabled<"));

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Key disabled") && audit.contains("Key enabled"));
}

async fn another_workspaces_key_cannot_be_disabled(app: TestApp) {
    let key = app.set_up_with_key().await;
    let id = app.key_id("Integration").await;
    let eve = app.log_in_to_another_workspace().await;
    let page = eve.get_html("/settings/integrations").await;
    assert_eq!(
        eve.get(&format!("/settings/integrations/keys/{id}/disable"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let refused = eve
        .submit(
            &page,
            &format!("/settings/integrations/keys/{id}/disable"),
            &[],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.team_status(&key).await, StatusCode::OK, "still works");
}

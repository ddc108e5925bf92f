//! Scopes after "Generate": "Edit access" changes them (audited, effective on the next
//! request on every instance, only for those who manage the key), and "Regenerate"
//! keeps them.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    edit_access_applies_on_the_next_request_everywhere_and_is_audited,
    edit_access_is_only_for_those_who_manage_the_key,
    regenerate_keeps_the_scopes,
);

async fn edit_access_applies_on_the_next_request_everywhere_and_is_audited(app: TestApp) {
    let key = app.set_up_with_key().await;
    let second = spawn_on(app.db.shared(), app.backend, |_| {}).await;
    let on_second = Api {
        app: &second,
        key: key.clone(),
    };
    let (status, _) = on_second
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Before"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let id = app.key_id("Integration").await;
    let path = format!("/settings/integrations/keys/{id}/access");
    let list = app.get_html("/settings/integrations").await;
    assert!(
        list.contains(&format!("href=\"{path}\">Edit access<")),
        "linked from the row"
    );
    let page = app.get_html(&path).await;
    assert!(
        page.contains("value=\"full\" checked"),
        "prefilled with Full access"
    );

    let saved = app
        .submit(
            &page,
            &path,
            &[
                ("access", "custom"),
                ("scope_campaigns", "read"),
                ("scope_team", "write"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), "/settings/integrations");

    // The very next request, on the other instance, has the new access.
    let (status, body) = on_second
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "After"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "insufficient_scope");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("campaigns:write")
    );
    assert_eq!(
        on_second.call(Method::GET, "/api/campaigns", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        on_second.call(Method::GET, "/api/team", None).await.0,
        StatusCode::OK
    );

    let words = "Read: campaigns · Write: team";
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(flash(&list).is_some_and(|f| f.contains(&format!("to \"{words}\""))));
    assert!(list.contains(&format!("<span class=\"key-access\">{words}</span>")));
    let page = app.get_html(&path).await;
    assert!(page.contains("value=\"custom\" checked"));
    assert!(
        page.contains(
            "id=\"scope_campaigns-read\" name=\"scope_campaigns\" value=\"read\" checked"
        )
    );
    assert!(page.contains("id=\"scope_team-write\" name=\"scope_team\" value=\"write\" checked"));
    assert!(page.contains("id=\"scope_leads-none\" name=\"scope_leads\" value=\"none\" checked"));

    // Back to Read only: the old refusal, code and all.
    let saved = app.submit(&page, &path, &[("access", "read_only")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (status, body) = on_second
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "After"})),
        )
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::FORBIDDEN, &json!("read_only_key"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("\"Integration\"")
    );

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Access changed"));
    assert!(audit.contains(&format!("Before: Full access. After: {words}.")));
    assert!(audit.contains(&format!("Before: {words}. After: Read only.")));
}

async fn edit_access_is_only_for_those_who_manage_the_key(app: TestApp) {
    let key = app.set_up_with_key().await;
    let id = app.key_id("Integration").await;
    let path = format!("/settings/integrations/keys/{id}/access");

    // Without the CSRF token: refused.
    let forged = app
        .client
        .post(app.url(&path))
        .form(&[("access", "read_only")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Another workspace's admin: 404, on the page and the POST.
    let eve = app.log_in_to_another_workspace().await;
    assert_eq!(eve.get(&path).await.status(), StatusCode::NOT_FOUND);
    let page = eve.get_html("/settings/integrations").await;
    let refused = eve.submit(&page, &path, &[("access", "read_only")]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // A member with API access manages their own keys, not the admin's.
    app.add_member("Mo Member", "mo@example.com", "member", true)
        .await;
    let mo = app.log_in_as("mo@example.com").await;
    assert_eq!(mo.get(&path).await.status(), StatusCode::NOT_FOUND);
    mo.create_key("Mo key").await;
    let own = mo.key_id("Mo key").await;
    let own_path = format!("/settings/integrations/keys/{own}/access");
    let page = mo.get_html(&own_path).await;
    let saved = mo
        .submit(&page, &own_path, &[("access", "read_only")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    let (status, _) = Api { app: &app, key }
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Still full"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "nobody else changed the admin's key"
    );
}

async fn regenerate_keeps_the_scopes(app: TestApp) {
    app.set_up().await;
    let old = app
        .create_key_with(
            "Rotated",
            &[
                ("access", "custom"),
                ("scope_leads", "write"),
                ("scope_activities", "read"),
            ],
        )
        .await;
    let id = app.key_id("Rotated").await;
    let path = format!("/settings/integrations/keys/{id}/regenerate");
    let page = app.get_html(&path).await;
    let token = form_token(&page);
    let response = app
        .submit(
            &page,
            &path,
            &[("grace_hours", "0"), ("form_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let new = revealed_key(&response.text().await.unwrap());
    assert_ne!(old, new);

    let api = Api {
        app: &app,
        key: new,
    };
    assert_eq!(
        api.call(Method::GET, "/api/activities", None).await.0,
        StatusCode::OK
    );
    let (status, body) = api.call(Method::GET, "/api/campaigns", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::FORBIDDEN, &json!("insufficient_scope"))
    );
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(list.contains("<span class=\"key-access\">Read: activities · Write: leads</span>"));
}

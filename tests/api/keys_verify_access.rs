//! The "Verify keys" permission in the browser: a checkbox with a hint at "Generate" and
//! "Edit access", said in words in the list, by "Check a key" and in the audit log, kept
//! by "Regenerate"; and `POST /api/keys/verify` in `/docs/api` and `/api/openapi.json`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    generate_offers_verify_keys_and_the_list_check_and_audit_say_it,
    a_bad_verify_keys_value_is_refused_beside_the_box_and_the_form_kept,
    edit_access_grants_and_withdraws_verify_keys_and_is_audited,
    regenerate_keeps_verify_keys,
    a_key_may_verify_keys_and_nothing_else,
    the_docs_and_the_openapi_document_describe_verification,
);

/// The status and `error` of one verification of `target` by `caller`.
async fn verify_status(app: &TestApp, caller: &str, target: &str) -> (StatusCode, Value) {
    let (status, body) = status_and_json(
        app.api(Method::POST, "/api/keys/verify")
            .bearer_auth(caller)
            .json(&json!({"key": target}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    (status, body["error"].clone())
}

async fn generate_offers_verify_keys_and_the_list_check_and_audit_say_it(app: TestApp) {
    app.set_up().await;
    let form = html_unescape(&app.get_html("/settings/integrations/keys/new").await);
    assert!(form.contains("<input id=\"verify-keys\" name=\"verify_keys\" type=\"checkbox\""));
    assert!(
        !form.contains("name=\"verify_keys\" type=\"checkbox\" value=\"true\" checked"),
        "unticked by default"
    );
    assert!(form.contains("<label for=\"verify-keys\">Verify keys</label>"));
    assert!(form.contains("id=\"verify-keys-hint\">Lets your own service ask Keydesk whether a key of this workspace is valid"));

    let gateway = app
        .create_key_with(
            "Gateway",
            &[("access", "read_only"), ("verify_keys", "true")],
        )
        .await;
    let plain = app.create_key("Plain").await;
    assert_eq!(
        verify_status(&app, &gateway, &plain).await.0,
        StatusCode::OK
    );
    assert_eq!(
        verify_status(&app, &plain, &gateway).await,
        (StatusCode::FORBIDDEN, json!("insufficient_scope")),
        "unticked, the key may not verify"
    );

    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(list.contains("<span class=\"key-access\">Read only · Verify keys</span>"));
    assert!(list.contains("<span class=\"key-access\">Full access</span>"));
    let check = app.get_html("/settings/integrations/check").await;
    let verdict = app
        .submit(&check, "/settings/integrations/check", &[("key", &gateway)])
        .await;
    let verdict = html_unescape(&verdict.text().await.unwrap());
    assert!(verdict.contains("Its access: Read only · Verify keys."));
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(
        audit.contains("Read only · Verify keys; never expires"),
        "the creation's audit entry has it"
    );
}

async fn a_bad_verify_keys_value_is_refused_beside_the_box_and_the_form_kept(app: TestApp) {
    app.set_up().await;
    let form = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&form);
    let response = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[
                ("name", "Kept name"),
                ("note", "Kept note"),
                ("access", "read_only"),
                ("verify_keys", "maybe"),
                ("form_token", token.as_str()),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&response.text().await.unwrap());
    assert!(html.contains(
        "id=\"verify-keys-error\">Tick \"Verify keys\" to allow it, or leave it unticked.</p>"
    ));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("value=\"Kept name\"") && html.contains("value=\"Kept note\""));
    assert!(
        html.contains("value=\"read_only\" checked"),
        "the access is kept"
    );
    let list = app.get_html("/settings/integrations").await;
    assert!(!list.contains("Kept name"), "no key was made");
}

async fn edit_access_grants_and_withdraws_verify_keys_and_is_audited(app: TestApp) {
    app.set_up().await;
    let service = app.create_key("Service").await;
    let target = app.create_key("Target").await;
    assert_eq!(
        verify_status(&app, &service, &target).await.0,
        StatusCode::FORBIDDEN
    );
    let id = app.key_id("Service").await;
    let path = format!("/settings/integrations/keys/{id}/access");
    let page = app.get_html(&path).await;
    assert!(
        !page.contains("name=\"verify_keys\" type=\"checkbox\" value=\"true\" checked"),
        "not granted yet"
    );

    let saved = app
        .submit(&page, &path, &[("access", "full"), ("verify_keys", "true")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        verify_status(&app, &service, &target).await.0,
        StatusCode::OK,
        "granted from the key's next request"
    );
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(flash(&list).is_some_and(|f| f.contains("to \"Full access · Verify keys\"")));
    let page = app.get_html(&path).await;
    assert!(page.contains("name=\"verify_keys\" type=\"checkbox\" value=\"true\" checked"));

    // Unticked: the checkbox is simply not sent.
    let saved = app.submit(&page, &path, &[("access", "full")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        verify_status(&app, &service, &target).await,
        (StatusCode::FORBIDDEN, json!("insufficient_scope"))
    );

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(audit.contains("Before: Full access. After: Full access · Verify keys."));
    assert!(audit.contains("Before: Full access · Verify keys. After: Full access."));
}

async fn regenerate_keeps_verify_keys(app: TestApp) {
    app.set_up().await;
    let old = app
        .create_key_with("Gateway", &[("verify_keys", "true")])
        .await;
    let target = app.create_key("Target").await;
    let id = app.key_id("Gateway").await;
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
    assert_eq!(verify_status(&app, &new, &target).await.0, StatusCode::OK);
    assert_eq!(
        verify_status(&app, &old, &target).await.0,
        StatusCode::UNAUTHORIZED,
        "the old secret is gone"
    );
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(list.contains("<span class=\"key-access\">Full access · Verify keys</span>"));
}

async fn a_key_may_verify_keys_and_nothing_else(app: TestApp) {
    app.set_up().await;
    let mut fields = vec![("access", "custom")];
    fields.extend(keydesk::domain::scopes::Resource::ALL.map(|r| (r.field(), "none")));
    let nothing = [fields.as_slice(), &[("verify_keys", "true")]].concat();
    let verifier = app.create_key_with("Verifier only", &nothing).await;
    let target = app.create_key("Target").await;
    assert_eq!(
        verify_status(&app, &verifier, &target).await.0,
        StatusCode::OK
    );
    let (status, body) = status_and_json(
        app.api(Method::GET, "/api/team")
            .bearer_auth(&verifier)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::FORBIDDEN, &json!("insufficient_scope")),
        "no data at all"
    );
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(list.contains("<span class=\"key-access\">Verify keys only</span>"));

    // Without "Verify keys" the same choice gives nothing at all, and is refused.
    let form = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&form);
    let mut refused = vec![("name", "Useless"), ("form_token", token.as_str())];
    refused.extend_from_slice(&fields);
    let response = app
        .submit(&form, "/settings/integrations/keys", &refused)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&response.text().await.unwrap());
    assert!(html.contains("or tick \"Verify keys\" for a key that only verifies keys."));
}

async fn the_docs_and_the_openapi_document_describe_verification(app: TestApp) {
    app.set_up().await;
    let docs = html_unescape(&app.get_html("/docs/api").await);
    assert!(docs.contains("<h2 id=\"verify-keys\">Verify keys: Keydesk in front of any API</h2>"));
    assert!(docs.contains("<code>POST /api/keys/verify</code></td><td><code>keys:verify</code>"));
    let section = &docs[docs
        .find("<section class=\"endpoint card\" id=\"verify-key\">")
        .unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    for language in ["language-bash", "language-js", "language-python"] {
        assert!(section.contains(language), "{language}");
    }
    assert!(section.contains("{\"key\": \"KEY_TO_VERIFY\"}"));
    for code in [
        "key_other_workspace",
        "rate_limited",
        "ip_required",
        "key_disabled",
    ] {
        assert!(
            docs.contains(&format!("<code>{code}</code>")),
            "{code} is explained"
        );
    }

    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let op = &doc["paths"]["/keys/verify"]["post"];
    assert_eq!(op["requestBody"]["required"], true);
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["schema"]["required"],
        json!(["key"])
    );
    let mut statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
    statuses.sort();
    assert_eq!(statuses, ["200", "400", "401", "403", "429", "503"]);
    assert_eq!(op["x-keydesk-scope"], "keys:verify");
    let answer = &doc["components"]["schemas"]["Verification"];
    assert_eq!(
        answer["required"],
        json!([
            "valid",
            "code",
            "message",
            "keyId",
            "name",
            "workspace",
            "scopes",
            "expires",
            "rateLimit"
        ])
    );
}

//! Who manages a webhook: a member the hooks that they or their keys made, an admin (and
//! an admin's keys) all of them. On the page "Delete" asks first and needs sudo mode; any
//! other hook answers as one that does not exist, through the API and on the page.

use diesel::prelude::*;
use keydesk::db::schema::hooks;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::confirm_access::confirmed_ago;
use crate::helpers::*;
use crate::on_both_databases;
use crate::webhooks::{add_hook, fast_local_delivery};

on_both_databases!(
    a_members_key_deletes_only_the_hooks_its_owners_keys_made with fast_local_delivery,
    a_member_deletes_only_their_own_hooks_on_the_page_after_confirming_in_sudo_mode
        with fast_local_delivery,
);

const NEW: &str = "/settings/integrations/webhooks/new";
const SUDO_WINDOW: i64 = 2 * 60 * 60;

async fn delete_hook(app: &TestApp, key: &str, id: &str) -> (StatusCode, Value) {
    status_and_json(
        app.api(Method::DELETE, &format!("/api/hooks/{id}"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn listed_ids(app: &TestApp, key: &str) -> Vec<String> {
    let (status, list) = status_and_json(
        app.api(Method::GET, "/api/hooks")
            .bearer_auth(key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|h| h["_id"].as_str().unwrap().to_string())
        .collect()
}

async fn a_members_key_deletes_only_the_hooks_its_owners_keys_made(app: TestApp) {
    let admin_key = app.set_up_with_key().await;
    app.add_member("Mo", "mo@example.com", "member", true).await;
    let mo = app.log_in_as("mo@example.com").await;
    let mo_first = mo.create_key("Mo n8n").await;
    let mo_second = mo.create_key("Mo script").await;
    let id = |hook: Value| hook["_id"].as_str().unwrap().to_string();
    let admins = id(add_hook(
        &app,
        &admin_key,
        json!({"targetUrl": "http://127.0.0.1:9/admin"}),
    )
    .await);
    // Any key with hooks write access adds a hook, as n8n's Lemlist Trigger does.
    let mos = id(add_hook(
        &app,
        &mo_first,
        json!({"targetUrl": "http://127.0.0.1:9/mo"}),
    )
    .await);
    let legacy = id(add_hook(
        &app,
        &mo_first,
        json!({"targetUrl": "http://127.0.0.1:9/old"}),
    )
    .await);
    // A hook from before makers were recorded: admins alone manage it.
    diesel::update(hooks::table.filter(hooks::public_id.eq(&legacy)))
        .set((
            hooks::created_by_user_id.eq(None::<i32>),
            hooks::created_by_key_id.eq(None::<i32>),
        ))
        .execute(&mut app.db_conn())
        .unwrap();

    let unknown = delete_hook(&app, &mo_second, "hoo_0000000000000000000").await;
    assert_eq!(unknown.0, StatusCode::NOT_FOUND, "{}", unknown.1);
    for other in [&admins, &legacy] {
        let refused = delete_hook(&app, &mo_second, other).await;
        assert_eq!(
            refused, unknown,
            "the same answer as a hook that does not exist"
        );
    }
    assert_eq!(
        listed_ids(&app, &mo_second).await,
        vec![mos.clone()],
        "a member's key lists its owner's hooks"
    );
    assert_eq!(
        listed_ids(&app, &admin_key).await,
        vec![admins.clone(), mos.clone(), legacy.clone()],
        "nothing was deleted; an admin's key lists every hook"
    );

    let (status, deleted) = delete_hook(&app, &mo_second, &mos).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "another key of the same owner: {deleted}"
    );
    assert_eq!(deleted["_id"], mos.as_str());
    for hook in [&legacy, &admins] {
        let (status, body) = delete_hook(&app, &admin_key, hook).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "an admin's key deletes any hook: {body}"
        );
    }
    assert_eq!(listed_ids(&app, &admin_key).await, Vec::<String>::new());
}

/// The id in `/settings/integrations/webhooks/<id>/delete` of the hook aimed at `target`.
fn hook_id_for(html: &str, target: &str) -> String {
    let at = html.find(target).expect("the hook is listed");
    let rest = &html[at..];
    let marker = "/settings/integrations/webhooks/";
    let rest = &rest[rest.find(marker).unwrap() + marker.len()..];
    rest[..rest.find('/').unwrap()].to_string()
}

async fn add_on_page(browser: &TestApp, target: &str) {
    let form = browser.get_html(NEW).await;
    let added = browser
        .submit(
            &form,
            "/settings/integrations/webhooks",
            &[("target_url", target), ("event_type", "")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK, "{target} added");
}

async fn a_member_deletes_only_their_own_hooks_on_the_page_after_confirming_in_sudo_mode(
    app: TestApp,
) {
    app.set_up().await;
    add_on_page(&app, "http://127.0.0.1:9/admin").await;
    app.add_member("Mo", "mo@example.com", "member", true).await;
    let mo = app.log_in_as("mo@example.com").await;
    add_on_page(&mo, "http://127.0.0.1:9/mo").await;
    let admin_page = app.get_html("/settings/integrations").await;
    let admins = hook_id_for(&admin_page, "http://127.0.0.1:9/admin");
    let mos = hook_id_for(&admin_page, "http://127.0.0.1:9/mo");

    // Mo sees and manages only the hook she added.
    let page = mo.get_html("/settings/integrations").await;
    assert!(page.contains("http://127.0.0.1:9/mo"), "{page}");
    assert!(!page.contains("http://127.0.0.1:9/admin"), "{page}");
    for (path, what) in [
        (
            format!("/settings/integrations/webhooks/{admins}/delete"),
            "delete",
        ),
        (
            format!("/settings/integrations/webhooks/{admins}/test"),
            "test",
        ),
    ] {
        assert_eq!(mo.get(&path).await.status().as_u16() / 100, 4, "GET {what}");
        let refused = mo.submit(&page, &path, &[]).await;
        assert_eq!(
            refused.status(),
            StatusCode::NOT_FOUND,
            "a direct POST to {what}"
        );
    }
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains("http://127.0.0.1:9/admin"),
        "the admin's hook is still there"
    );

    // "Delete" is a link to a page that asks first; the list has no form that deletes.
    let delete = format!("/settings/integrations/webhooks/{mos}/delete");
    assert!(page.contains(&format!(
        "<a class=\"button danger\" href=\"{delete}\">Delete</a>"
    )));
    assert!(!page.contains(&format!("action=\"{delete}\"")));
    let asks = html_unescape(&mo.get_html(&delete).await);
    assert!(asks.contains("Delete this webhook?"), "{asks}");
    assert!(asks.contains("http://127.0.0.1:9/mo") && asks.contains(">Cancel</a>"));
    assert!(asks.contains(&format!("action=\"{delete}\"")));

    // Deleting needs access confirmed within the window, like deleting a key.
    confirmed_ago(&app, SUDO_WINDOW + 1);
    let held = mo.submit(&asks, &delete, &[]).await;
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&held).starts_with("/confirm-access?confirm_action="),
        "held for Confirm access"
    );
    let confirming = html_unescape(&mo.get_html(&location(&held)).await);
    assert!(
        confirming.contains("Delete the webhook that sends to http://127.0.0.1:9/mo"),
        "the page names the hook"
    );
    assert!(
        mo.get_html("/settings/integrations")
            .await
            .contains("http://127.0.0.1:9/mo")
    );
    confirmed_ago(&app, 0);
    let deleted = mo.submit(&asks, &delete, &[]).await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let after = mo.get_html("/settings/integrations").await;
    assert!(after.contains("Webhook deleted.") && !after.contains("http://127.0.0.1:9/mo"));

    // An admin deletes any hook (here the one Mo cannot touch) through the same steps.
    let theirs = format!("/settings/integrations/webhooks/{admins}/delete");
    assert_eq!(app.confirm(&theirs).await.status(), StatusCode::SEE_OTHER);
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains("No webhooks yet.")
    );
}

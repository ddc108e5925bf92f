//! Renaming and deleting keys, and who may manage which key.

use diesel::prelude::*;
use keydesk::db::now;
use keydesk::db::schema::api_keys;
use reqwest::StatusCode;
use time::Duration;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    rename_changes_name_and_note_and_is_audited,
    delete_warns_about_recent_use_and_removes_the_key,
    members_manage_only_their_own_keys,
);

async fn rename_changes_name_and_note_and_is_audited(app: TestApp) {
    app.set_up().await;
    app.create_key("Old name").await;
    app.create_key("Taken").await;
    let id = app.key_id("Old name").await;
    let rename = format!("/settings/integrations/keys/{id}/rename");
    let page = app.get_html(&rename).await;
    assert!(page.contains("value=\"Old name\""));

    let dup = app
        .submit(&page, &rename, &[("name", "TAKEN"), ("note", "kept note")])
        .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let dup = dup.text().await.unwrap();
    assert!(
        dup.contains("already exists")
            && dup.contains("value=\"TAKEN\"")
            && dup.contains("value=\"kept note\"")
    );

    for (name, note, message) in [
        ("", "kept note", "Enter a name."),
        ("Fine", &*"n".repeat(501), "Use at most 500 characters"),
    ] {
        let bad = app
            .submit(&page, &rename, &[("name", name), ("note", note)])
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bad = bad.text().await.unwrap();
        assert!(
            bad.contains(message) && bad.contains(&format!("value=\"{note}\"")),
            "{message}"
        );
    }

    let ok = app
        .submit(
            &page,
            &rename,
            &[
                ("name", "  Clay Integration "),
                ("note", "Used in Clay table XYZ"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&ok), "/settings/integrations");
    let list = app.get_html(&location(&ok)).await;
    assert_eq!(
        flash(&list).as_deref(),
        Some("Saved \"Clay Integration\"."),
        "the list confirms the rename"
    );
    assert!(
        list.contains("<strong>Clay Integration</strong>")
            && list.contains("Used in Clay table XYZ")
    );
    assert!(!list.contains("<strong>Old name</strong>"));
    let reloaded = app.get_html("/settings/integrations").await;
    assert_eq!(flash(&reloaded), None, "the confirmation shows once");
    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("Key renamed") && audit.contains("Old name"));
}

async fn delete_warns_about_recent_use_and_removes_the_key(app: TestApp) {
    app.set_up().await;
    app.create_key("Quiet").await;
    app.create_key("Active").await;
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.filter(api_keys::name.eq("Active")))
            .set((
                api_keys::last_used_at.eq(Some(now() - Duration::minutes(10))),
                api_keys::last_used_ip.eq(Some("198.51.100.7")),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    let quiet = app.key_id("Quiet").await;
    let active = app.key_id("Active").await;
    let quiet_page = app
        .get_html(&format!("/settings/integrations/keys/{quiet}/delete"))
        .await;
    assert!(quiet_page.contains("loses access at once"));
    assert!(!quiet_page.contains("last used"));
    let active_page = app
        .get_html(&format!("/settings/integrations/keys/{active}/delete"))
        .await;
    assert!(active_page.contains("loses access at once"));
    assert!(
        active_page.contains("last used 10 minutes ago") && active_page.contains("198.51.100.7")
    );

    for (id, page, name) in [
        (quiet, &quiet_page, "Quiet"),
        (active, &active_page, "Active"),
    ] {
        let r = app
            .submit(
                page,
                &format!("/settings/integrations/keys/{id}/delete"),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let list = app.get_html(&location(&r)).await;
        assert_eq!(
            flash(&list),
            Some(format!(
                "Deleted \"{name}\". Integrations using it can no longer connect."
            )),
            "the list confirms the deletion"
        );
    }
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(flash(&list), None, "each confirmation shows once");
    assert!(!list.contains("<strong>Quiet</strong>") && !list.contains("<strong>Active</strong>"));
    let mut conn = app.db_conn();
    let left: i64 = api_keys::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(left, 0, "the digests are gone");
    let audit = app.get_html("/settings/audit").await;
    assert_eq!(audit.matches("Key deleted").count(), 2);
    assert!(audit.contains("Active (kd_…"));
    assert_eq!(
        app.submit(
            &list,
            &format!("/settings/integrations/keys/{quiet}/delete"),
            &[]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

async fn members_manage_only_their_own_keys(app: TestApp) {
    app.set_up().await;
    app.create_key("Admin key").await;
    let admin_key_id = app.key_id("Admin key").await;
    app.add_member("Carol Keys", "carol@example.com", "member", true)
        .await;
    app.add_member("Bob Plain", "bob@example.com", "member", false)
        .await;

    let carol = app.other_browser();
    carol.log_in("carol@example.com", "member password 1").await;
    carol.create_key("Carol key").await;
    let list = carol.get_html("/settings/integrations").await;
    assert!(list.contains("Carol key") && !list.contains("Admin key"));
    for path in ["rename", "delete", "regenerate"] {
        assert_eq!(
            carol
                .get(&format!(
                    "/settings/integrations/keys/{admin_key_id}/{path}"
                ))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        carol
            .submit(
                &list,
                &format!("/settings/integrations/keys/{admin_key_id}/delete"),
                &[]
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains("Carol key"),
        "admins see every key"
    );

    // Bob has no API access: the permission page, each time (his forms carry a valid token).
    let bob = app.other_browser();
    bob.log_in("bob@example.com", "member password 1").await;
    let carol_key_id = app.key_id("Carol key").await;
    let notice = bob.get_html("/settings/integrations").await;
    for path in [
        "/settings/integrations/keys/new".to_string(),
        "/settings/integrations/check".into(),
        format!("/settings/integrations/keys/{carol_key_id}/rename"),
    ] {
        assert_not_allowed(bob.get(&path).await, &format!("GET {path}")).await;
    }
    for path in [
        "/settings/integrations/keys".to_string(),
        "/settings/integrations/check".into(),
        format!("/settings/integrations/keys/{carol_key_id}/rename"),
        format!("/settings/integrations/keys/{carol_key_id}/delete"),
        format!("/settings/integrations/keys/{carol_key_id}/regenerate"),
    ] {
        let r = bob
            .submit(
                &notice,
                &path,
                &[("name", "x"), ("key", "kd_x"), ("grace_hours", "0")],
            )
            .await;
        assert_not_allowed(r, &format!("POST {path}")).await;
    }
    assert!(
        !notice.contains("Carol key") && !notice.contains("kd_…"),
        "no key data reaches them"
    );
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains("<strong>Carol key</strong>"),
        "nothing Bob sent changed Carol's key"
    );
}

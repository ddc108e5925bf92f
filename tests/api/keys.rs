use diesel::prelude::*;
use keydesk::db::schema::{api_key_clients, api_key_usage, api_keys, sessions};
use reqwest::StatusCode;
use time::{Duration, PrimitiveDateTime};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_new_key_is_shown_exactly_once_and_never_stored,
    bad_key_input_is_refused_beside_the_field_and_kept,
    a_workspace_holds_at_most_500_keys,
    the_list_shows_each_state_from_the_database,
    rename_changes_name_and_note_and_is_audited,
    delete_warns_about_recent_use_and_removes_the_key,
    regenerate_replaces_the_secret_at_once_or_after_a_grace_period,
    members_manage_only_their_own_keys,
    check_a_key_explains_every_outcome_without_echoing_the_key,
);

fn now() -> PrimitiveDateTime {
    keydesk::db::now()
}

/// Every row of every table, as text, to search for a secret.
fn database_text(app: &TestApp) -> String {
    match app.backend {
        Backend::Sqlite => {
            let path = app.db.url.trim_start_matches("sqlite://");
            let mut bytes = std::fs::read(path).unwrap();
            if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
                bytes.extend(wal);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                text: String,
            }
            let mut conn = app.db_conn();
            let mut out = String::new();
            for table in [
                "workspaces",
                "users",
                "sessions",
                "audit_events",
                "api_keys",
                "api_key_usage",
                "api_key_clients",
                "form_nonces",
                "login_failures",
            ] {
                let rows: Vec<Row> =
                    diesel::sql_query(format!("SELECT t::text AS text FROM {table} t"))
                        .load(&mut *conn)
                        .unwrap();
                for row in rows {
                    out.push_str(&row.text);
                }
            }
            out
        }
    }
}

async fn a_new_key_is_shown_exactly_once_and_never_stored(app: TestApp) {
    app.set_up().await;
    let form = app.get_html("/settings/integrations/keys/new").await;
    for placeholder in ["Clay Integration", "Zapier Automation", "Custom CRM Sync"] {
        assert!(form.contains(placeholder));
    }
    let token = form_token(&form);
    let fields = [
        ("name", "Clay Integration"),
        ("note", "Clay table Inbound"),
        ("form_token", token.as_str()),
    ];
    let response = app.post_form("/settings/integrations/keys", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let html = response.text().await.unwrap();
    let key = revealed_key(&html);
    assert_eq!(key.len(), 41);
    assert!(key.starts_with("kd_") && key[3..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(
        html.contains(">Copy<")
            && html.contains("only view this key once")
            && html.contains("password manager")
    );
    assert!(html.contains(">Done<"));

    // The list shows a hint of it, never the key.
    let list = app.get_html("/settings/integrations").await;
    assert!(list.contains("Clay Integration") && list.contains("Clay table Inbound"));
    assert!(list.contains(&format!("kd_…{}", &key[key.len() - 4..])));
    assert!(!list.contains(&key));
    assert!(list.contains("Never used"));

    // Reload / resubmit: no second key, no second showing.
    let again = app.post_form("/settings/integrations/keys", &fields).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let again = again.text().await.unwrap();
    assert!(again.contains("already submitted"));
    assert!(!again.contains("kd_") || !again.contains(&key));
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(list.matches("<strong>Clay Integration</strong>").count(), 1);

    // Nowhere at rest: database (sessions included) and logs.
    let at_rest = database_text(&app);
    assert!(
        at_rest.contains("Clay Integration"),
        "the search does see the data"
    );
    assert!(
        !at_rest.contains(&key),
        "the plaintext is not in the database"
    );
    assert!(!at_rest.contains(&key[3..]), "not even without its prefix");
    let mut conn = app.db_conn();
    let states: Vec<String> = sessions::table
        .select(sessions::state)
        .load(&mut *conn)
        .unwrap();
    assert!(!states.is_empty() && states.iter().all(|s| !s.contains(&key)));
    assert!(!captured_logs().contains(&key));

    let audit = app.get_html("/settings/audit").await;
    assert!(
        audit.contains("Key created")
            && audit.contains(&format!("Clay Integration (kd_…{})", &key[key.len() - 4..]))
    );
}

async fn bad_key_input_is_refused_beside_the_field_and_kept(app: TestApp) {
    app.set_up().await;
    app.create_key("Zapier Automation").await;
    let cases: Vec<(String, String, String, &str)> = vec![
        ("".into(), "".into(), "".into(), "Enter a name."),
        ("   ".into(), "".into(), "".into(), "Enter a name."),
        (
            "k".repeat(101),
            "".into(),
            "".into(),
            "Use at most 100 characters",
        ),
        (
            "Bell\u{7}".into(),
            "".into(),
            "".into(),
            "control characters",
        ),
        (
            "zapier AUTOMATION".into(),
            "".into(),
            "".into(),
            "already exists in this workspace",
        ),
        (
            "Good name".into(),
            "n".repeat(501),
            "".into(),
            "Use at most 500 characters",
        ),
        (
            "Good name".into(),
            "".into(),
            "10.0.0.1, 10.0.0.999, 192.168.0.0/40".into(),
            "Not an IP address or CIDR range: &#34;10.0.0.999&#34;, &#34;192.168.0.0/40&#34;.",
        ),
    ];
    for (name, note, ips, message) in cases {
        let html = app.get_html("/settings/integrations/keys/new").await;
        let token = form_token(&html);
        let response = app
            .post_form(
                "/settings/integrations/keys",
                &[
                    ("name", &name),
                    ("note", &note),
                    ("allowed_ips", &ips),
                    ("access", "read_only"),
                    ("expiry", "90"),
                    ("form_token", &token),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?}");
        assert!(html.contains("class=\"field-error\""));
        if !ips.is_empty() {
            assert!(html.contains(&ips), "allowed IPs kept");
        }
        assert!(
            html.contains("value=\"read_only\" checked"),
            "access level kept"
        );
        assert!(html.contains("value=\"90\" selected"), "expiry kept");
        assert!(!html.contains("value=\"kd_"), "no key was made");
    }
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(
        list.matches("<tr id=\"key-").count(),
        1,
        "only the first key exists"
    );

    // The form, corrected, is accepted with the same one-time token.
    let html = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&html);
    let refused = app
        .post_form(
            "/settings/integrations/keys",
            &[("name", "Zapier automation"), ("form_token", &token)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.unwrap();
    assert_eq!(form_token(&refused), token, "the same form is shown again");
    let corrected = app
        .post_form(
            "/settings/integrations/keys",
            &[("name", "Zapier backup"), ("form_token", &token)],
        )
        .await;
    assert_eq!(corrected.status(), StatusCode::OK);
    assert!(corrected.text().await.unwrap().contains("value=\"kd_"));
}

async fn a_workspace_holds_at_most_500_keys(app: TestApp) {
    app.set_up().await;
    app.create_key("Key 0").await;
    let (workspace_id, created_by): (i32, Option<i32>) = {
        let mut conn = app.db_conn();
        api_keys::table
            .select((api_keys::workspace_id, api_keys::created_by))
            .first(&mut *conn)
            .unwrap()
    };
    {
        let mut conn = app.db_conn();
        conn.transaction(|conn| {
            for i in 1..500 {
                diesel::insert_into(api_keys::table)
                    .values((
                        api_keys::workspace_id.eq(workspace_id),
                        api_keys::created_by.eq(created_by),
                        api_keys::created_by_name.eq("Seed"),
                        api_keys::name.eq(format!("Key {i}")),
                        api_keys::name_key.eq(format!("key {i}")),
                        api_keys::note.eq(""),
                        api_keys::key_hash.eq(format!("seed-{i}").into_bytes()),
                        api_keys::last4.eq("seed"),
                        api_keys::read_only.eq(false),
                        api_keys::allowed_ips.eq(""),
                        api_keys::expiry_logged.eq(false),
                        api_keys::created_at.eq(now()),
                    ))
                    .execute(conn)?;
            }
            diesel::QueryResult::Ok(())
        })
        .unwrap();
    }
    let html = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&html);
    let response = app
        .post_form(
            "/settings/integrations/keys",
            &[("name", "One too many"), ("form_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("limit of 500 API keys"));
    assert!(html.contains("value=\"One too many\""));
}

async fn the_list_shows_each_state_from_the_database(app: TestApp) {
    app.set_up().await;
    for name in [
        "Fresh", "Recent", "Dormant", "Ancient", "Expiring", "Expired", "Rotating", "Busy",
    ] {
        app.create_key(name).await;
    }
    let n = now();
    let mut conn = app.db_conn();
    let set = |conn: &mut keydesk::db::DbConnection,
               name: &str,
               created: PrimitiveDateTime,
               used: Option<PrimitiveDateTime>,
               expires: Option<PrimitiveDateTime>| {
        diesel::update(api_keys::table.filter(api_keys::name.eq(name)))
            .set((
                api_keys::created_at.eq(created),
                api_keys::last_used_at.eq(used),
                api_keys::last_used_ip.eq(used.map(|_| "203.0.113.9")),
                api_keys::last_used_agent.eq(used.map(|_| "Zapier/1.0")),
                api_keys::expires_at.eq(expires),
            ))
            .execute(conn)
            .unwrap();
    };
    set(
        &mut conn,
        "Recent",
        n - Duration::days(3),
        Some(n - Duration::minutes(5)),
        None,
    );
    set(
        &mut conn,
        "Dormant",
        n - Duration::days(120),
        Some(n - Duration::days(100)),
        None,
    );
    set(&mut conn, "Ancient", n - Duration::days(200), None, None);
    set(
        &mut conn,
        "Expiring",
        n - Duration::days(1),
        Some(n - Duration::hours(1)),
        Some(n + Duration::days(3)),
    );
    set(
        &mut conn,
        "Expired",
        n - Duration::days(40),
        Some(n - Duration::days(31)),
        Some(n - Duration::days(1)),
    );
    diesel::update(api_keys::table.filter(api_keys::name.eq("Rotating")))
        .set((
            api_keys::previous_hash.eq(Some(b"old-secret-digest".to_vec())),
            api_keys::previous_last4.eq(Some("OLD4")),
            api_keys::previous_expires_at.eq(Some(n + Duration::hours(5))),
        ))
        .execute(&mut *conn)
        .unwrap();
    let busy: i32 = api_keys::table
        .filter(api_keys::name.eq("Busy"))
        .select(api_keys::id)
        .first(&mut *conn)
        .unwrap();
    set(
        &mut conn,
        "Busy",
        n - Duration::days(10),
        Some(n - Duration::minutes(1)),
        None,
    );
    for (days_ago, requests) in [(0, 7_i64), (1, 3), (29, 2), (30, 100)] {
        diesel::insert_into(api_key_usage::table)
            .values((
                api_key_usage::key_id.eq(busy),
                api_key_usage::day.eq(n.date() - Duration::days(days_ago)),
                api_key_usage::requests.eq(requests),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    for (kind, value, first) in [
        ("agent", "Zapier/1.0", 9),
        ("agent", "python-requests/2.32", 2),
        ("ip", "198.51.100.1", 9),
        ("ip", "203.0.113.9", 1),
    ] {
        diesel::insert_into(api_key_clients::table)
            .values((
                api_key_clients::key_id.eq(busy),
                api_key_clients::kind.eq(kind),
                api_key_clients::value.eq(value),
                api_key_clients::first_seen.eq(n - Duration::days(first)),
                api_key_clients::last_seen.eq(n - Duration::minutes(1)),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    drop(conn);

    let html = app.get_html("/settings/integrations").await;
    let row = |name: &str| -> String {
        let start = html.find(&format!("<strong>{name}</strong>")).unwrap();
        let end = html[start..].find("</tr>").unwrap();
        html[start..start + end].to_string()
    };
    assert!(row("Fresh").contains("Never used"));
    assert!(
        !row("Fresh").contains("hint-badge"),
        "a fresh key has no hints"
    );
    assert!(
        row("Recent").contains("5 minutes ago")
            && row("Recent").contains("203.0.113.9")
            && row("Recent").contains("Zapier/1.0")
    );
    assert!(row("Dormant").contains(">Inactive<"));
    assert!(row("Ancient").contains(">Never used<") && row("Ancient").contains("entire key"));
    assert!(row("Ancient").contains(">Rotate<") && row("Ancient").contains("over 6 months old"));
    assert!(row("Expiring").contains(">Expires soon<"));
    assert!(row("Expired").contains(">Expired<") && row("Expired").contains("Regenerate it"));
    assert!(row("Rotating").contains(">Grace period<") && row("Rotating").contains("kd_…OLD4"));
    assert!(
        row("Busy").contains("<span class=\"usage-total\">12</span>"),
        "30-day total excludes older days"
    );
    assert!(row("Busy").contains("<svg class=\"usage-chart\""));
    assert!(row("Busy").contains(">Shared<") && row("Busy").contains("2 different tools"));
    assert!(row("Busy").contains(">New address<") && row("Busy").contains("203.0.113.9"));
    assert!(
        html.contains("class=\"banner\"") && html.contains("1 key expires within 7 days"),
        "expiry banner"
    );

    // Sorting and the expired key's audit entry.
    let by_name = app
        .get_html("/settings/integrations?sort=name&dir=asc")
        .await;
    assert!(
        by_name.find("<strong>Ancient</strong>").unwrap()
            < by_name.find("<strong>Rotating</strong>").unwrap()
    );
    let by_use = app
        .get_html("/settings/integrations?sort=last_used&dir=desc")
        .await;
    assert!(
        by_use.find("<strong>Busy</strong>").unwrap()
            < by_use.find("<strong>Dormant</strong>").unwrap()
    );
    assert!(
        app.get_html("/settings/audit")
            .await
            .contains("Key expired")
    );

    // The filter box appears from 11 keys on and filters without JS too.
    assert!(!html.contains("id=\"key-filter\""));
    for i in 0..3 {
        app.create_key(&format!("Extra {i}")).await;
    }
    let html = app.get_html("/settings/integrations").await;
    assert!(html.contains("id=\"key-filter\""));
    let filtered = app.get_html("/settings/integrations?q=extra").await;
    assert_eq!(filtered.matches("<tr id=\"key-").count(), 3);
}

async fn rename_changes_name_and_note_and_is_audited(app: TestApp) {
    app.set_up().await;
    app.create_key("Old name").await;
    app.create_key("Taken").await;
    let id = app.key_id("Old name").await;
    let page = app
        .get_html(&format!("/settings/integrations/keys/{id}/rename"))
        .await;
    assert!(page.contains("value=\"Old name\""));

    let dup = app
        .post_form(
            &format!("/settings/integrations/keys/{id}/rename"),
            &[("name", "TAKEN"), ("note", "kept note")],
        )
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
            .post_form(
                &format!("/settings/integrations/keys/{id}/rename"),
                &[("name", name), ("note", note)],
            )
            .await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bad = bad.text().await.unwrap();
        assert!(
            bad.contains(message) && bad.contains(&format!("value=\"{note}\"")),
            "{message}"
        );
    }

    let ok = app
        .post_form(
            &format!("/settings/integrations/keys/{id}/rename"),
            &[
                ("name", "  Clay Integration "),
                ("note", "Used in Clay table XYZ"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let list = app.get_html("/settings/integrations").await;
    assert!(
        list.contains("<strong>Clay Integration</strong>")
            && list.contains("Used in Clay table XYZ")
    );
    assert!(!list.contains("<strong>Old name</strong>"));
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
    let page = app
        .get_html(&format!("/settings/integrations/keys/{quiet}/delete"))
        .await;
    assert!(page.contains("loses access at once"));
    assert!(!page.contains("last used"));
    let page = app
        .get_html(&format!("/settings/integrations/keys/{active}/delete"))
        .await;
    assert!(page.contains("loses access at once"));
    assert!(page.contains("last used 10 minutes ago") && page.contains("198.51.100.7"));

    for id in [quiet, active] {
        let r = app
            .post_form(&format!("/settings/integrations/keys/{id}/delete"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let list = app.get_html("/settings/integrations").await;
    assert!(!list.contains("<strong>Quiet</strong>") && !list.contains("<strong>Active</strong>"));
    let mut conn = app.db_conn();
    let left: i64 = api_keys::table.count().get_result(&mut *conn).unwrap();
    assert_eq!(left, 0, "the digests are gone");
    let audit = app.get_html("/settings/audit").await;
    assert_eq!(audit.matches("Key deleted").count(), 2);
    assert!(audit.contains("Active (kd_…"));
    assert_eq!(
        app.post_form(&format!("/settings/integrations/keys/{quiet}/delete"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

async fn regenerate_replaces_the_secret_at_once_or_after_a_grace_period(app: TestApp) {
    app.set_up().await;
    let first = app.create_key("Airbyte").await;
    let id = app.key_id("Airbyte").await;
    let check = |key: String| {
        let app = &app;
        async move {
            let r = app
                .post_form("/settings/integrations/check", &[("key", &key)])
                .await;
            r.text().await.unwrap()
        }
    };

    // Immediately.
    let page = app
        .get_html(&format!("/settings/integrations/keys/{id}/regenerate"))
        .await;
    let token = form_token(&page);
    let r = app
        .post_form(
            &format!("/settings/integrations/keys/{id}/regenerate"),
            &[("grace_hours", "0"), ("form_token", &token)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let second = revealed_key(&r.text().await.unwrap());
    assert_ne!(first, second);
    assert!(
        check(first.clone())
            .await
            .contains("No key you can see matches")
    );
    assert!(check(second.clone()).await.contains("This key works"));
    assert_eq!(app.key_id("Airbyte").await, id, "same entry");
    let again = app
        .post_form(
            &format!("/settings/integrations/keys/{id}/regenerate"),
            &[("grace_hours", "0"), ("form_token", &token)],
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "a resubmission does not rotate again"
    );

    // With 24 hours of grace.
    let page = app
        .get_html(&format!("/settings/integrations/keys/{id}/regenerate"))
        .await;
    let token = form_token(&page);
    let r = app
        .post_form(
            &format!("/settings/integrations/keys/{id}/regenerate"),
            &[("grace_hours", "24"), ("form_token", &token)],
        )
        .await;
    let third = revealed_key(&r.text().await.unwrap());
    assert!(check(second.clone()).await.contains("previous secret"));
    assert!(check(third.clone()).await.contains("This key works"));
    let list = app.get_html("/settings/integrations").await;
    assert!(
        list.contains(">Grace period<")
            && list.contains(&format!("kd_…{}", &second[second.len() - 4..]))
    );

    let audit = app.get_html("/settings/audit").await;
    assert_eq!(audit.matches("Key regenerated").count(), 2);
    assert!(audit.contains("stopped working at once") && audit.contains("works until"));
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
            .post_form(
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

    let bob = app.other_browser();
    bob.log_in("bob@example.com", "member password 1").await;
    let carol_key_id = app.key_id("Carol key").await;
    for path in [
        "/settings/integrations/keys/new".to_string(),
        "/settings/integrations/check".into(),
        format!("/settings/integrations/keys/{carol_key_id}/rename"),
    ] {
        assert_eq!(
            bob.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for path in [
        "/settings/integrations/keys".to_string(),
        "/settings/integrations/check".into(),
        format!("/settings/integrations/keys/{carol_key_id}/rename"),
        format!("/settings/integrations/keys/{carol_key_id}/delete"),
        format!("/settings/integrations/keys/{carol_key_id}/regenerate"),
    ] {
        let r = bob
            .post_form(
                &path,
                &[("name", "x"), ("key", "kd_x"), ("grace_hours", "0")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let notice = bob.get_html("/settings/integrations").await;
    assert!(
        !notice.contains("Carol key") && !notice.contains("kd_…"),
        "no key data reaches them"
    );
}

async fn check_a_key_explains_every_outcome_without_echoing_the_key(app: TestApp) {
    app.set_up().await;
    let good = app.create_key("Checked").await;
    let expired = app.create_key("Gone stale").await;
    let deleted = app.create_key("Deleted").await;
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.filter(api_keys::name.eq("Gone stale")))
            .set(api_keys::expires_at.eq(Some(now() - Duration::hours(1))))
            .execute(&mut *conn)
            .unwrap();
    }
    let deleted_id = app.key_id("Deleted").await;
    app.post_form(
        &format!("/settings/integrations/keys/{deleted_id}/delete"),
        &[],
    )
    .await;

    let eve = app.log_in_to_another_workspace().await;
    let foreign = eve.create_key("Eve's key").await;

    let mut typo = good.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let cases = [
        (good.clone(), "This key works"),
        (format!(" {good} "), "spaces or line breaks"),
        (good[..30].to_string(), "looks truncated"),
        (typo.clone(), "checksum does not match"),
        (good.replacen("kd_", "ll_", 1), "start with"),
        (expired.clone(), "has expired"),
        (deleted.clone(), "No key you can see matches"),
        (foreign.clone(), "No key you can see matches"),
    ];
    for (pasted, expected) in cases {
        let r = app
            .post_form("/settings/integrations/check", &[("key", &pasted)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{expected}");
        assert!(
            !html.contains(pasted.trim()),
            "the key is not echoed ({expected})"
        );
    }
    let works = app
        .post_form("/settings/integrations/check", &[("key", &good)])
        .await
        .text()
        .await
        .unwrap();
    assert!(works.contains("Checked") && works.contains("never used"));
}

mod a_form_open_for_more_than_a_day_must_be_sent_again {
    use super::*;

    async fn scenario(app: TestApp) {
        app.set_up().await;
        app.create_key("Existing").await;
        let id = app.key_id("Existing").await;
        let issued = time::OffsetDateTime::now_utc().unix_timestamp() - 2 * 86_400;
        let stale = format!("{issued}.{}", "a".repeat(24));

        let create = app
            .post_form(
                "/settings/integrations/keys",
                &[("name", "Late"), ("form_token", &stale)],
            )
            .await;
        assert_eq!(create.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = create.text().await.unwrap();
        assert!(html.contains("open for more than a day") && html.contains("value=\"Late\""));
        assert!(form_token(&html) != stale, "a fresh token to send again");

        let regenerate = app
            .post_form(
                &format!("/settings/integrations/keys/{id}/regenerate"),
                &[("grace_hours", "0"), ("form_token", &stale)],
            )
            .await;
        assert_eq!(regenerate.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            regenerate
                .text()
                .await
                .unwrap()
                .contains("open for more than a day")
        );
        assert!(
            !app.get_html("/settings/integrations")
                .await
                .contains("<strong>Late</strong>")
        );
        assert!(
            !app.get_html("/settings/audit")
                .await
                .contains("Key regenerated")
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        scenario(spawn_app(Backend::Sqlite).await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        if let Some(app) = spawn_app(Backend::Postgres).await {
            scenario(app).await;
        }
    }
}

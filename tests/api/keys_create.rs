//! Generating a key: shown once, never stored or logged, refused input kept, 500 at most.

use diesel::prelude::*;
use keydesk::db::schema::{api_keys, sessions};
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(in_a_child_process: a_new_key_is_shown_exactly_once_and_never_stored);
on_both_databases!(
    bad_key_input_is_refused_beside_the_field_and_kept,
    a_workspace_holds_at_most_500_keys,
);

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
    let response = app
        .submit(&form, "/settings/integrations/keys", &fields)
        .await;
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
    let again = app
        .submit(&form, "/settings/integrations/keys", &fields)
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let again = again.text().await.unwrap();
    assert!(again.contains("already submitted"));
    assert!(!again.contains("kd_") || !again.contains(&key));
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(list.matches("<strong>Clay Integration</strong>").count(), 1);

    // Nowhere at rest: database (sessions included) and this server's logs.
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
    let logs = app
        .logs_containing("request method=POST target=/settings/integrations/keys status=200")
        .await;
    assert!(!logs.contains(&key), "the key is not in the logs");
    assert!(!logs.contains(&key[3..]), "not even without its prefix");

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
        let form = app.get_html("/settings/integrations/keys/new").await;
        let token = form_token(&form);
        let response = app
            .submit(
                &form,
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
    let form = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&form);
    let refused = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[("name", "Zapier automation"), ("form_token", &token)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text().await.unwrap();
    assert_eq!(form_token(&refused), token, "the same form is shown again");
    let corrected = app
        .submit(
            &refused,
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
                        api_keys::created_at.eq(keydesk::db::now()),
                    ))
                    .execute(conn)?;
            }
            diesel::QueryResult::Ok(())
        })
        .unwrap();
    }
    let form = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&form);
    let response = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[("name", "One too many"), ("form_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("limit of 500 API keys"));
    assert!(html.contains("value=\"One too many\""));
}

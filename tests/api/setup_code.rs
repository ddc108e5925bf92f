//! First run on an address other machines can reach: `/setup` asks for the one-time code
//! that the server printed in its log; on loopback it does not.

use reqwest::StatusCode;

use crate::helpers::*;

/// The code from the server's log line "…/setup asks for this one-time setup code: XXXX-XXXX-XXXX".
fn code_in(logs: &str) -> String {
    let marker = "one-time setup code: ";
    let at = logs.find(marker).expect("the log prints the setup code") + marker.len();
    logs[at..at + 14].to_string()
}

fn setup_fields(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("setup_code", code),
        ("workspace", WORKSPACE),
        ("name", ADMIN_NAME),
        ("email", ADMIN_EMAIL),
        ("password", ADMIN_PASSWORD),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_public_address_setup_needs_the_code_from_the_log() {
    let app = spawn_binary_listening_on(Backend::Sqlite, "0.0.0.0", &[])
        .await
        .unwrap();
    let logs = app.logs_containing("one-time setup code: ").await;
    let code = code_in(&logs);
    assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX: {code}");

    let page = app.get_html("/setup").await;
    assert!(page.contains("Setup code"), "the form asks for the code");

    for typed in ["", "AAAA-BBBB-CCCC"] {
        let refused = app.submit(&page, "/setup", &setup_fields(typed)).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}"
        );
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("Enter the setup code from Keydesk&#39;s log")
                || html.contains("Enter the setup code from Keydesk's log")
        );
        assert!(
            html.contains(&format!("value=\"{ADMIN_EMAIL}\"")),
            "what was typed is kept"
        );
        assert_eq!(
            app.get("/login").await.status(),
            StatusCode::SEE_OTHER,
            "still no admin: every page leads to /setup"
        );
    }

    let lower = code.to_lowercase();
    let created = app.submit(&page, "/setup", &setup_fields(&lower)).await;
    assert_eq!(
        created.status(),
        StatusCode::SEE_OTHER,
        "the code, in any case, opens setup"
    );
    assert_eq!(location(&created), "/settings/integrations");
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains(ADMIN_NAME),
        "the new admin is logged in"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_loopback_setup_asks_for_no_code() {
    let app = spawn_binary(Backend::Sqlite).await.unwrap();
    let page = app.get_html("/setup").await;
    assert!(!page.contains("Setup code"));
    assert!(!app.logs().contains("setup code"), "nothing printed");
    let created = app.submit(&page, "/setup", &setup_fields("")[1..]).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_is_spent_once_an_admin_exists() {
    let app = spawn_binary_listening_on(Backend::Sqlite, "0.0.0.0", &[])
        .await
        .unwrap();
    let code = code_in(&app.logs_containing("one-time setup code: ").await);
    let page = app.get_html("/setup").await;
    let created = app.submit(&page, "/setup", &setup_fields(&code)).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);

    use diesel::prelude::*;
    use keydesk::db::schema::server_secrets;
    let stored: i64 = server_secrets::table
        .filter(server_secrets::name.eq("setup_code"))
        .count()
        .get_result(&mut *app.db_conn())
        .unwrap();
    assert_eq!(stored, 0, "the code is deleted once used");

    // Another instance on the same database: /setup is closed there too.
    let second = spawn_on(app.db.shared(), Backend::Sqlite, |_| {}).await;
    assert_eq!(location(&second.get("/setup").await), "/login");
    let stranger = app.other_browser();
    let login_page = stranger.get_html("/login").await;
    let again = stranger
        .submit(&login_page, "/setup", &setup_fields(&code))
        .await;
    assert_eq!(
        again.status(),
        StatusCode::FORBIDDEN,
        "setup is closed for good"
    );
}

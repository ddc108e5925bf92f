//! First run: while no user exists, `/setup` needs the one-time code in the link the
//! server printed at start, wherever it listens (behind a reverse proxy on the same
//! machine, a stranger arrives from loopback too). The link fills the code in.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(in_a_child_process: on_loopback_setup_still_needs_the_code_from_the_printed_link);

/// The code in the server's log line "Open http://…/setup?code=XXXX-XXXX-XXXX …".
fn code_in(logs: &str) -> String {
    let marker = "/setup?code=";
    let at = logs.find(marker).expect("the log prints the setup link") + marker.len();
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

/// The message beside the setup code field when it is missing or wrong.
const ASKS_FOR_THE_CODE: &str = "Enter the setup code from Keydesk's log";

async fn on_loopback_setup_still_needs_the_code_from_the_printed_link(app: TestApp) {
    let logs = app.logs_containing("/setup?code=").await;
    let code = code_in(&logs);
    assert!(
        logs.contains(&format!(
            "Open {}/setup?code={code} to create your workspace",
            app.address
        )),
        "the link names the address and port the server listens on: {logs}"
    );

    // A stranger (through a reverse proxy, the request comes from loopback too).
    let stranger = app.other_browser();
    let page = stranger.get_html("/setup").await;
    assert!(
        page.contains("<label for=\"setup_code\">Setup code</label>"),
        "the form asks for the code"
    );
    assert_eq!(hidden_setup_code(&page), None);
    for typed in ["", "AAAA-BBBB-CCCC"] {
        let refused = stranger.submit(&page, "/setup", &setup_fields(typed)).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}"
        );
        let html = html_unescape(&refused.text().await.unwrap());
        assert!(html.contains(ASKS_FOR_THE_CODE), "{typed:?}");
        assert!(
            html.contains(&format!("value=\"{ADMIN_EMAIL}\""))
                && html.contains(&format!("value=\"{WORKSPACE}\"")),
            "what was typed is kept"
        );
        assert!(
            !html.contains(&format!("value=\"{ADMIN_PASSWORD}\"")),
            "but not the password"
        );
        assert_eq!(
            location(&stranger.get("/login").await),
            "/setup",
            "still no admin: every page leads to /setup"
        );
    }
    let guessed = stranger.get_html("/setup?code=AAAA-BBBB-CCCC").await;
    assert!(
        html_unescape(&guessed).contains(ASKS_FOR_THE_CODE),
        "a link with a wrong code asks for the right one"
    );
    assert_eq!(hidden_setup_code(&guessed), None);

    // The newcomer clicks the printed link: the code is filled in, hidden.
    let link = app.setup_link().await;
    let form = app.get_html(&link).await;
    assert_eq!(hidden_setup_code(&form).as_deref(), Some(code.as_str()));
    assert!(!form.contains("Setup code"), "nothing to type but the rest");
    let created = app.submit(&form, "/setup", &setup_fields(&code)).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&created), "/settings/integrations");
    assert!(
        app.get_html("/settings/integrations")
            .await
            .contains(ADMIN_NAME),
        "the new admin is logged in"
    );

    // The code is printed once, in the link; the access log masks it.
    let logs = app.logs_containing("target=/setup?code=[redacted]").await;
    assert_eq!(logs.matches(&code).count(), 1, "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_public_address_setup_needs_the_code_from_the_log() {
    let app = spawn_binary_listening_on(Backend::Sqlite, "0.0.0.0", &[])
        .await
        .unwrap();
    let logs = app.logs_containing("/setup?code=").await;
    let code = code_in(&logs);
    assert_eq!(code.len(), 14, "XXXX-XXXX-XXXX: {code}");
    assert!(
        logs.contains(&format!("Open {}/setup?code={code} ", app.address)),
        "on 0.0.0.0 the link names loopback, which a browser can open: {logs}"
    );

    let page = app.get_html("/setup").await;
    assert!(page.contains("Setup code"), "the form asks for the code");

    for typed in ["", "AAAA-BBBB-CCCC"] {
        let refused = app.submit(&page, "/setup", &setup_fields(typed)).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}"
        );
        let html = html_unescape(&refused.text().await.unwrap());
        assert!(html.contains(ASKS_FOR_THE_CODE));
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
async fn the_code_is_spent_once_an_admin_exists() {
    let app = spawn_binary_listening_on(Backend::Sqlite, "0.0.0.0", &[])
        .await
        .unwrap();
    let code = code_in(&app.logs_containing("/setup?code=").await);
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

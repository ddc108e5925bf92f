//! First run: the setup page, the shell's create-admin, and what unknown pages answer.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    every_page_leads_to_setup_until_a_user_exists,
    setup_creates_the_admin_logs_them_in_and_then_closes_for_good,
    setup_rejects_bad_input_and_keeps_what_was_typed,
    create_admin_from_the_shell_makes_a_workspace_that_can_log_in,
    unknown_pages_get_the_styled_404_and_health_checks_answer,
);

async fn every_page_leads_to_setup_until_a_user_exists(app: TestApp) {
    for path in [
        "/",
        "/login",
        "/settings/integrations",
        "/settings/team",
        "/nowhere",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&response), "/setup", "{path}");
    }
    let html = app.get_html("/setup").await;
    assert!(html.contains("Create workspace"));
}

async fn setup_creates_the_admin_logs_them_in_and_then_closes_for_good(app: TestApp) {
    let form = app.get_html(&app.setup_link().await).await;
    let code = hidden_setup_code(&form).unwrap();
    let created = app
        .submit(
            &form,
            "/setup",
            &[
                ("setup_code", &code),
                ("workspace", WORKSPACE),
                ("name", ADMIN_NAME),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&created), "/settings/integrations");

    let html = app.get_html(&location(&created)).await;
    assert_eq!(
        flash(&html).as_deref(),
        Some("Your workspace is ready. Generate your first API key below."),
        "the first page says what to do next"
    );
    assert!(
        html.contains("API keys"),
        "the admin sees the API keys section"
    );
    assert!(
        html.contains(&format!("aria-label=\"{ADMIN_NAME}, Profile\"")),
        "the profile button's name holds its visible text and the word Profile"
    );
    assert!(
        html.contains("data-initials=\"AL\""),
        "initials in the profile button"
    );
    assert!(html.contains(WORKSPACE));

    let again = app.get("/setup").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), "/login");

    assert_eq!(
        flash(&app.get_html("/settings/integrations").await),
        None,
        "once"
    );
    let second = app
        .submit(
            &html,
            "/setup",
            &[
                ("workspace", "Intruders"),
                ("name", "Mallory"),
                ("email", "mallory@example.com"),
                ("password", "mallory password"),
            ],
        )
        .await;
    assert_not_allowed(second, "a second setup").await;
    let stranger = app.other_browser();
    let refused = stranger
        .log_in("mallory@example.com", "mallory password")
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "no second admin was made"
    );

    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("Workspace created"));
}

async fn setup_rejects_bad_input_and_keeps_what_was_typed(app: TestApp) {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "",
            "Ada",
            "ada@example.com",
            "long enough pw",
            "Enter a name.",
        ),
        (
            &"W".repeat(101),
            "Ada",
            "ada@example.com",
            "long enough pw",
            "Use at most 100 characters",
        ),
        (
            "Works\u{7}pace",
            "Ada",
            "ada@example.com",
            "long enough pw",
            "control characters",
        ),
        (
            "Workspace",
            "Ada",
            "not-an-email",
            "long enough pw",
            "Enter an email address like",
        ),
        (
            "Workspace",
            "Ada",
            "ada@example.com",
            "short",
            "Use at least 10 characters.",
        ),
    ];
    let form = app.get_html(&app.setup_link().await).await;
    let code = hidden_setup_code(&form).unwrap();
    for (workspace, name, email, password, message) in cases {
        let response = app
            .submit(
                &form,
                "/setup",
                &[
                    ("setup_code", &code),
                    ("workspace", workspace),
                    ("name", name),
                    ("email", email),
                    ("password", password),
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
        assert!(
            html.contains(&format!("value=\"{email}\"")),
            "the email is kept"
        );
        assert!(
            !html.contains(&format!("value=\"{password}\"")),
            "the password is not echoed"
        );
        assert_eq!(
            hidden_setup_code(&html).as_deref(),
            Some(code.as_str()),
            "the right setup code stays filled in"
        );
    }
    // Nothing was created: setup is still open.
    assert_eq!(location(&app.get("/login").await), "/setup");
}

async fn create_admin_from_the_shell_makes_a_workspace_that_can_log_in(app: TestApp) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args([
            "create-admin",
            "--email",
            "grace@example.com",
            "--name",
            "Grace Hopper",
            "--workspace",
            "Compilers",
        ])
        .env("DATABASE_URL", &app.db.url)
        .env("KEYDESK_ADMIN_PASSWORD", "nanoseconds please")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Created workspace"));

    let login = app.log_in("grace@example.com", "nanoseconds please").await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let html = app.get_html("/settings/team").await;
    assert!(html.contains("Grace Hopper"));

    // The password may come on standard input instead.
    let mut piped = std::process::Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args([
            "create-admin",
            "--email",
            "alan@example.com",
            "--name",
            "Alan Turing",
            "--workspace",
            "Bletchley",
        ])
        .env("DATABASE_URL", &app.db.url)
        .env_remove("KEYDESK_ADMIN_PASSWORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(piped.stdin.as_mut().unwrap(), b"enigma machine 42\n").unwrap();
    assert!(piped.wait_with_output().unwrap().status.success());
    let alan = app.other_browser();
    assert_eq!(
        alan.log_in("alan@example.com", "enigma machine 42")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    let duplicate = std::process::Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args([
            "create-admin",
            "--email",
            "grace@example.com",
            "--name",
            "G",
            "--workspace",
            "W",
        ])
        .env("DATABASE_URL", &app.db.url)
        .env("KEYDESK_ADMIN_PASSWORD", "nanoseconds please")
        .output()
        .unwrap();
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
}

async fn unknown_pages_get_the_styled_404_and_health_checks_answer(app: TestApp) {
    app.set_up().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found") && html.contains("/static/app.css"));

    // Unreadable parameters get styled pages too, never plain-text errors.
    let bad_query = app.get("/settings/audit?page=abc").await;
    assert_eq!(bad_query.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad_query
            .text()
            .await
            .unwrap()
            .contains("could not be read")
    );
    let bad_id = app.get("/settings/integrations/keys/abc/rename").await;
    assert_eq!(bad_id.status(), StatusCode::NOT_FOUND);
    assert!(bad_id.text().await.unwrap().contains("Page not found"));
    let team = app.get_html("/settings/team").await;
    let me = member_id_on(&team, ADMIN_EMAIL);
    let bad_form = app
        .submit(
            &team,
            &format!("/settings/team/members/{me}/api-access"),
            &[("enabled", "maybe")],
        )
        .await;
    assert_eq!(bad_form.status(), StatusCode::BAD_REQUEST);
    assert!(bad_form.text().await.unwrap().contains("/static/app.css"));

    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

//! Writes that meet another writer wait for it instead of failing. On SQLite a
//! transaction that has read cannot wait for the write lock: it fails at once ("database
//! is locked", a 503) if another connection holds the lock or committed since its read, as
//! the usage flush does every second. So every write that reads first takes the lock
//! first; each one here runs while another connection holds the lock and commits a change.
//! And on both databases, two first-run setups at once make one workspace, not two.

use std::future::Future;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use keydesk::db::schema::{users, workspaces};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(two_setups_at_once_make_one_workspace);

/// Runs `request` while another connection holds the write lock with a change of its own
/// (a key's "Last used" address, as the usage flush writes it), committed `hold` in.
async fn while_another_writer_commits<F: Future>(
    app: &TestApp,
    hold: Duration,
    request: F,
) -> F::Output {
    let mut writer = app.db_conn();
    let lock = match app.backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        // What the first admin's transaction writes first, once it has read.
        Backend::Postgres => "BEGIN; LOCK TABLE workspaces IN SHARE ROW EXCLUSIVE MODE",
    };
    writer.batch_execute(lock).unwrap();
    writer
        .batch_execute("UPDATE api_keys SET last_used_ip = '192.0.2.1'")
        .unwrap();
    let committer = std::thread::spawn(move || {
        std::thread::sleep(hold);
        writer.batch_execute("COMMIT").unwrap();
    });
    let answer = request.await;
    committer.join().unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_api_writes_wait_for_another_writer() {
    let app = spawn_app_with(Backend::Sqlite, |config| {
        config.webhooks.allow_private = true
    })
    .await
    .expect("SQLite is always available");
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    // Every write of the API, each while another connection writes.
    let write = |method: Method, path: String, body: Option<Value>| {
        let api = &api;
        let app = &app;
        async move {
            let hold = Duration::from_millis(300);
            let call = api.call(method.clone(), &path, body);
            let (status, answer) = while_another_writer_commits(app, hold, call).await;
            assert_eq!(status, StatusCode::OK, "{method} {path}: {answer}");
            answer
        }
    };
    let made = write(
        Method::POST,
        "/api/campaigns".into(),
        Some(json!({"name": "Launch"})),
    );
    let cam = made.await["_id"].as_str().unwrap().to_string();
    let leads = format!("/api/campaigns/{cam}/leads");
    write(Method::POST, format!("{leads}/ada%40example.com"), None).await;
    write(
        Method::POST,
        leads.clone(),
        Some(json!({"email": "bob@example.com"})),
    )
    .await;
    let ada_in_launch = format!("ada%40example.com?campaignId={cam}");
    write(
        Method::POST,
        format!("/api/leads/pause/{ada_in_launch}"),
        None,
    )
    .await;
    write(
        Method::POST,
        format!("/api/leads/start/{ada_in_launch}"),
        None,
    )
    .await;
    write(Method::DELETE, format!("{leads}/ada%40example.com"), None).await;
    write(
        Method::DELETE,
        format!("{leads}/bob%40example.com?action=remove"),
        None,
    )
    .await;
    let carol = "/api/unsubscribes/carol%40example.com";
    write(Method::POST, carol.into(), None).await;
    write(Method::DELETE, carol.into(), None).await;
    let target = json!({"targetUrl": format!("{}/hook", app.address)});
    let hook = write(Method::POST, "/api/hooks".into(), Some(target)).await;
    let hook = hook["_id"].as_str().unwrap().to_string();
    write(Method::DELETE, format!("/api/hooks/{hook}"), None).await;

    // What the writes did is there: ada unsubscribed, bob removed, carol and the hook gone.
    let (_, ada) = api
        .call(Method::GET, "/api/leads/ada%40example.com", None)
        .await;
    assert_eq!(ada["isPaused"], true, "{ada}");
    let (status, _) = api
        .call(Method::GET, "/api/leads/bob%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .call(Method::GET, "/api/unsubscribes/carol%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, hooks) = api.call(Method::GET, "/api/hooks", None).await;
    assert_eq!(hooks, json!([]));
    let (_, activities) = api.call(Method::GET, "/api/activities", None).await;
    let kinds: Vec<&str> = activities
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    for kind in ["apiUnsubscribed", "leadRemoved"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_reset_link_from_the_shell_waits_for_another_writer() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    app.set_up().await;
    let token = keydesk::domain::link_token::LinkToken::generate();
    let made = while_another_writer_commits(&app, Duration::from_millis(300), async {
        keydesk::use_cases::invitations::create_reset(
            &mut app.db_conn(),
            ADMIN_EMAIL,
            &token.digest(),
        )
    })
    .await;
    assert!(matches!(made, Ok(Some(_))), "{made:?}");
    let page = app.get(&format!("/reset/{}", token.expose())).await;
    assert_eq!(page.status(), StatusCode::OK, "the link works");
}

async fn two_setups_at_once_make_one_workspace(app: TestApp) {
    let other = app.other_browser();
    let link = app.setup_link().await;
    let (form, other_form) = (app.get_html(&link).await, other.get_html(&link).await);
    let code = hidden_setup_code(&form).unwrap();
    let fields = |workspace, name, email| {
        [
            ("setup_code", code.as_str()),
            ("workspace", workspace),
            ("name", name),
            ("email", email),
            ("password", ADMIN_PASSWORD),
        ]
    };
    let ours = fields(WORKSPACE, ADMIN_NAME, ADMIN_EMAIL);
    let theirs = fields("Intruders", "Mallory", "mallory@example.com");
    // Held long enough that both setups have checked for a user before either writes.
    let (a, b) = while_another_writer_commits(&app, Duration::from_secs(1), async {
        tokio::join!(
            app.submit(&form, "/setup", &ours),
            other.submit(&other_form, "/setup", &theirs),
        )
    })
    .await;

    let statuses = [a.status(), b.status()];
    let made = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(made, 1, "one setup made the workspace: {statuses:?}");
    let (winner, refused) = if a.status() == StatusCode::SEE_OTHER {
        (ADMIN_EMAIL, b)
    } else {
        ("mallory@example.com", a)
    };
    assert_not_allowed(refused, "the setup that came second").await;

    let mut conn = app.db_conn();
    let workspaces: i64 = workspaces::table.count().get_result(&mut *conn).unwrap();
    let people: Vec<String> = users::table.select(users::email).load(&mut *conn).unwrap();
    assert_eq!((workspaces, people), (1, vec![winner.to_string()]));
}

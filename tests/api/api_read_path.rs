//! The API's read-only handlers: the team answer's shape; a refused key told so before a
//! bad parameter (the team is read with the key, in one statement); reads that arrive together
//! (they share one lookup of their keys and teams, and on SQLite one read transaction)
//! each answered for their own key and team, old secrets and unknown keys among them; and on
//! SQLite a read served while another connection holds the write lock (a WAL reader never
//! waits for it, which is what lets such reads run on the async worker).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use keydesk::db::schema::api_keys;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(the_team_names_every_member_and_its_first_admin_as_creator);

async fn the_team_names_every_member_and_its_first_admin_as_creator(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    // Sorted before the admin by name, and not an admin: still not the creator.
    app.add_member("Aaron Abbott", "aaron@example.com", "member", true)
        .await;

    let (status, v1) = api.call(Method::GET, "/api/team", None).await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    let (status, v2) = api.call(Method::GET, "/api/team?version=v2", None).await;
    assert_eq!(status, StatusCode::OK, "{v2}");

    assert!(v1.get("users").is_none(), "v1 has no users: {v1}");
    for empty in ["hooks", "beta", "invitedUsers"] {
        assert_eq!(v1[empty], json!([]), "{empty}");
    }
    assert_eq!(v1["name"], WORKSPACE);
    assert!(v1["_id"].as_str().unwrap().starts_with("tea_"));
    assert!(v1["createdAt"].as_str().unwrap().ends_with('Z'));

    let users = v2["users"].as_array().expect("v2 lists the users");
    let emails: Vec<&str> = users.iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["aaron@example.com", ADMIN_EMAIL], "by name");
    let ids: Vec<&Value> = users.iter().map(|u| &u["userId"]).collect();
    assert_eq!(
        v1["userIds"].as_array().unwrap().iter().collect::<Vec<_>>(),
        ids
    );
    assert_eq!(users[1]["role"], "admin");
    assert_eq!(users[0]["role"], "member");
    assert_eq!(users[0]["name"], "Aaron Abbott");
    assert_eq!(v1["createdBy"], users[1]["userId"], "the admin created it");
    assert_eq!(v1["_id"], v2["_id"], "the same id on every call");
}

on_both_databases!(a_refused_key_is_told_so_before_a_bad_parameter);

async fn a_refused_key_is_told_so_before_a_bad_parameter(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (status, body) = api.call(Method::GET, "/api/team?version=v3", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "version", "{body}");

    let id = app.key_id("Integration").await;
    let disable = format!("/settings/integrations/keys/{id}/disable");
    assert_eq!(app.confirm(&disable).await.status(), StatusCode::SEE_OTHER);
    let (status, body) = api.call(Method::GET, "/api/team?version=v3", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "key_disabled", "{body}");
}

on_both_databases!(reads_that_arrive_together_are_each_answered_for_their_own_key);

async fn reads_that_arrive_together_are_each_answered_for_their_own_key(app: TestApp) {
    let (ours, ours_too, theirs) = two_workspaces(&app).await;
    let mut refused = Vec::new();
    for (name, action, error) in [
        ("Deleted", "delete", "key_unknown"),
        ("Disabled", "disable", "key_disabled"),
    ] {
        let key = app.create_key(name).await;
        let id = app.key_id(name).await;
        let path = format!("/settings/integrations/keys/{id}/{action}");
        assert_eq!(app.confirm(&path).await.status(), StatusCode::SEE_OTHER);
        refused.push((key, error));
    }

    let calls = [
        (ours.as_str(), Ok((WORKSPACE, 2))),
        (&theirs, Ok(("Elsewhere", 1))),
        (&refused[0].0, Err(refused[0].1)),
        (&ours_too, Ok((WORKSPACE, 2))),
        (&refused[1].0, Err(refused[1].1)),
    ];
    for (team, status, body) in all_at_once(&app, "/api/team?version=v2", 20, &calls).await {
        match team {
            Ok((name, members)) => {
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body["name"], name, "{body}");
                assert_eq!(body["users"].as_array().unwrap().len(), members, "{body}");
                assert_eq!(body["userIds"].as_array().unwrap().len(), members, "{body}");
            }
            Err(error) => assert_refused(status, &body, error),
        }
    }
}

/// Our workspace with two members (Aaron, then the admin by name) and two keys,
/// "Integration" and "Second", and Eve's workspace "Elsewhere" with her key "Eve's
/// integration": the three secrets.
async fn two_workspaces(app: &TestApp) -> (String, String, String) {
    let ours = app.set_up_with_key().await;
    let ours_too = app.create_key("Second").await;
    app.add_member("Aaron Abbott", "aaron@example.com", "member", true)
        .await;
    let eve = app.log_in_to_another_workspace().await;
    let theirs = eve.create_key("Eve's integration").await;
    (ours, ours_too, theirs)
}

/// Sends `GET path` with each of `calls`' keys `rounds` times, all at once, and returns
/// each answer beside what `calls` expects of it.
async fn all_at_once<E: Copy + Send + 'static>(
    app: &TestApp,
    path: &str,
    rounds: usize,
    calls: &[(&str, E)],
) -> Vec<(E, StatusCode, Value)> {
    let client = reqwest::Client::new();
    let url = app.url(path);
    let mut pending = Vec::new();
    for _ in 0..rounds {
        for (key, expected) in calls {
            let sent = client.get(&url).bearer_auth(key).send();
            let answer = tokio::spawn(async move {
                let response = sent.await.unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            });
            pending.push((*expected, answer));
        }
    }
    let mut answers = Vec::new();
    for (expected, answer) in pending {
        let (status, body) = answer.await.unwrap();
        answers.push((expected, status, body));
    }
    answers
}

fn assert_refused(status: StatusCode, body: &Value, error: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], error, "{body}");
}

on_both_databases!(old_secrets_and_unknown_keys_arriving_together_are_each_answered);

/// The secrets no key has as its current one are looked up among the old secrets once
/// for the requests served together: one in its grace period is served, one past it is
/// refused as regenerated, and an unknown one as unknown, however they are mixed.
async fn old_secrets_and_unknown_keys_arriving_together_are_each_answered(app: TestApp) {
    let first = app.set_up_with_key().await;
    let id = app.key_id("Integration").await;
    let current = app.regenerate_key(id, "1").await;
    // "Lapsed": regenerated, and its old secret's grace period is over.
    let lapsed_old = app.create_key("Lapsed").await;
    let lapsed_id = app.key_id("Lapsed").await;
    app.regenerate_key(lapsed_id, "1").await;
    diesel::update(api_keys::table.find(lapsed_id))
        .set(api_keys::previous_expires_at.eq(Some(keydesk::db::now() - Duration::seconds(1))))
        .execute(&mut *app.db_conn())
        .unwrap();
    let unknown = keydesk::domain::api_key::PlainKey::generate()
        .expose()
        .to_string();

    let calls = [
        (first.as_str(), None),
        (&unknown, Some("key_unknown")),
        (&current, None),
        (&lapsed_old, Some("key_regenerated")),
    ];
    // Two secrets of one key: 18 requests, within its 20 per window.
    for (refusal, status, body) in all_at_once(&app, "/api/team", 9, &calls).await {
        match refusal {
            None => {
                assert_eq!(status, StatusCode::OK, "{body}");
                assert_eq!(body["name"], WORKSPACE, "{body}");
            }
            Some(error) => assert_refused(status, &body, error),
        }
    }
}

on_both_databases!(one_lookup_finds_each_key_with_its_own_team);

/// What a batch of `GET /api/team` requests reads in one statement: each key found by
/// its current secret, with its own workspace's members, and no row for a digest that no
/// key's current secret has.
async fn one_lookup_finds_each_key_with_its_own_team(app: TestApp) {
    use keydesk::domain::api_key::PlainKey;
    let (ours, ours_too, theirs) = two_workspaces(&app).await;
    let digest = |key: &str| PlainKey::parse(key).unwrap().digest().0.to_vec();
    let unknown = PlainKey::generate().digest().0.to_vec();
    let wanted = [digest(&ours), unknown, digest(&theirs), digest(&ours_too)];
    let wanted: Vec<&[u8]> = wanted.iter().map(Vec::as_slice).collect();

    let found = keydesk::models::user::teams_with_keys(&mut app.db_conn(), &wanted).unwrap();
    let mut seen: Vec<(Vec<u8>, String, String, Vec<String>)> = found
        .into_iter()
        .map(|(hash, key, team)| {
            let emails = team.members.into_iter().map(|m| m.email).collect();
            (hash, key.name, team.name, emails)
        })
        .collect();
    seen.sort_by(|a, b| a.1.cmp(&b.1));
    let ours_members = vec!["aaron@example.com".to_string(), ADMIN_EMAIL.to_string()];
    assert_eq!(
        seen,
        [
            (
                digest(&theirs),
                "Eve's integration".into(),
                "Elsewhere".into(),
                vec!["eve@example.com".to_string()]
            ),
            (
                digest(&ours),
                "Integration".into(),
                WORKSPACE.into(),
                ours_members.clone()
            ),
            (
                digest(&ours_too),
                "Second".into(),
                WORKSPACE.into(),
                ours_members
            ),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_read_is_served_while_another_connection_holds_the_write_lock() {
    let app = spawn_app(Backend::Sqlite)
        .await
        .expect("SQLite is always available");
    let key = app.set_up_with_key().await;
    let mut writer = app.db_conn();
    writer.batch_execute("BEGIN IMMEDIATE").unwrap();
    let api = Api { key, app: &app };
    let (team, _) = api.call(Method::GET, "/api/team", None).await;
    let (campaigns, _) = api
        .call(Method::GET, "/api/campaigns/cam_unknown", None)
        .await;
    writer.batch_execute("ROLLBACK").unwrap();
    assert_eq!(team, StatusCode::OK);
    assert_eq!(campaigns, StatusCode::NOT_FOUND);
}

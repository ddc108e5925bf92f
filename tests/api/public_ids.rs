//! Public ids (`tea_…`, `usr_…`) are unique per install, so a client that gathers several
//! installs (Airbyte) never merges their rows, and stay the same for one install across
//! restarts and upgrades; an install that handed ids out before keeps them.

use diesel::prelude::*;
use diesel::sql_types::Text;
use keydesk::db::schema::{server_secrets, workspaces};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_databases;

/// The team's id and its first member's id, as `GET /api/team` answers them.
async fn team_ids(app: &TestApp, key: &str) -> (String, String) {
    let response = app
        .api(Method::GET, "/api/team")
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let team: Value = response.json().await.unwrap();
    let text = |v: &Value| v.as_str().unwrap().to_string();
    (text(&team["_id"]), text(&team["userIds"][0]))
}

on_both_databases!(two_fresh_installs_answer_different_team_and_user_ids);

async fn two_fresh_installs_answer_different_team_and_user_ids(first: TestApp) {
    let second = spawn_app(first.backend).await.unwrap();
    let first_ids = team_ids(&first, &first.set_up_with_key().await).await;
    let second_ids = team_ids(&second, &second.set_up_with_key().await).await;

    assert!(first_ids.0.starts_with("tea_") && first_ids.1.starts_with("usr_"));
    assert_ne!(first_ids.0, second_ids.0, "the teams' ids differ");
    assert_ne!(first_ids.1, second_ids.1, "the admins' ids differ");
}

on_both_databases!(an_installs_ids_stay_the_same_across_a_restart);

async fn an_installs_ids_stay_the_same_across_a_restart(mut app: TestApp) {
    let key = app.set_up_with_key().await;
    let before = team_ids(&app, &key).await;

    app.shut_down().await;
    let restarted = spawn_on(app.db.shared(), app.backend, |_| {}).await;

    assert_eq!(team_ids(&restarted, &key).await, before);
}

on_both_databases!(an_install_upgraded_from_before_per_install_ids_keeps_the_ids_it_answered);

async fn an_install_upgraded_from_before_per_install_ids_keeps_the_ids_it_answered(
    mut app: TestApp,
) {
    let key = app.set_up_with_key().await;
    app.shut_down().await;
    // Back to the release before: no install value, and its migration not yet run.
    let mut conn = app.db_conn();
    diesel::delete(server_secrets::table.find("public_id_seed"))
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("DELETE FROM __diesel_schema_migrations WHERE version = $1")
        .bind::<Text, _>("20261207001400")
        .execute(&mut conn)
        .unwrap();
    let workspace_id: i32 = workspaces::table
        .select(workspaces::id)
        .first(&mut conn)
        .unwrap();
    drop(conn);

    let upgraded = spawn_on(app.db.shared(), app.backend, |_| {}).await;

    // What every release before answered for this workspace.
    let before = keydesk::models::PublicIds::new(Vec::new());
    assert_eq!(
        team_ids(&upgraded, &key).await.0,
        before.derived("tea", workspace_id)
    );
}

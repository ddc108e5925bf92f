//! Another workspace's ids answer 404 through the API.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(another_workspaces_ids_answer_404);

async fn another_workspaces_ids_answer_404(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let eve_browser = app.log_in_to_another_workspace().await;
    let eve = Api {
        key: eve_browser.create_key("Eve's").await,
        app: &app,
    };
    let (_, campaign) = eve
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Eve's campaign"})),
        )
        .await;
    let cam = campaign["_id"].as_str().unwrap();
    eve.call(
        Method::POST,
        &format!("/api/campaigns/{cam}/leads/zed%40example.com"),
        None,
    )
    .await;
    eve.call(Method::POST, "/api/unsubscribes/yan%40example.com", None)
        .await;

    for (method, path) in [
        (
            Method::POST,
            format!("/api/campaigns/{cam}/leads/new%40example.com"),
        ),
        (
            Method::DELETE,
            format!("/api/campaigns/{cam}/leads/zed%40example.com"),
        ),
        (Method::GET, "/api/leads/zed%40example.com".to_string()),
        (
            Method::DELETE,
            "/api/unsubscribes/yan%40example.com".to_string(),
        ),
    ] {
        let (status, _) = api.call(method.clone(), &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let (_, mine) = api.call(Method::GET, "/api/campaigns", None).await;
    assert_eq!(mine, json!([]));
    let (_, activities) = api.call(Method::GET, "/api/activities", None).await;
    assert_eq!(activities, json!([]));
    let (_, team) = eve.call(Method::GET, "/api/team", None).await;
    assert_eq!(team["name"], "Elsewhere");
}

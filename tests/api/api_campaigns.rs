//! The API's team and campaign endpoints in lemlist's dialect, and 400s naming the field.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    team_and_campaigns_speak_lemlists_dialect,
    bad_input_gets_400_naming_the_field,
);

async fn team_and_campaigns_speak_lemlists_dialect(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (status, team) = api.call(Method::GET, "/api/team?version=v2", None).await;
    assert_eq!(status, StatusCode::OK);
    for field in ["_id", "name", "userIds", "createdAt", "createdBy"] {
        assert!(!team[field].is_null(), "team has {field}");
    }
    assert!(team["userIds"][0].as_str().unwrap().starts_with("usr_"));
    assert_eq!(team["createdBy"], team["userIds"][0]);
    assert_eq!(team["users"][0]["email"], ADMIN_EMAIL);

    let (status, list) = api.call(Method::GET, "/api/campaigns", None).await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));
    let mut ids = Vec::new();
    for name in ["First", "Second", "Third"] {
        let (status, created) = api
            .call(Method::POST, "/api/campaigns", Some(json!({"name": name})))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(created["_id"].as_str().unwrap().starts_with("cam_"));
        assert_eq!(created["name"], name);
        assert_eq!(created["createdBy"], team["createdBy"]);
        assert!(created["createdAt"].as_str().unwrap().ends_with('Z'));
        ids.push(created["_id"].as_str().unwrap().to_string());
    }
    let (_, list) = api.call(Method::GET, "/api/campaigns", None).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["First", "Second", "Third"]);
    let (_, page) = api
        .call(Method::GET, "/api/campaigns?offset=1&limit=1", None)
        .await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["_id"], ids[1].as_str());
    let (_, newest) = api
        .call(
            Method::GET,
            "/api/campaigns?sortBy=createdAt&sortOrder=desc&limit=1",
            None,
        )
        .await;
    assert_eq!(newest[0]["name"], "Third");
    let (_, drafts) = api
        .call(Method::GET, "/api/campaigns?status=draft", None)
        .await;
    assert_eq!(drafts.as_array().unwrap().len(), 3);
    let (_, running) = api
        .call(Method::GET, "/api/campaigns?status=running", None)
        .await;
    assert_eq!(running, json!([]));
}

async fn bad_input_gets_400_naming_the_field(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (_, campaign) = api
        .call(Method::POST, "/api/campaigns", Some(json!({"name": "C"})))
        .await;
    let cam = campaign["_id"].as_str().unwrap().to_string();
    let cases: Vec<(Method, String, Option<Value>, Option<&str>)> = vec![
        (
            Method::GET,
            "/api/campaigns?limit=101".into(),
            None,
            Some("limit"),
        ),
        (
            Method::GET,
            "/api/campaigns?limit=abc".into(),
            None,
            Some("limit"),
        ),
        (
            Method::GET,
            "/api/campaigns?offset=-5".into(),
            None,
            Some("offset"),
        ),
        (
            Method::GET,
            "/api/campaigns?status=bogus".into(),
            None,
            Some("status"),
        ),
        (
            Method::GET,
            "/api/activities?type=bogus".into(),
            None,
            Some("type"),
        ),
        (
            Method::GET,
            "/api/unsubscribes?limit=0".into(),
            None,
            Some("limit"),
        ),
        (
            Method::POST,
            "/api/campaigns".into(),
            Some(json!({})),
            Some("name"),
        ),
        (
            Method::POST,
            "/api/campaigns".into(),
            Some(json!({"name": "  "})),
            Some("name"),
        ),
        (
            Method::POST,
            "/api/campaigns".into(),
            Some(json!({"name": "X", "timezone": "not a zone"})),
            Some("timezone"),
        ),
        (
            Method::POST,
            format!("/api/campaigns/{cam}/leads/not-an-email"),
            None,
            Some("email"),
        ),
        (
            Method::POST,
            format!("/api/campaigns/{cam}/leads/a%40example.com"),
            Some(json!({"tags": ["x"]})),
            None,
        ),
        (
            Method::POST,
            format!("/api/campaigns/{cam}/leads"),
            Some(json!({"firstName": "NoEmail"})),
            Some("email"),
        ),
        (
            Method::DELETE,
            format!("/api/campaigns/{cam}/leads/a%40example.com?action=nuke"),
            None,
            Some("action"),
        ),
        (
            Method::POST,
            "/api/unsubscribes/nope".into(),
            None,
            Some("email"),
        ),
    ];
    for (method, path, body, field) in cases {
        let (status, error) = api.call(method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(error["ok"], false);
        assert_eq!(error["field"].as_str(), field, "{method} {path}: {error}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let raw = app
        .api(Method::POST, "/api/campaigns")
        .basic_auth("", Some(&api.key))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let (status, _) = api.call(Method::GET, "/api/campaigns", None).await;
    assert_eq!(status, StatusCode::OK, "nothing broke");
    let (_, list) = api.call(Method::GET, "/api/campaigns", None).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "nothing was created by bad requests"
    );
}

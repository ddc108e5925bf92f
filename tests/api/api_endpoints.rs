use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    team_and_campaigns_speak_lemlists_dialect,
    leads_are_added_found_and_removed_with_activities,
    unsubscribes_are_listed_added_and_removed,
    bad_input_gets_400_naming_the_field,
    another_workspaces_ids_answer_404,
);

struct Api<'a> {
    app: &'a TestApp,
    key: String,
}

impl Api<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.app.api(method, path).basic_auth("", Some(&self.key));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

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

async fn leads_are_added_found_and_removed_with_activities(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (_, campaign) = api
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Launch"})),
        )
        .await;
    let (_, other) = api
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Follow-up"})),
        )
        .await;
    let cam = campaign["_id"].as_str().unwrap();
    let other_cam = other["_id"].as_str().unwrap();

    let (status, lead) = api
        .call(Method::POST, &format!("/api/campaigns/{cam}/leads/Ada%40Example.com"), Some(json!({"firstName": "Ada", "lastName": "Lovelace", "companyName": "Engines", "companySize": 50})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(lead["_id"].as_str().unwrap().starts_with("lea_"));
    assert_eq!(lead["email"], "ada@example.com");
    assert_eq!(lead["campaignId"], cam);
    assert_eq!(lead["firstName"], "Ada");
    assert_eq!(lead["companySize"], "50", "custom variables are strings");
    assert_eq!(lead["isPaused"], false);

    let (status, again) = api
        .call(
            Method::POST,
            &format!("/api/campaigns/{cam}/leads/ada%40example.com"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["message"], "Lead already in the campaign");
    let (status, _) = api
        .call(
            Method::POST,
            &format!("/api/campaigns/{other_cam}/leads/ada%40example.com?deduplicate=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, second) = api
        .call(
            Method::POST,
            &format!("/api/campaigns/{other_cam}/leads"),
            Some(json!({"email": "ada@example.com", "firstName": "Ada"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the email-in-body form");

    let (status, found) = api
        .call(Method::GET, "/api/leads/ada%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["_id"], second["_id"], "the newest lead");
    let (_, all) = api
        .call(Method::GET, "/api/leads/ada%40example.com?version=v2", None)
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["variables"]["lastName"], "Lovelace");
    assert_eq!(all[1]["campaign"]["id"], cam);

    let (status, stopped) = api
        .call(
            Method::DELETE,
            &format!("/api/campaigns/{cam}/leads/ada%40example.com"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stopped["isPaused"], true);
    let (status, removed) = api
        .call(
            Method::DELETE,
            &format!("/api/campaigns/{other_cam}/leads/ada%40example.com?action=remove"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(removed["_id"], second["_id"]);
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/api/campaigns/{other_cam}/leads/ada%40example.com?action=remove"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = api
        .call(Method::GET, "/api/leads/nobody%40example.com", None)
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Lead not found"))
    );

    let (_, activities) = api.call(Method::GET, "/api/activities", None).await;
    let types: Vec<&str> = activities
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["leadRemoved", "apiUnsubscribed", "leadAdded", "leadAdded"],
        "newest first"
    );
    assert_eq!(activities[3]["leadEmail"], "ada@example.com");
    assert_eq!(activities[3]["leadFirstName"], "Ada");
    let (_, added) = api
        .call(
            Method::GET,
            &format!("/api/activities?type=leadAdded&campaignId={cam}"),
            None,
        )
        .await;
    assert_eq!(added.as_array().unwrap().len(), 1);
    let (_, one) = api
        .call(Method::GET, "/api/activities?limit=1&offset=1", None)
        .await;
    assert_eq!(one[0]["type"], "apiUnsubscribed");
}

async fn unsubscribes_are_listed_added_and_removed(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (status, added) = api
        .call(Method::POST, "/api/unsubscribes/bob%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(added["_id"].as_str().unwrap().starts_with("uns_"));
    assert_eq!(added["value"], "bob@example.com");
    let (_, twice) = api
        .call(Method::POST, "/api/unsubscribes/bob%40example.com", None)
        .await;
    assert_eq!(twice["_id"], added["_id"], "adding again is idempotent");
    let (status, _) = api
        .call(Method::POST, "/api/unsubscribes/%40spam.example", None)
        .await;
    assert_eq!(status, StatusCode::OK, "a whole domain");

    let (_, campaign) = api
        .call(Method::POST, "/api/campaigns", Some(json!({"name": "C"})))
        .await;
    let cam = campaign["_id"].as_str().unwrap();
    let (status, body) = api
        .call(
            Method::POST,
            &format!("/api/campaigns/{cam}/leads/carl%40spam.example"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an unsubscribed domain cannot be added"
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("unsubscribe list")
    );

    let (_, list) = api.call(Method::GET, "/api/unsubscribes", None).await;
    let values: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["@spam.example", "bob@example.com"]);

    let (status, removed) = api
        .call(Method::DELETE, "/api/unsubscribes/bob%40example.com", None)
        .await;
    assert_eq!(
        (status, removed["value"].as_str()),
        (StatusCode::OK, Some("bob@example.com"))
    );
    let (status, body) = api
        .call(Method::DELETE, "/api/unsubscribes/bob%40example.com", None)
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Unsubscribe not found"))
    );
    let (_, activity) = api
        .call(Method::GET, "/api/activities?type=variableSubscribed", None)
        .await;
    assert_eq!(activity[0]["leadEmail"], "bob@example.com");
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

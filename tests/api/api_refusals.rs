//! Every route of the API refuses strangers and keeps workspaces apart, walked from the
//! route table itself so that a new route is covered the day it is added.

use keydesk::domain::api_key::PlainKey;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    every_api_route_refuses_strangers_and_other_workspaces_ids
        with |c| c.rate_limit_requests = 1000,
    another_workspaces_ids_answer_404,
);

/// (method, path) of every route in `keydesk::api::ROUTES`.
static ROUTES: std::sync::LazyLock<Vec<(&str, &str)>> = std::sync::LazyLock::new(|| {
    keydesk::api::ROUTES
        .iter()
        .map(|route| (route.method, route.path))
        .collect()
});

/// Routes whose only path parameter is a value to store, not a record to find: with
/// another workspace's value they act on the caller's own workspace.
const WRITES_TO_THE_CALLERS_WORKSPACE: &[(&str, &str)] = &[("post", "/unsubscribes/{email}")];

/// `path` with each `{parameter}` replaced from `values`; a parameter this test does not
/// know fails the test instead of being skipped.
fn fill(method: &str, path: &str, values: &[(&str, String)]) -> String {
    let mut filled = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').expect("a closed {parameter}");
        let name = &rest[open + 1..close];
        let value = values
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, value)| value)
            .unwrap_or_else(|| {
                panic!(
                    "{method} /api{path} has the path parameter {{{name}}}, which this test \
                     cannot fill yet: create such a record for workspace B in \
                     every_api_route_refuses_strangers_and_other_workspaces_ids \
                     (tests/api/api_refusals.rs) and add (\"{name}\", its value) to `b_values`"
                )
            });
        filled.push_str(&rest[..open]);
        filled.push_str(value);
        rest = &rest[close + 1..];
    }
    filled.push_str(rest);
    filled
}

/// One call to a route of the table, with a JSON body for POSTs (valid for each create).
async fn call(app: &TestApp, method: &str, path: &str, key: Option<&str>) -> (StatusCode, String) {
    let verb = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut request = app.api(verb.clone(), &format!("/api{path}"));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if path == "/keys/verify" {
        // A well-formed key that was never issued: the answer is about no one.
        request = request.json(&json!({"key": PlainKey::generate().expose()}));
    } else if verb == Method::POST {
        request = request.json(&json!({
            "name": "Probe from A",
            "email": "probe@example.com",
            "targetUrl": "http://93.184.216.34/probe-from-a",
        }));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

fn json_of(body: &str, what: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("{what} answers JSON, not {body:?}"))
}

async fn every_api_route_refuses_strangers_and_other_workspaces_ids(app: TestApp) {
    assert!(ROUTES.len() >= 11, "the route table is read");
    app.set_up().await;
    // With "Verify keys" too, so that every route without an id succeeds with it.
    let a_key = app
        .create_key_with("Integration", &[("verify_keys", "true")])
        .await;

    // Workspace B, with one record of each kind a path can name.
    let eve = app.log_in_to_another_workspace().await;
    let b = Api {
        key: eve.create_key("Eve's").await,
        app: &app,
    };
    let (status, b_team) = b.call(Method::GET, "/api/team", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, b_campaign) = b
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Eve's secret campaign"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let b_campaign_id = b_campaign["_id"].as_str().unwrap().to_string();
    let (status, b_lead) = b
        .call(
            Method::POST,
            &format!("/api/campaigns/{b_campaign_id}/leads/zed%40example.com"),
            Some(json!({"firstName": "Zed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, b_unsubscribe) = b
        .call(Method::POST, "/api/unsubscribes/zed%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, b_hook) = b
        .call(
            Method::POST,
            "/api/hooks",
            Some(json!({"targetUrl": "http://93.184.216.34/eves-hook"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{b_hook}");
    let b_values = [
        ("campaignId", b_campaign_id.clone()),
        ("email", "zed%40example.com".to_string()),
        ("hookId", b_hook["_id"].as_str().unwrap().to_string()),
        ("leadId", b_lead["_id"].as_str().unwrap().to_string()),
    ];
    // What of B's must never reach A.
    let b_markers: Vec<String> = vec![
        "Elsewhere".into(),
        b_team["_id"].as_str().unwrap().into(),
        b_team["userIds"][0].as_str().unwrap().into(),
        b_campaign_id.clone(),
        "Eve's secret campaign".into(),
        b_lead["_id"].as_str().unwrap().into(),
        "zed@example.com".into(),
        b_unsubscribe["_id"].as_str().unwrap().into(),
        "eves-hook".into(),
    ];

    // The writes last: once A has its own unsubscribe, DELETE would rightly find it.
    let writes_last = ROUTES
        .iter()
        .filter(|route| !WRITES_TO_THE_CALLERS_WORKSPACE.contains(route))
        .chain(
            ROUTES
                .iter()
                .filter(|route| WRITES_TO_THE_CALLERS_WORKSPACE.contains(route)),
        );
    let unknown = PlainKey::generate();
    for (method, route) in writes_last {
        let path = fill(method, route, &b_values);
        let what = format!("{method} /api{path}");

        // No key, and a well-formed key that was never issued: 401 in lemlist's shape.
        for (key, code) in [
            (None, "missing_key"),
            (Some(unknown.expose()), "key_unknown"),
        ] {
            let (status, body) = call(&app, method, &path, key).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} with {code}");
            let error = json_of(&body, &what);
            assert_eq!(error["ok"], false, "{what}: {error}");
            assert_eq!(error["error"], code, "{what}: {error}");
            assert!(!error["message"].as_str().unwrap().is_empty(), "{what}");
        }

        // A's valid key on B's ids: 404, and nothing of B's in the answer.
        let (status, body) = call(&app, method, &path, Some(&a_key)).await;
        let names_a_record =
            route.contains('{') && !WRITES_TO_THE_CALLERS_WORKSPACE.contains(&(*method, *route));
        if names_a_record {
            assert_eq!(status, StatusCode::NOT_FOUND, "{what} with A's key: {body}");
            let error = json_of(&body, &what);
            assert_eq!(
                (&error["ok"], &error["error"]),
                (&json!(false), &json!("not_found")),
                "{what}"
            );
        } else {
            assert!(status.is_success(), "{what} with A's key: {status} {body}");
        }
        let sent = path.replace("%40", "@");
        for marker in &b_markers {
            assert!(
                sent.contains(marker.as_str()) || !body.contains(marker.as_str()),
                "{what} with A's key shows B's {marker:?}: {body}"
            );
        }
    }
    let a = Api {
        key: a_key.clone(),
        app: &app,
    };
    let (_, a_team) = a.call(Method::GET, "/api/team", None).await;
    assert_eq!(a_team["name"], WORKSPACE, "A's key shows A's team");

    // B's records were real and untouched: A's 404s were isolation, not bad ids.
    let (status, lead) = b
        .call(Method::GET, "/api/leads/zed%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lead["isPaused"], false, "A's DELETE did not pause B's lead");
    let (_, b_unsubscribes) = b.call(Method::GET, "/api/unsubscribes", None).await;
    assert_eq!(b_unsubscribes[0]["_id"], b_unsubscribe["_id"]);
    let mut seen_by_b = String::new();
    for (method, route) in ROUTES.iter() {
        let path = fill(method, route, &b_values);
        let (status, body) = call(&app, method, &path, Some(&b.key)).await;
        assert_ne!(
            status,
            StatusCode::NOT_FOUND,
            "{method} /api{path} with B's key"
        );
        assert!(status != StatusCode::UNAUTHORIZED, "{method} /api{path}");
        seen_by_b.push_str(&body);
    }
    for marker in &b_markers {
        assert!(
            seen_by_b.contains(marker.as_str()),
            "B's own key sees {marker:?}, so its absence above means something"
        );
    }
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

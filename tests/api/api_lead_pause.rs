//! Pausing and resuming a lead at lemlist's paths, and one entry of the unsubscribe list.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_lead_is_paused_and_resumed_in_one_campaign_or_all,
    a_stopped_or_unsubscribed_lead_stays_paused_when_resumed,
    pausing_an_unknown_lead_or_with_bad_input_changes_nothing,
    one_unsubscribe_is_found_by_email_or_domain,
);

async fn two_campaigns_with_ada(api: &Api<'_>) -> (String, String) {
    let mut ids = Vec::new();
    for name in ["Launch", "Follow-up"] {
        let (_, created) = api
            .call(Method::POST, "/api/campaigns", Some(json!({"name": name})))
            .await;
        let cam = created["_id"].as_str().unwrap().to_string();
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/api/campaigns/{cam}/leads/ada%40example.com"),
                Some(json!({"firstName": "Ada"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        ids.push(cam);
    }
    (ids[0].clone(), ids[1].clone())
}

/// `isPaused` of ada's lead in each campaign, as `GET /api/leads/{email}?version=v2` says.
async fn paused_by_campaign(api: &Api<'_>) -> Vec<(String, bool)> {
    let (_, all) = api
        .call(Method::GET, "/api/leads/ada%40example.com?version=v2", None)
        .await;
    let mut found: Vec<(String, bool)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["campaign"]["id"].as_str().unwrap().to_string(),
                l["isPaused"].as_bool().unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

fn sorted(mut pairs: Vec<(String, bool)>) -> Vec<(String, bool)> {
    pairs.sort();
    pairs
}

async fn a_lead_is_paused_and_resumed_in_one_campaign_or_all(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (launch, follow_up) = two_campaigns_with_ada(&api).await;

    let (status, paused) = api
        .call(
            Method::POST,
            &format!("/api/leads/pause/ada%40example.com?campaignId={launch}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(paused.as_array().unwrap().len(), 1);
    assert_eq!(paused[0]["campaignId"], launch.as_str());
    assert_eq!(paused[0]["isPaused"], true);
    assert_eq!(paused[0]["email"], "ada@example.com");
    assert_eq!(paused[0]["firstName"], "Ada");
    assert_eq!(
        paused_by_campaign(&api).await,
        sorted(vec![(launch.clone(), true), (follow_up.clone(), false)]),
        "only the campaign asked for"
    );

    let (status, everywhere) = api
        .call(Method::POST, "/api/leads/pause/ada%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(everywhere.as_array().unwrap().len(), 2, "every campaign");
    assert_eq!(
        paused_by_campaign(&api).await,
        sorted(vec![(launch.clone(), true), (follow_up.clone(), true)])
    );

    // By lead id, as lemlist's path names it.
    let follow_up_lead = everywhere
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["campaignId"] == follow_up.as_str())
        .unwrap()["_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, resumed) = api
        .call(
            Method::POST,
            &format!("/api/leads/start/{follow_up_lead}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resumed[0]["_id"], follow_up_lead.as_str());
    assert_eq!(resumed[0]["isPaused"], false);
    assert_eq!(
        paused_by_campaign(&api).await,
        sorted(vec![(launch.clone(), true), (follow_up.clone(), false)])
    );

    let (_, activities) = api.call(Method::GET, "/api/activities", None).await;
    let types: Vec<(&str, &str)> = activities
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|a| {
            (
                a["type"].as_str().unwrap(),
                a["campaignId"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        types,
        [
            ("resumed", follow_up.as_str()),
            ("paused", follow_up.as_str()),
            ("paused", launch.as_str())
        ],
        "one activity per lead changed; pausing a paused lead records nothing"
    );
}

async fn a_stopped_or_unsubscribed_lead_stays_paused_when_resumed(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (launch, follow_up) = two_campaigns_with_ada(&api).await;
    api.call(
        Method::DELETE,
        &format!("/api/campaigns/{launch}/leads/ada%40example.com"),
        None,
    )
    .await;
    let (status, resumed) = api
        .call(Method::POST, "/api/leads/start/ada%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sorted(
            resumed
                .as_array()
                .unwrap()
                .iter()
                .map(|l| (
                    l["campaignId"].as_str().unwrap().to_string(),
                    l["isPaused"].as_bool().unwrap()
                ))
                .collect()
        ),
        sorted(vec![(launch.clone(), true), (follow_up.clone(), false)]),
        "the lead stopped in Launch stays stopped"
    );

    api.call(Method::POST, "/api/leads/pause/ada%40example.com", None)
        .await;
    api.call(Method::POST, "/api/unsubscribes/%40example.com", None)
        .await;
    api.call(Method::POST, "/api/leads/start/ada%40example.com", None)
        .await;
    assert_eq!(
        paused_by_campaign(&api).await,
        sorted(vec![(launch, true), (follow_up, true)]),
        "an unsubscribed domain keeps its leads paused"
    );
}

async fn pausing_an_unknown_lead_or_with_bad_input_changes_nothing(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (launch, follow_up) = two_campaigns_with_ada(&api).await;
    let cases: [(String, StatusCode, Option<&str>); 4] = [
        (
            "/api/leads/pause/nobody%40example.com".into(),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/api/leads/pause/lea_doesnotexist0000".into(),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/api/leads/pause/ada%40example.com?campaignId=cam_doesnotexist0000".into(),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/api/leads/pause/not-an-email".into(),
            StatusCode::BAD_REQUEST,
            Some("leadId"),
        ),
    ];
    for (path, expected, field) in cases {
        let (status, error) = api.call(Method::POST, &path, None).await;
        assert_eq!(status, expected, "{path}: {error}");
        assert_eq!(error["ok"], false);
        assert_eq!(error["field"].as_str(), field, "{path}");
    }
    assert_eq!(
        paused_by_campaign(&api).await,
        sorted(vec![(launch, false), (follow_up, false)]),
        "nothing was paused by the refused calls"
    );
}

async fn one_unsubscribe_is_found_by_email_or_domain(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (status, body) = api
        .call(Method::GET, "/api/unsubscribes/bob%40example.com", None)
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Unsubscribe not found"))
    );
    let (_, added) = api
        .call(Method::POST, "/api/unsubscribes/bob%40example.com", None)
        .await;
    api.call(Method::POST, "/api/unsubscribes/%40spam.example", None)
        .await;

    let (status, found) = api
        .call(Method::GET, "/api/unsubscribes/Bob%40Example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["_id"], added["_id"]);
    assert_eq!(found["value"], "bob@example.com");
    assert_eq!(found["source"], "api");
    assert!(found["createdAt"].as_str().unwrap().ends_with('Z'));
    let (status, domain) = api
        .call(Method::GET, "/api/unsubscribes/%40spam.example", None)
        .await;
    assert_eq!(
        (status, &domain["value"]),
        (StatusCode::OK, &json!("@spam.example"))
    );
    let (status, error) = api.call(Method::GET, "/api/unsubscribes/nope", None).await;
    assert_eq!(
        (status, &error["field"]),
        (StatusCode::BAD_REQUEST, &json!("email"))
    );

    let eve = app.log_in_to_another_workspace().await;
    let eve = Api {
        key: eve.create_key("Eve's").await,
        app: &app,
    };
    let (status, body): (StatusCode, Value) = eve
        .call(Method::GET, "/api/unsubscribes/bob%40example.com", None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another workspace's list: {body}"
    );
}

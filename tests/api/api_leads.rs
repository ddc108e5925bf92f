//! The API's leads, activities and unsubscribes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    leads_are_added_found_and_removed_with_activities,
    unsubscribes_are_listed_added_and_removed,
);

async fn leads_are_added_found_and_removed_with_activities(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let cam = api.create_campaign("Launch").await;
    let cam = cam.as_str();
    let other_cam = api.create_campaign("Follow-up").await;
    let other_cam = other_cam.as_str();

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

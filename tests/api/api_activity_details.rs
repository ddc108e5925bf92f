//! Activities in lemlist's shape, each filter (`type`, `campaignId`, `leadId`, `isFirst`,
//! `minDate`, `maxDate`), and the activities an unsubscribe leaves on each lead.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    an_activity_carries_lemlists_fields_and_the_leads_variables,
    is_first_keeps_each_leads_first_activity_of_a_type,
    min_and_max_date_bound_the_activities,
    bad_activity_filters_get_400_naming_the_field,
    unsubscribing_an_email_leaves_an_activity_on_each_of_its_leads,
);

async fn campaign_with_ada(api: &Api<'_>) -> (String, Value) {
    let (_, created) = api
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Launch"})),
        )
        .await;
    let cam = created["_id"].as_str().unwrap().to_string();
    let (status, lead) = api
        .call(
            Method::POST,
            &format!("/api/campaigns/{cam}/leads/ada%40example.com"),
            Some(json!({"firstName": "Ada", "companyName": "Engines", "shoeSize": "38"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    (cam, lead)
}

async fn activities(api: &Api<'_>, query: &str) -> Vec<Value> {
    let (status, list) = api
        .call(Method::GET, &format!("/api/activities{query}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {list}");
    list.as_array().unwrap().clone()
}

fn types(list: &[Value]) -> Vec<&str> {
    list.iter().map(|a| a["type"].as_str().unwrap()).collect()
}

async fn an_activity_carries_lemlists_fields_and_the_leads_variables(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (cam, lead) = campaign_with_ada(&api).await;
    let (_, team) = api.call(Method::GET, "/api/team", None).await;
    let list = activities(&api, "").await;
    let added = &list[0];
    assert_eq!(added["type"], "leadAdded");
    let admin = &team["createdBy"];
    assert!(admin.as_str().unwrap().starts_with("usr_"));
    assert_eq!(
        added["metaData"],
        json!({"teamId": team["_id"], "campaignId": cam, "leadId": lead["_id"], "type": "leadAdded", "createdBy": admin})
    );
    assert_eq!(
        &added["createdBy"], admin,
        "the member whose key added the lead"
    );
    assert_eq!(&added["userId"], admin);
    assert_eq!(added["sequenceStep"], 0);
    assert_eq!(added["isFirst"], true);
    assert_eq!(
        added["firstName"], "Ada",
        "the lead's variables at the top level"
    );
    assert_eq!(added["companyName"], "Engines");
    assert_eq!(added["shoeSize"], "38", "custom variables too");
    assert_eq!(added["email"], "ada@example.com");
    let contact = added["contactId"].as_str().unwrap();
    assert!(contact.starts_with("ctc_"), "{contact}");

    // The same person in another campaign is the same contact, another lead.
    let (_, other) = api
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Other"})),
        )
        .await;
    let other = other["_id"].as_str().unwrap();
    api.call(
        Method::POST,
        &format!("/api/campaigns/{other}/leads/ada%40example.com"),
        None,
    )
    .await;
    api.call(
        Method::POST,
        &format!("/api/campaigns/{other}/leads/bob%40example.com"),
        None,
    )
    .await;
    let list = activities(&api, &format!("?campaignId={other}")).await;
    assert_eq!(list.len(), 2);
    let ada = list
        .iter()
        .find(|a| a["email"] == "ada@example.com")
        .unwrap();
    let bob = list
        .iter()
        .find(|a| a["email"] == "bob@example.com")
        .unwrap();
    assert_eq!(ada["contactId"], contact);
    assert_ne!(ada["leadId"], lead["_id"]);
    assert_ne!(bob["contactId"], contact);
    let by_lead = activities(&api, &format!("?leadId={}", lead["_id"].as_str().unwrap())).await;
    assert_eq!(types(&by_lead), ["leadAdded"]);
    assert_eq!(by_lead[0]["campaignId"], cam.as_str());
}

async fn is_first_keeps_each_leads_first_activity_of_a_type(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (cam, _) = campaign_with_ada(&api).await;
    for step in ["pause", "start", "pause"] {
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/api/leads/{step}/ada%40example.com?campaignId={cam}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let all = activities(&api, "").await;
    assert_eq!(types(&all), ["paused", "resumed", "paused", "leadAdded"]);
    let firsts: Vec<bool> = all
        .iter()
        .map(|a| a["isFirst"].as_bool().unwrap())
        .collect();
    assert_eq!(firsts, [false, true, true, true]);

    let first = activities(&api, "?isFirst=true").await;
    assert_eq!(types(&first), ["resumed", "paused", "leadAdded"]);
    let later = activities(&api, "?isFirst=false").await;
    assert_eq!(types(&later), ["paused"]);
    assert_eq!(later[0]["_id"], all[0]["_id"], "the second pause");
    let first_pauses = activities(&api, "?isFirst=true&type=paused").await;
    assert_eq!(first_pauses.len(), 1);
    assert_eq!(first_pauses[0]["_id"], all[2]["_id"]);
}

async fn min_and_max_date_bound_the_activities(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (cam, _) = campaign_with_ada(&api).await;
    for step in ["pause", "start"] {
        tokio::time::sleep(Duration::from_millis(30)).await;
        api.call(
            Method::POST,
            &format!("/api/leads/{step}/ada%40example.com?campaignId={cam}"),
            None,
        )
        .await;
    }
    let all = activities(&api, "").await;
    assert_eq!(types(&all), ["resumed", "paused", "leadAdded"]);
    let at = |i: usize| all[i]["createdAt"].as_str().unwrap().to_string();

    let from_pause = activities(&api, &format!("?minDate={}", at(1))).await;
    assert_eq!(
        types(&from_pause),
        ["resumed", "paused"],
        "minDate is included"
    );
    let until_pause = activities(&api, &format!("?maxDate={}", at(1))).await;
    assert_eq!(
        types(&until_pause),
        ["paused", "leadAdded"],
        "maxDate is included"
    );
    let only_pause = activities(&api, &format!("?minDate={}&maxDate={}", at(1), at(1))).await;
    assert_eq!(types(&only_pause), ["paused"]);
    let aliases = activities(&api, &format!("?startDate={}&endDate={}", at(1), at(1))).await;
    assert_eq!(
        types(&aliases),
        ["paused"],
        "startDate and endDate are aliases"
    );

    let day = &at(0)[..10];
    let today = activities(&api, &format!("?minDate={day}&maxDate={day}")).await;
    assert_eq!(today.len(), 3, "plain dates cover their whole day");
    assert!(activities(&api, "?maxDate=2001-01-01").await.is_empty());
    assert!(
        activities(&api, "?minDate=2999-01-01T00:00:00Z")
            .await
            .is_empty()
    );
}

async fn bad_activity_filters_get_400_naming_the_field(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    campaign_with_ada(&api).await;
    for (query, field) in [
        ("?isFirst=maybe", "isFirst"),
        ("?minDate=last%20week", "minDate"),
        ("?maxDate=2024-13-01", "maxDate"),
        ("?startDate=soon", "startDate"),
        ("?minDate=2024-01-01&startDate=soon", "startDate"),
        ("?minDate=", "minDate"),
        ("?type=", "type"),
        ("?isFirst=", "isFirst"),
        ("?limit=", "limit"),
    ] {
        let (status, error) = api
            .call(Method::GET, &format!("/api/activities{query}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error["field"], field, "{query}: {error}");
    }
    assert_eq!(activities(&api, "").await.len(), 1, "nothing changed");
    assert!(
        activities(&api, "?minDate=2024-02-01&maxDate=2024-01-01")
            .await
            .is_empty(),
        "an end before the start is an empty window"
    );
}

async fn unsubscribing_an_email_leaves_an_activity_on_each_of_its_leads(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (cam, lead) = campaign_with_ada(&api).await;
    let (_, other) = api
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Other"})),
        )
        .await;
    let other = other["_id"].as_str().unwrap().to_string();
    let (_, second) = api
        .call(
            Method::POST,
            &format!("/api/campaigns/{other}/leads/ada%40example.com"),
            None,
        )
        .await;

    let (status, _) = api
        .call(Method::POST, "/api/unsubscribes/ada%40example.com", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for (campaign_id, lead_id) in [(&cam, &lead["_id"]), (&other, &second["_id"])] {
        let list = activities(
            &api,
            &format!(
                "?type=variableUnsubscribed&leadId={}",
                lead_id.as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(list.len(), 1, "one activity tied to lead {lead_id}");
        assert_eq!(list[0]["campaignId"], campaign_id.as_str());
        assert_eq!(list[0]["metaData"]["leadId"], *lead_id);
        assert_eq!(list[0]["email"], "ada@example.com");
    }
    let in_campaign = activities(
        &api,
        &format!("?campaignId={cam}&type=variableUnsubscribed"),
    )
    .await;
    assert_eq!(in_campaign.len(), 1, "the campaign's own history shows it");

    // A domain reaches every lead of it; an email of no lead is still recorded.
    api.call(
        Method::POST,
        &format!("/api/campaigns/{cam}/leads/bob%40corp.example"),
        None,
    )
    .await;
    api.call(Method::POST, "/api/unsubscribes/%40corp.example", None)
        .await;
    let bob = activities(&api, "?type=variableUnsubscribed&limit=1").await;
    assert_eq!(bob[0]["email"], "bob@corp.example");
    assert_eq!(bob[0]["campaignId"], cam.as_str());
    api.call(Method::POST, "/api/unsubscribes/nobody%40example.org", None)
        .await;
    let nobody = activities(&api, "?type=variableUnsubscribed&limit=1").await;
    assert_eq!(nobody[0]["leadEmail"], "nobody@example.org");
    assert_eq!(nobody[0]["campaignId"], Value::Null);
}

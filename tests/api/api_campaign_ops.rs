//! One campaign, its stats, and lemlist's `version=v2` pages of campaigns.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    one_campaign_is_lemlists_campaign_object_and_another_workspaces_is_404,
    campaign_stats_count_the_leads_added_within_the_window,
    campaign_stats_refuse_bad_dates_and_time_zones,
    v2_pages_campaigns_with_lemlists_pagination,
    v2_paging_refuses_bad_pages_and_limits,
);

async fn campaign(api: &Api<'_>, name: &str) -> String {
    let (status, created) = api
        .call(Method::POST, "/api/campaigns", Some(json!({"name": name})))
        .await;
    assert_eq!(status, StatusCode::OK);
    created["_id"].as_str().unwrap().to_string()
}

async fn one_campaign_is_lemlists_campaign_object_and_another_workspaces_is_404(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let first = campaign(&api, "First").await;
    let second = campaign(&api, "Second").await;
    let (_, team) = api.call(Method::GET, "/api/team", None).await;

    let (status, found) = api
        .call(Method::GET, &format!("/api/campaigns/{second}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["_id"], second.as_str());
    assert_eq!(
        found["name"], "Second",
        "the campaign asked for, not the first"
    );
    assert_eq!(found["status"], "draft");
    assert_eq!(found["teamId"], team["_id"]);
    assert_eq!(found["createdBy"], team["createdBy"]);
    assert_eq!(found["hasError"], false);
    assert!(found["createdAt"].as_str().unwrap().ends_with('Z'));
    let (_, first_found) = api
        .call(Method::GET, &format!("/api/campaigns/{first}"), None)
        .await;
    assert_eq!(first_found["name"], "First");

    let (status, error) = api
        .call(Method::GET, "/api/campaigns/cam_doesnotexist0000", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["message"], "Campaign not found");
    let eve = app.log_in_to_another_workspace().await;
    let eve = Api {
        key: eve.create_key("Eve's").await,
        app: &app,
    };
    let (status, body) = eve
        .call(Method::GET, &format!("/api/campaigns/{second}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.to_string().contains("Second"));
}

async fn stats(api: &Api<'_>, cam: &str, query: &str) -> (StatusCode, Value) {
    api.call(
        Method::GET,
        &format!("/api/campaigns/{cam}/stats{query}"),
        None,
    )
    .await
}

async fn campaign_stats_count_the_leads_added_within_the_window(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let cam = campaign(&api, "Launch").await;
    let other = campaign(&api, "Elsewhere").await;
    for email in ["a", "b", "c", "d"] {
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/api/campaigns/{cam}/leads/{email}%40example.com"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    api.call(
        Method::POST,
        &format!("/api/campaigns/{other}/leads/z%40example.com"),
        None,
    )
    .await;
    api.call(
        Method::POST,
        &format!("/api/leads/pause/b%40example.com?campaignId={cam}"),
        None,
    )
    .await;
    api.call(
        Method::DELETE,
        &format!("/api/campaigns/{cam}/leads/c%40example.com"),
        None,
    )
    .await;
    api.call(
        Method::DELETE,
        &format!("/api/campaigns/{cam}/leads/d%40example.com?action=remove"),
        None,
    )
    .await;

    let (status, all) = stats(&api, &cam, "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["campaignId"], cam.as_str());
    assert_eq!(
        (
            &all["leadTotal"],
            &all["leadToLaunch"],
            &all["leadPaused"],
            &all["leadCompleted"]
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1)),
        "a waits, b is paused, c is stopped, d is gone, z is another campaign's: {all}"
    );
    assert!(all.get("sentCount").is_none(), "no invented message counts");

    // The window, as n8n sends it: date-times with a timezone.
    let (_, lead) = api
        .call(Method::GET, "/api/leads/a%40example.com", None)
        .await;
    let added = lead["createdAt"].as_str().unwrap().to_string();
    let day = &added[..10];
    let (status, within) = stats(
        &api,
        &cam,
        &format!(
            "?startDate={day}T00:00:00.000Z&endDate={day}T23:59:59.999Z&timezone=Europe/Paris"
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(within["leadTotal"], 3);
    assert_eq!(within["startDate"], format!("{day}T00:00:00.000Z"));
    // A wall-clock end two hours after the lead was added: in UTC it includes the
    // leads, in Tokyo (UTC+9 all year) it ends seven hours before them.
    let added_at = OffsetDateTime::parse(&added, &Rfc3339).unwrap();
    let wall = (added_at + time::Duration::hours(2))
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap();
    for (zone, expected) in [("UTC", 3), ("Asia/Tokyo", 0), ("America/New_York", 3)] {
        let (status, zoned) = stats(&api, &cam, &format!("?endDate={wall}&timezone={zone}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            zoned["leadTotal"], expected,
            "endDate {wall} in {zone}: {zoned}"
        );
    }
    let (_, before) = stats(&api, &cam, "?startDate=2001-01-01&endDate=2001-12-31").await;
    assert_eq!(
        (&before["leadTotal"], &before["leadToLaunch"]),
        (&json!(0), &json!(0)),
        "nothing was added in 2001"
    );
    let (_, after) = stats(&api, &cam, "?startDate=2999-01-01").await;
    assert_eq!(after["leadTotal"], 0);
    let (_, by_day) = stats(&api, &cam, &format!("?startDate={day}&endDate={day}")).await;
    assert_eq!(
        by_day["leadTotal"], 3,
        "a plain end date includes its whole day"
    );

    let (status, body) = stats(&api, "cam_doesnotexist0000", "").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("Campaign not found"))
    );
}

async fn campaign_stats_refuse_bad_dates_and_time_zones(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let cam = campaign(&api, "Launch").await;
    for (query, field) in [
        ("?startDate=yesterday", "startDate"),
        ("?endDate=2024-02-30", "endDate"),
        ("?startDate=", "startDate"),
        ("?startDate=2024-01-01%2010:00", "startDate"),
        ("?timezone=Not%20a%20zone", "timezone"),
        ("?timezone=europe/paris", "timezone"),
        ("?timezone=Mars/Olympus&startDate=2024-01-01", "timezone"),
    ] {
        let (status, error) = stats(&api, &cam, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error["field"], field, "{query}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{query}: the message names {field}"
        );
    }
    let (status, empty) = stats(&api, &cam, "?startDate=2024-02-01&endDate=2024-01-01").await;
    assert_eq!(status, StatusCode::OK, "an end before the start: {empty}");
    assert_eq!(empty["leadTotal"], 0);
}

async fn page(api: &Api<'_>, query: &str) -> (StatusCode, Value) {
    api.call(
        Method::GET,
        &format!("/api/campaigns?version=v2{query}"),
        None,
    )
    .await
}

fn names(page: &Value) -> Vec<&str> {
    page["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

async fn v2_pages_campaigns_with_lemlists_pagination(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let (_, empty) = page(&api, "").await;
    assert_eq!(
        empty,
        json!({"campaigns": [], "pagination": {"page": 1, "limit": 100, "totalRecords": 0, "currentPage": 1, "nextPage": null, "totalPage": 0}})
    );
    for name in ["C1", "C2", "C3", "C4", "C5"] {
        campaign(&api, name).await;
    }

    let (status, first) = page(&api, "&page=1&limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&first), ["C1", "C2"]);
    assert_eq!(
        first["pagination"],
        json!({"page": 1, "limit": 2, "totalRecords": 5, "currentPage": 1, "nextPage": 2, "totalPage": 3})
    );
    let (_, second) = page(&api, "&page=2&limit=2").await;
    assert_eq!(names(&second), ["C3", "C4"]);
    assert_eq!(second["pagination"]["nextPage"], 3);
    let (_, last) = page(&api, "&page=3&limit=2").await;
    assert_eq!(names(&last), ["C5"]);
    assert_eq!(last["pagination"]["nextPage"], Value::Null, "the last page");
    let (status, past) = page(&api, "&page=4&limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&past), Vec::<&str>::new(), "past the end is empty");
    assert_eq!(past["pagination"]["currentPage"], 4);
    assert_eq!(past["pagination"]["totalRecords"], 5);

    let (_, newest) = page(&api, "&limit=1&sortOrder=desc").await;
    assert_eq!(names(&newest), ["C5"], "filters and sort apply to pages");
    let (_, widest) = page(&api, "&limit=100").await;
    assert_eq!(widest["pagination"]["totalPage"], 1);
    assert_eq!(names(&widest).len(), 5);

    let (_, bare) = api.call(Method::GET, "/api/campaigns?limit=2", None).await;
    assert_eq!(
        bare.as_array().map(Vec::len),
        Some(2),
        "without version=v2 the bare array stays"
    );
}

async fn v2_paging_refuses_bad_pages_and_limits(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    campaign(&api, "Only").await;
    for (query, field) in [
        ("&page=0", "page"),
        ("&page=-1", "page"),
        ("&page=two", "page"),
        ("&limit=0", "limit"),
        ("&limit=101", "limit"),
        ("&page=", "page"),
        ("&limit=", "limit"),
        ("&page=+2", "page"),
        ("&page=02", "page"),
        ("&offset=-1", "offset"),
    ] {
        let (status, error) = page(&api, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error["field"], field, "{query}: {error}");
    }
    let never_issued = keydesk::domain::api_key::PlainKey::generate();
    let stranger = app
        .api(Method::GET, "/api/campaigns?version=v9&page=0")
        .bearer_auth(never_issued.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(
        stranger.status(),
        StatusCode::UNAUTHORIZED,
        "the key is checked before the parameters"
    );
    let (status, error) = api
        .call(Method::GET, "/api/campaigns?version=v9", None)
        .await;
    assert_eq!(
        (status, &error["field"]),
        (StatusCode::BAD_REQUEST, &json!("version"))
    );
}

//! Every parameter is read exactly as /api/openapi.json declares it: a value outside
//! the declared type, enum or pattern (an empty one included) is refused with 400 naming
//! the field and changes nothing, and each declared value is served.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    enums_and_integers_refuse_empty_and_undeclared_values,
    campaign_names_and_time_zones_are_checked_exactly,
    emails_and_flags_follow_the_declared_patterns,
    v2_pages_do_not_use_offset,
    one_email_added_six_times_at_once_is_one_lead,
);

async fn refused(api: &Api<'_>, method: Method, path: &str, body: Option<Value>, field: &str) {
    let (status, error) = api.call(method.clone(), path, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {error}");
    assert_eq!(error["field"], field, "{method} {path}: {error}");
}

async fn served(api: &Api<'_>, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, answer) = api.call(method.clone(), path, body).await;
    assert_eq!(status, StatusCode::OK, "{method} {path}: {answer}");
    answer
}

/// A new campaign's id.
async fn campaign(api: &Api<'_>, name: &str) -> String {
    let created = served(
        api,
        Method::POST,
        "/api/campaigns",
        Some(json!({"name": name})),
    )
    .await;
    created["_id"].as_str().unwrap().to_string()
}

async fn enums_and_integers_refuse_empty_and_undeclared_values(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    for (path, field) in [
        ("/api/team?version=", "version"),
        ("/api/team?version=v3", "version"),
        ("/api/campaigns?limit=", "limit"),
        ("/api/campaigns?offset=", "offset"),
        ("/api/campaigns?offset=05", "offset"),
        ("/api/campaigns?limit=%2B5", "limit"),
        ("/api/campaigns?status=", "status"),
        ("/api/campaigns?sortOrder=", "sortOrder"),
        ("/api/campaigns?sortBy=name", "sortBy"),
        ("/api/campaigns?version=v3", "version"),
        ("/api/campaigns?page=null", "page"),
        ("/api/unsubscribes?limit=1.5", "limit"),
        ("/api/leads/ada%40example.com?version=2", "version"),
    ] {
        refused(&api, Method::GET, path, None, field).await;
    }
    served(&api, Method::GET, "/api/team?version=v1", None).await;
    let team = served(&api, Method::GET, "/api/team?version=v2", None).await;
    assert!(team["users"].is_array());
    served(
        &api,
        Method::GET,
        "/api/campaigns?offset=0&limit=1&sortOrder=desc",
        None,
    )
    .await;
}

async fn campaign_names_and_time_zones_are_checked_exactly(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    for (body, field) in [
        (
            json!({"name": "Launch", "timezone": "europe/paris"}),
            "timezone",
        ),
        (
            json!({"name": "Launch", "timezone": "Mars/Olympus_Mons"}),
            "timezone",
        ),
        (json!({"name": "Launch", "timezone": ""}), "timezone"),
        (json!({"name": " \t "}), "name"),
        (json!({"name": "Launch\u{200b}"}), "name"),
        (json!({"name": "Launch\u{7}day"}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
    ] {
        refused(&api, Method::POST, "/api/campaigns", Some(body), field).await;
    }
    let (_, listed) = api.call(Method::GET, "/api/campaigns", None).await;
    assert_eq!(listed, json!([]), "nothing was created");

    let created = served(
        &api,
        Method::POST,
        "/api/campaigns",
        Some(json!({"name": " Lancement été \n", "timezone": "America/Argentina/Buenos_Aires"})),
    )
    .await;
    assert_eq!(created["name"], "Lancement été");
    assert_eq!(created["timezone"], "America/Argentina/Buenos_Aires");
    let default_zone = served(
        &api,
        Method::POST,
        "/api/campaigns",
        Some(json!({"name": "x".repeat(200), "timezone": null})),
    )
    .await;
    assert_eq!(default_zone["timezone"], "Europe/Paris");
}

async fn emails_and_flags_follow_the_declared_patterns(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let cam = campaign(&api, "Q3").await;
    let leads = format!("/api/campaigns/{cam}/leads");
    for email in [
        "%C3%A9%40example.com",
        "ada%40example",
        "ada%40.example.com",
        "ada",
    ] {
        refused(
            &api,
            Method::POST,
            &format!("{leads}/{email}"),
            None,
            "email",
        )
        .await;
        refused(
            &api,
            Method::GET,
            &format!("/api/leads/{email}"),
            None,
            "email",
        )
        .await;
    }
    refused(
        &api,
        Method::POST,
        &format!("{leads}/ada%40example.com?deduplicate=yes"),
        None,
        "deduplicate",
    )
    .await;
    refused(
        &api,
        Method::POST,
        &format!("{leads}/ada%40example.com?deduplicate=1"),
        None,
        "deduplicate",
    )
    .await;
    // A second key: the first has spent most of its 20 requests in 2 seconds.
    let api = Api {
        key: app.create_key("Second").await,
        app: &app,
    };
    refused(
        &api,
        Method::POST,
        &leads,
        Some(json!({"email": "é@example.com"})),
        "email",
    )
    .await;
    let (status, _) = api
        .call(
            Method::POST,
            &format!("{leads}/ada%40example.com"),
            Some(json!({"_id": ["not", "text"]})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a list is refused even under a reserved name"
    );
    let (_, none) = api
        .call(Method::GET, "/api/leads/ada%40example.com", None)
        .await;
    assert_eq!(none["error"], "not_found", "no lead was added: {none}");

    let lead = served(
        &api,
        Method::POST,
        &format!("{leads}/Ada.Lovelace%2Bq3%40Example.com?deduplicate=false"),
        Some(json!({"firstName": "Ada", "score": 7})),
    )
    .await;
    assert_eq!(lead["email"], "ada.lovelace+q3@example.com");
    refused(
        &api,
        Method::DELETE,
        &format!("{leads}/ada.lovelace%2Bq3%40example.com?action="),
        None,
        "action",
    )
    .await;
    refused(
        &api,
        Method::DELETE,
        &format!("{leads}/ada.lovelace%2Bq3%40example.com?action=delete"),
        None,
        "action",
    )
    .await;

    refused(
        &api,
        Method::POST,
        "/api/unsubscribes/%40example",
        None,
        "email",
    )
    .await;
    refused(&api, Method::POST, "/api/unsubscribes/%40", None, "email").await;
    let domain = served(&api, Method::POST, "/api/unsubscribes/%40Example.COM", None).await;
    assert_eq!(domain["value"], "@example.com");
    refused(
        &api,
        Method::POST,
        "/api/leads/pause/not-a-lead",
        None,
        "leadId",
    )
    .await;
}

async fn v2_pages_do_not_use_offset(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    for name in ["One", "Two", "Three"] {
        served(
            &api,
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": name})),
        )
        .await;
    }
    let first = served(&api, Method::GET, "/api/campaigns?version=v2&limit=2", None).await;
    let with_offset = served(
        &api,
        Method::GET,
        "/api/campaigns?version=v2&limit=2&offset=2",
        None,
    )
    .await;
    assert_eq!(first, with_offset, "page 1 either way");
    assert_eq!(first["pagination"]["nextPage"], 2);
}

async fn one_email_added_six_times_at_once_is_one_lead(app: TestApp) {
    let api = Api {
        key: app.set_up_with_key().await,
        app: &app,
    };
    let cam = campaign(&api, "Rush").await;
    let path = format!("/api/campaigns/{cam}/leads/ada%40example.com");
    let add = || api.call(Method::POST, &path, None);
    let answers = tokio::join!(add(), add(), add(), add(), add(), add());
    let statuses = [
        answers.0.0,
        answers.1.0,
        answers.2.0,
        answers.3.0,
        answers.4.0,
        answers.5.0,
    ];
    let added = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    assert_eq!((added, refused), (1, 5), "{statuses:?}");
    let (_, leads) = api
        .call(Method::GET, "/api/leads/ada%40example.com?version=v2", None)
        .await;
    assert_eq!(leads.as_array().map(Vec::len), Some(1), "{leads}");
}

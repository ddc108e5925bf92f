//! How the API takes a key: the ways to send it, each refusal and its reason.

use diesel::prelude::*;
use keydesk::db::schema::api_keys;
use keydesk::domain::key_settings::AllowedIps;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use time::Duration;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    each_way_of_sending_the_key_works,
    each_bad_key_gets_its_own_401_reason,
    read_only_keys_and_ip_allow_lists_are_enforced_without_counting,
    a_deleted_key_is_refused_on_the_very_next_request,
    a_regenerated_keys_old_secret_dies_at_once_or_after_its_grace,
    an_expired_key_is_refused_with_its_date,
    the_key_is_checked_before_anything_else,
    forwarded_addresses_count_only_from_trusted_proxies
        with |c| c.trusted_proxies = AllowedIps::parse("127.0.0.1").unwrap(),
);

/// Status and JSON body of `GET /api/team` with `key` as a Bearer token.
async fn team_answer(app: &TestApp, key: &str) -> (StatusCode, Value) {
    status_and_json(
        app.api(Method::GET, "/api/team")
            .bearer_auth(key)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn each_way_of_sending_the_key_works(app: TestApp) {
    let key = app.set_up_with_key().await;
    let basic = app
        .api(Method::GET, "/api/team")
        .basic_auth("", Some(&key))
        .send()
        .await
        .unwrap();
    let query = app
        .api(Method::GET, &format!("/api/team?access_token={key}"))
        .send()
        .await
        .unwrap();
    let bearer = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    for response in [basic, query, bearer] {
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("x-ratelimit-limit").unwrap(), "20");
        assert!(response.headers().get("x-ratelimit-remaining").is_some());
        assert!(
            response
                .headers()
                .get("x-ratelimit-reset")
                .unwrap()
                .to_str()
                .unwrap()
                .ends_with("GMT")
        );
        let team: Value = response.json().await.unwrap();
        assert_eq!(team["name"], WORKSPACE);
        assert!(team["_id"].as_str().unwrap().starts_with("tea_"));
    }
}

async fn each_bad_key_gets_its_own_401_reason(app: TestApp) {
    let key = app.set_up_with_key().await;
    let mut typo = key.clone().into_bytes();
    typo[8] = if typo[8] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let cases = [
        (None, "missing_key", "No API key was sent"),
        (Some(format!("{key} ")), "key_has_whitespace", "spaces"),
        (
            Some(key[..key.len() - 3].to_string()),
            "key_truncated",
            "Copy the entire key",
        ),
        (Some(typo), "key_bad_checksum", "Copy the entire key"),
        (
            Some(format!("ll_{}", &key[3..])),
            "not_a_keydesk_key",
            "kd_",
        ),
    ];
    for (sent, code, words) in cases {
        let mut request = app.api(Method::GET, "/api/team");
        if let Some(sent) = &sent {
            request = request.basic_auth("", Some(sent));
        }
        let (status, body) = status_and_json(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{code}");
        assert_eq!(body["error"], code);
        assert!(
            body["message"].as_str().unwrap().contains(words),
            "{code}: {body}"
        );
    }
    let garbled = app
        .api(Method::GET, "/api/team")
        .header("authorization", "Basic !!not-base64!!")
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(garbled).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "malformed_authorization");

    // A well-formed key that was never issued.
    let unknown = keydesk::domain::api_key::PlainKey::generate();
    let (status, body) = status_and_json(
        app.api(Method::GET, "/api/team")
            .bearer_auth(unknown.expose())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "key_unknown");
}

async fn read_only_keys_and_ip_allow_lists_are_enforced_without_counting(app: TestApp) {
    app.set_up().await;
    let reader = app
        .create_key_with("Reader", &[("access", "read_only")])
        .await;
    let fenced = app
        .create_key_with("Fenced", &[("allowed_ips", "203.0.113.0/24")])
        .await;
    let local = app
        .create_key_with("Local", &[("allowed_ips", "127.0.0.1")])
        .await;

    assert_eq!(
        app.api(Method::GET, "/api/campaigns")
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let (status, body) = status_and_json(
        app.api(Method::POST, "/api/campaigns")
            .bearer_auth(&reader)
            .json(&serde_json::json!({"name": "X"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "read_only_key");

    for _ in 0..25 {
        let (status, body) = team_answer(&app, &fenced).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "refused, never rate limited");
        assert_eq!(body["error"], "ip_not_allowed");
        assert!(body["message"].as_str().unwrap().contains("127.0.0.1"));
    }
    assert_eq!(app.team_status(&local).await, StatusCode::OK);

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let html = app.get_html("/settings/integrations").await;
    let fenced_row = &html[html.find("<strong>Fenced</strong>").unwrap()..];
    let fenced_row = &fenced_row[..fenced_row.find("</tr>").unwrap()];
    assert!(
        fenced_row.contains("Never used"),
        "refused requests do not move Last used"
    );
}

async fn a_deleted_key_is_refused_on_the_very_next_request(app: TestApp) {
    let key = app.set_up_with_key().await;
    assert_eq!(app.team_status(&key).await, StatusCode::OK);
    let id = app.key_id("Integration").await;
    let delete = format!("/settings/integrations/keys/{id}/delete");
    assert_eq!(app.confirm(&delete).await.status(), StatusCode::SEE_OTHER);
    let (status, body) = team_answer(&app, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "key_unknown");
}

async fn a_regenerated_keys_old_secret_dies_at_once_or_after_its_grace(app: TestApp) {
    let first = app.set_up_with_key().await;
    let id = app.key_id("Integration").await;
    let second = app.regenerate_key(id, "0").await;
    let (status, body) = team_answer(&app, &first).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "key_unknown");
    assert_eq!(app.team_status(&second).await, StatusCode::OK);

    let third = app.regenerate_key(id, "1").await;
    let mut teams = Vec::new();
    for key in [&second, &third] {
        let (status, team) = team_answer(&app, key).await;
        assert_eq!(status, StatusCode::OK, "both work during the grace period");
        teams.push(team);
    }
    // The old secret is not found with its key's row joined to the team, as the current
    // one is, but read in two steps: the answer is the same.
    assert_eq!(teams[0], teams[1]);
    // The grace period ends.
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.find(id))
            .set(api_keys::previous_expires_at.eq(Some(keydesk::db::now() - Duration::seconds(1))))
            .execute(&mut *conn)
            .unwrap();
    }
    let (status, body) = team_answer(&app, &second).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "key_regenerated");
    assert_eq!(app.team_status(&third).await, StatusCode::OK);
}

async fn an_expired_key_is_refused_with_its_date(app: TestApp) {
    let key = app.set_up_with_key().await;
    let id = app.key_id("Integration").await;
    let when = keydesk::db::now() - Duration::minutes(1);
    {
        let mut conn = app.db_conn();
        diesel::update(api_keys::table.find(id))
            .set(api_keys::expires_at.eq(Some(when)))
            .execute(&mut *conn)
            .unwrap();
    }
    let (status, body) = team_answer(&app, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "key_expired");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(&keydesk::format::exact(when))
    );
}

async fn forwarded_addresses_count_only_from_trusted_proxies(app: TestApp) {
    app.set_up().await;
    let key = app
        .create_key_with("Behind proxy", &[("allowed_ips", "203.0.113.0/24")])
        .await;
    let through_proxy = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(
        through_proxy.status(),
        StatusCode::OK,
        "the proxy names an allowed client"
    );
    assert_eq!(
        app.team_status(&key).await,
        StatusCode::FORBIDDEN,
        "the proxy itself is not allowed"
    );

    // A server that trusts no proxy ignores the header: it cannot be spoofed.
    let plain = spawn_app(app.backend)
        .await
        .expect("the same database kind as the first server");
    plain.set_up().await;
    let key = plain
        .create_key_with("Fenced", &[("allowed_ips", "203.0.113.0/24")])
        .await;
    let spoofed = plain
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), StatusCode::FORBIDDEN);
}

async fn the_key_is_checked_before_anything_else(app: TestApp) {
    let key = app.set_up_with_key().await;
    let unknown = keydesk::domain::api_key::PlainKey::generate();
    for path in [
        "/api/campaigns?limit=999",
        "/api/no-such-endpoint",
        "/api/leads/not-an-email",
    ] {
        let (status, body) = status_and_json(
            app.api(Method::GET, path)
                .bearer_auth(unknown.expose())
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["error"], "key_unknown", "{path}");
    }
    let (status, body) = status_and_json(
        app.api(Method::GET, "/api/no-such-endpoint")
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["message"].as_str().unwrap().contains("/docs/api"));
}

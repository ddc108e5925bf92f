//! A known API path asked with a method it does not serve answers 405 with `Allow`
//! (after the key check), walked from the route table; an unknown path stays 404.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    undeclared_methods_answer_405_with_the_allowed_ones with |c| c.rate_limit_requests = 10_000,
);

/// A route's path with its parameters filled with something of the right shape.
fn sample(path: &str) -> String {
    path.split('/')
        .map(|part| match part {
            "{email}" => "ada%40example.com",
            p if p.starts_with('{') => "xyz_123",
            p => p,
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn undeclared_methods_answer_405_with_the_allowed_ones(app: TestApp) {
    let key = app.set_up_with_key().await;
    for route in keydesk::api::ROUTES {
        let mut declared: Vec<String> = keydesk::api::ROUTES
            .iter()
            .filter(|r| r.path == route.path)
            .map(|r| r.method.to_uppercase())
            .collect();
        if declared.contains(&"GET".to_string()) {
            declared.push("HEAD".into());
        }
        let path = format!("/api{}", sample(route.path));
        for method in ["TRACE", "PATCH", "PUT"] {
            let verb = Method::from_bytes(method.as_bytes()).unwrap();
            let response = app
                .api(verb.clone(), &path)
                .bearer_auth(&key)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let allow = response.headers()["allow"].to_str().unwrap().to_string();
            let mut allowed: Vec<String> = allow.split(", ").map(String::from).collect();
            allowed.sort();
            declared.sort();
            assert_eq!(allowed, declared, "{method} {path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "method_not_allowed");
            assert!(body["message"].as_str().unwrap().contains(method));

            let stranger = app.api(verb, &path).send().await.unwrap();
            assert_eq!(
                stranger.status(),
                StatusCode::UNAUTHORIZED,
                "the key comes first"
            );
        }
    }
    let unknown = app
        .api(Method::TRACE, "/api/no-such-thing")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

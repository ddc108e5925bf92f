//! lemlist operations Keydesk does not serve: a JSON 404 naming the operation, after the
//! key is checked, listed on /docs/api and in /api/openapi.json. Walked from the table.

use keydesk::api::unserved::UNSERVED;
use reqwest::{Method, StatusCode};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    each_unserved_operation_answers_a_404_naming_it
        with |c| c.rate_limit_requests = 1000,
    the_docs_and_the_openapi_document_list_the_unserved_operations,
);

fn filled(path: &str) -> String {
    path.replace("{campaignId}", "cam_0000000000000000")
        .replace("{scheduleId}", "skd_0000000000000000")
        .replace("{enrichId}", "enr_0000000000000000")
        .replace("{leadId}", "lea_0000000000000000")
        .replace("{leadIdOrEmail}", "ada%40example.com")
}

async fn each_unserved_operation_answers_a_404_naming_it(app: TestApp) {
    let key = app.set_up_with_key().await;
    assert!(UNSERVED.len() >= 10, "the table is read");
    for op in UNSERVED {
        let method = Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
        let path = format!("/api{}", filled(op.path));
        let what = format!("{method} {path}");

        let (status, error) =
            status_and_json(app.api(method.clone(), &path).send().await.unwrap()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{what}: the key comes first"
        );
        assert_eq!(error["error"], "missing_key", "{what}");

        let (status, error) = status_and_json(
            app.api(method.clone(), &path)
                .basic_auth("", Some(&key))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {error}");
        assert_eq!(error["ok"], false);
        assert_eq!(error["error"], "not_served", "{what}");
        assert_eq!(error["operation"], op.operation, "{what}");
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("Keydesk does not serve")
                && message.contains(op.operation)
                && message.contains(op.reason),
            "{what}: {message}"
        );
    }
    let (status, error) = status_and_json(
        app.api(Method::GET, "/api/nowhere")
            .basic_auth("", Some(&key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &error["error"]),
        (StatusCode::NOT_FOUND, &serde_json::json!("not_found")),
        "an unknown path is not an unserved operation"
    );
}

async fn the_docs_and_the_openapi_document_list_the_unserved_operations(app: TestApp) {
    app.set_up().await;
    let docs = html_unescape(&app.get_html("/docs/api").await);
    assert!(docs.contains("<h2 id=\"not-served\">"));
    let openapi: serde_json::Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let listed = openapi["x-keydesk-unserved"].as_array().unwrap();
    assert_eq!(listed.len(), UNSERVED.len());
    for op in UNSERVED {
        let line = format!(
            "{}: <code>{} /api{}</code></td><td>{}</td>",
            op.operation,
            op.method.to_uppercase(),
            op.path,
            op.reason
        );
        assert!(docs.contains(&line), "/docs/api lists {line}");
        assert!(
            listed.iter().any(|l| l["method"] == op.method
                && l["path"] == op.path
                && l["operation"] == op.operation),
            "openapi lists {} {}",
            op.method,
            op.path
        );
        assert!(
            openapi["paths"][op.path].is_null(),
            "{} is not described as served",
            op.path
        );
    }
}

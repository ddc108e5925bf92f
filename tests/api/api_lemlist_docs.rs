//! /api/openapi.json and /docs/api describe the lemlist operations added for n8n and
//! Airbyte: each parameter they read and each status they answer.

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(the_openapi_document_and_the_docs_describe_the_new_operations);

fn parameter_names(op: &Value) -> Vec<&str> {
    op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

async fn the_openapi_document_and_the_docs_describe_the_new_operations(app: TestApp) {
    app.set_up().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let docs = html_unescape(&app.get_html("/docs/api").await);
    let cases: [(&str, &str, &[&str], &[&str]); 7] = [
        (
            "get",
            "/campaigns",
            &["version", "page", "limit"],
            &["200", "400"],
        ),
        (
            "get",
            "/campaigns/{campaignId}",
            &["campaignId"],
            &["200", "404"],
        ),
        (
            "get",
            "/campaigns/{campaignId}/stats",
            &["campaignId", "startDate", "endDate", "timezone"],
            &["200", "400", "404"],
        ),
        (
            "post",
            "/leads/pause/{leadId}",
            &["leadId", "campaignId"],
            &["200", "400", "404"],
        ),
        (
            "post",
            "/leads/start/{leadId}",
            &["leadId", "campaignId"],
            &["200", "400", "404"],
        ),
        (
            "get",
            "/activities",
            &[
                "type",
                "campaignId",
                "leadId",
                "isFirst",
                "minDate",
                "maxDate",
            ],
            &["200", "400"],
        ),
        (
            "get",
            "/unsubscribes/{email}",
            &["email"],
            &["200", "400", "404"],
        ),
    ];
    for (method, path, parameters, statuses) in cases {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is described");
        let names = parameter_names(op);
        for parameter in parameters {
            assert!(
                names.contains(parameter),
                "{method} {path} takes {parameter}: {names:?}"
            );
        }
        for status in statuses.iter().chain(&["401", "403", "429", "503"]) {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path} answers {status}"
            );
        }
        let shown = format!("{} /api{path}", method.to_uppercase());
        assert!(
            docs.contains(&format!("<code>{shown}</code>")),
            "/docs/api lists {shown}"
        );
    }
    // The limit as the server counts it: a sliding window, on this instance alone.
    for said in [
        "at most <strong>20 requests in any 2 seconds</strong>",
        "counted <strong>per server instance</strong>",
        "On a 429 or a 503 only",
    ] {
        assert!(docs.contains(said), "/docs/api says {said}");
    }
    assert!(doc["components"]["schemas"]["Activity"]["properties"]["metaData"].is_object());
    assert!(doc["components"]["schemas"]["CampaignPage"]["properties"]["pagination"].is_object());
    for example in [
        "get-campaign",
        "campaign-stats",
        "pause-lead",
        "resume-lead",
        "get-unsubscribe",
    ] {
        assert!(
            docs.contains(&format!("data-example=\"{example}\"")),
            "/docs/api has a runnable {example} example"
        );
    }
}

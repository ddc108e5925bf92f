//! Scopes: "Full access", "Read only" or "Custom" (None, Read or Write per resource).
//! Every route of `api::ROUTES` is walked with a key at each level of the resource it
//! governs, so a new route is covered the day it is added; a refusal is 403 JSON that
//! names the scope and the key, is not counted and does not move "Last used". The
//! access is chosen on "Generate", shown in words in the list and by "Check a key",
//! changed with "Edit access" (audited, effective on the next request on every
//! instance) and kept by "Regenerate".

use keydesk::api::{ApiRoute, ROUTES};
use keydesk::domain::scopes::{Level, Resource};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    every_route_answers_each_level_of_the_resource_it_governs
        with |c| c.rate_limit_requests = 1000,
    a_scope_refusal_is_not_counted_and_does_not_move_last_used,
    a_custom_key_is_generated_with_its_scopes_and_shown_in_words,
    bad_access_input_is_refused_beside_the_field_and_kept,
    the_docs_and_the_openapi_document_state_each_operations_scope,
);

/// Form fields, as sent.
type Fields<'a> = &'a [(&'a str, &'a str)];

/// The form fields of a Custom key: `resource` at `level`, every other resource Write.
fn custom_fields(resource: Resource, level: Level) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![("access", "custom")];
    fields.extend(Resource::ALL.into_iter().map(|r| {
        (
            r.field(),
            if r == resource {
                level.as_str()
            } else {
                "write"
            },
        )
    }));
    fields
}

/// One call to `route` with `key`; path parameters filled with values of no record.
async fn call_route(app: &TestApp, route: &ApiRoute, key: &str) -> (StatusCode, serde_json::Value) {
    let path = route
        .path
        .replace("{campaignId}", "cam_0000000000000000")
        .replace("{email}", "probe%40example.com")
        .replace("{leadId}", "lea_0000000000000000");
    let method = Method::from_bytes(route.method.to_uppercase().as_bytes()).unwrap();
    let mut request = app
        .api(method.clone(), &format!("/api{path}"))
        .bearer_auth(key);
    if method == Method::POST {
        request = request.json(&json!({"name": "Scope probe", "email": "probe@example.com"}));
    }
    status_and_json(request.send().await.unwrap()).await
}

async fn every_route_answers_each_level_of_the_resource_it_governs(app: TestApp) {
    app.set_up().await;
    let mut keys = Vec::new();
    for resource in Resource::ALL {
        for level in Level::ALL {
            let name = format!("{resource} {}", level.as_str());
            let key = app
                .create_key_with(&name, &custom_fields(resource, level))
                .await;
            keys.push((resource, level, name, key));
        }
    }
    assert!(ROUTES.len() >= 11, "the route table is read");
    for route in ROUTES {
        let what = format!("{} /api{}", route.method, route.path);
        // "Verify keys" is granted on its own: none of these keys holds it (keys_verify).
        let Some(needs) = route.needs.scope() else {
            continue;
        };
        for (resource, level, name, key) in &keys {
            let (status, body) = call_route(&app, route, key).await;
            let allowed = *resource != needs.resource || *level >= needs.level;
            if allowed {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{what} with {name}: {status} {body}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{what} with {name}: {body}");
                assert_eq!(body["error"], "insufficient_scope", "{what} with {name}");
                let message = body["message"].as_str().unwrap();
                assert!(
                    message.contains(&route.needs.code())
                        && message.contains(&route.needs.words())
                        && message.contains(&format!("\"{name}\"")),
                    "{what} with {name}: the scope, in words too, and the key: {message}"
                );
            }
        }
    }
}

async fn a_scope_refusal_is_not_counted_and_does_not_move_last_used(app: TestApp) {
    app.set_up().await;
    let reader = app
        .create_key_with(
            "Campaign reader",
            &[("access", "custom"), ("scope_campaigns", "read")],
        )
        .await;
    for _ in 0..25 {
        let response = app
            .api(Method::POST, "/api/campaigns")
            .bearer_auth(&reader)
            .json(&json!({"name": "Nope"}))
            .send()
            .await
            .unwrap();
        let headers = response.headers().clone();
        let (status, body) = status_and_json(response).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "refused, never rate limited");
        assert_eq!(body["error"], "insufficient_scope");
        assert_eq!(
            headers.get("x-ratelimit-remaining"),
            headers.get("x-ratelimit-limit"),
            "not counted"
        );
    }
    let (status, campaigns) = status_and_json(
        app.api(Method::GET, "/api/campaigns")
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(campaigns, json!([]), "and nothing was created");

    let untouched = app
        .create_key_with("Untouched", &[("access", "custom"), ("scope_team", "read")])
        .await;
    for _ in 0..3 {
        let response = app
            .api(Method::GET, "/api/activities")
            .bearer_auth(&untouched)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let html = app.get_html("/settings/integrations").await;
    let row = &html[html.find("<strong>Untouched</strong>").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Never used"), "refusals do not move Last used");
    assert!(row.contains("0</span> requests"), "nor count as usage");
}

async fn a_custom_key_is_generated_with_its_scopes_and_shown_in_words(app: TestApp) {
    app.set_up().await;
    let form = app.get_html("/settings/integrations/keys/new").await;
    for label in [">Full access ", ">Read only ", ">Custom "] {
        assert!(form.contains(label), "the form offers {label}");
    }
    for resource in Resource::ALL {
        assert!(
            form.contains(&format!("<legend>{}</legend>", resource.label())),
            "a fieldset for {resource}"
        );
        for level in ["none", "read", "write"] {
            assert!(form.contains(&format!(
                "id=\"{0}-{level}\" name=\"{0}\" value=\"{level}\"",
                resource.field()
            )));
        }
    }
    let key = app
        .create_key_with(
            "Sync",
            &[
                ("access", "custom"),
                ("scope_campaigns", "read"),
                ("scope_leads", "read"),
                ("scope_unsubscribes", "write"),
                ("scope_team", "none"),
            ],
        )
        .await;
    // The Custom fields are on every form but only apply when Custom is chosen.
    app.create_key_with("Everything", &[("access", "full"), ("scope_leads", "none")])
        .await;
    app.create_key_with("Reader", &[("access", "read_only")])
        .await;

    let words = "Read: campaigns, leads · Write: unsubscribes";
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(list.contains(&format!("<span class=\"key-access\">{words}</span>")));
    assert!(list.contains("<span class=\"key-access\">Full access</span>"));
    assert!(list.contains("<span class=\"key-access\">Read only</span>"));

    let api = Api { app: &app, key };
    assert_eq!(
        api.call(Method::GET, "/api/campaigns", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        api.call(Method::GET, "/api/leads/nobody%40example.com", None)
            .await
            .0,
        StatusCode::NOT_FOUND,
        "leads:read passes to the handler"
    );
    assert_eq!(
        api.call(Method::POST, "/api/unsubscribes/x%40example.com", None)
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = api
        .call(Method::POST, "/api/campaigns", Some(json!({"name": "X"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("campaigns:write")
    );
    let (status, body) = api.call(Method::GET, "/api/team", None).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::FORBIDDEN, &json!("insufficient_scope"))
    );
    assert!(body["message"].as_str().unwrap().contains("team:read"));

    let check = app.get_html("/settings/integrations/check").await;
    let verdict = app
        .submit(&check, "/settings/integrations/check", &[("key", &api.key)])
        .await;
    let verdict = html_unescape(&verdict.text().await.unwrap());
    assert!(
        verdict.contains(&format!("Its access: {words}.")),
        "Check a key says it"
    );

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(
        audit.contains(words),
        "the creation's audit entry has the access"
    );
}

async fn bad_access_input_is_refused_beside_the_field_and_kept(app: TestApp) {
    app.set_up().await;
    // (the Custom levels sent, the id of the message's element, the message)
    let cases: [(Fields, &str, &str); 4] = [
        (
            &[("scope_billing", "read"), ("scope_leads", "write")],
            "scopes-error",
            "\"billing\" is not a resource a key can be given",
        ),
        (
            &[("scope_leads", "admin"), ("scope_team", "read")],
            "scope_leads-error",
            "Choose None, Read or Write for leads.",
        ),
        (
            &[("scope_leads", "none"), ("scope_team", "none")],
            "scopes-error",
            "A Custom key needs Read or Write on at least one resource.",
        ),
        (
            &[],
            "access-error",
            "Choose Full access, Read only or Custom.",
        ),
    ];
    for (levels, error_id, message) in cases {
        let form = app.get_html("/settings/integrations/keys/new").await;
        let token = form_token(&form);
        let access = if error_id == "access-error" {
            "owner"
        } else {
            "custom"
        };
        let mut fields = vec![
            ("name", "Kept name"),
            ("note", "Kept note"),
            ("allowed_ips", "203.0.113.7"),
            ("form_token", token.as_str()),
            ("access", access),
        ];
        fields.extend_from_slice(levels);
        let response = app
            .submit(&form, "/settings/integrations/keys", &fields)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let html = html_unescape(&response.text().await.unwrap());
        assert!(
            html.contains(&format!("id=\"{error_id}\">{message}")),
            "{message} beside its field"
        );
        assert!(html.contains("value=\"Kept name\"") && html.contains("value=\"Kept note\""));
        assert!(html.contains(">203.0.113.7</textarea>"));
        if access == "custom" {
            assert!(
                html.contains("value=\"custom\" checked"),
                "Custom stays chosen"
            );
            for (field, level) in levels {
                if field.starts_with("scope_")
                    && keydesk::domain::scopes::Level::parse(level).is_some()
                    && keydesk::domain::scopes::Resource::parse(&field[6..]).is_some()
                {
                    assert!(
                        html.contains(&format!("value=\"{level}\" checked")),
                        "{field}={level} kept"
                    );
                }
            }
        }
    }
    let list = app.get_html("/settings/integrations").await;
    assert!(listed_keys(&list).is_empty(), "no key was made");

    // The same checks on "Edit access", which changes nothing.
    let key = app.create_key("Steady").await;
    let id = app.key_id("Steady").await;
    let path = format!("/settings/integrations/keys/{id}/access");
    let page = app.get_html(&path).await;
    let response = app
        .submit(
            &page,
            &path,
            &[("access", "custom"), ("scope_leads", "superuser")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&response.text().await.unwrap());
    assert!(html.contains("id=\"scope_leads-error\">Choose None, Read or Write for leads."));
    assert!(html.contains("value=\"custom\" checked"));
    let (status, _) = Api { app: &app, key }
        .call(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "Still full"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the key kept its access");
}

async fn the_docs_and_the_openapi_document_state_each_operations_scope(app: TestApp) {
    app.set_up().await;
    let docs = html_unescape(&app.get_html("/docs/api").await);
    assert!(docs.contains("<h2 id=\"scopes\">Scopes</h2>"));
    let openapi: serde_json::Value = app.get("/api/openapi.json").await.json().await.unwrap();
    for route in ROUTES {
        let code = route.needs.code();
        assert!(
            docs.contains(&format!(
                "<code>{} /api{}</code></td><td><code>{code}</code>",
                route.method.to_uppercase(),
                route.path
            )),
            "/docs/api names the scope of {} {}",
            route.method,
            route.path
        );
        let op = &openapi["paths"][route.path][route.method];
        assert_eq!(op["x-keydesk-scope"], code.as_str());
        assert_eq!(op["security"][0]["basicAuth"][0], code.as_str());
        assert!(op["responses"]["403"].is_object());
    }
}

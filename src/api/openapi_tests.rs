//! The OpenAPI document against the route table, and as it is served.

use super::*;

#[test]
fn the_document_lists_exactly_the_registered_routes() {
    let doc = document("http://localhost");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let mut registered: Vec<(String, String)> = crate::api::ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    documented.sort();
    registered.sort();
    assert_eq!(documented, registered);
    assert_eq!(doc["openapi"], "3.1.0");
}

#[test]
fn the_document_is_served_as_built_for_the_server_asked() {
    for server in [
        "http://localhost:8080",
        "https://keys.example.com",
        "http://a\"b\\c",
    ] {
        let served: Value = serde_json::from_str(&serialized(server)).unwrap();
        assert_eq!(served, document(server), "{server}");
    }
    let text = serde_json::to_string(&document(SERVER_MARK)).unwrap();
    assert_eq!(
        text.matches(SERVER_MARK).count(),
        1,
        "the mark is only the URL"
    );
}

#[test]
fn every_operation_states_the_scope_its_route_needs() {
    let doc = document("http://localhost");
    for route in crate::api::ROUTES {
        let op = &doc["paths"][route.path][route.method];
        let code = route.needs.code();
        assert_eq!(
            op["x-keydesk-scope"], code,
            "{} {}",
            route.method, route.path
        );
        assert_eq!(
            op["security"],
            json!([{"basicAuth": [&code]}, {"accessToken": [&code]}, {"bearerAuth": [&code]}]),
            "{} {}",
            route.method,
            route.path
        );
        assert!(
            op["responses"]["403"]["description"]
                .as_str()
                .unwrap()
                .contains(&code)
        );
    }
}

//! `GET /api/openapi.json`: an OpenAPI 3.1 description of the API. A test checks
//! that it lists exactly the routes in `api::ROUTES`.

use std::sync::LazyLock;

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

/// The server's own base URL, as the client reached it.
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub(super) fn paging_params() -> Value {
    json!([
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": super::Paging::MAX_OFFSET, "default": 0}, "description": "Items to skip."},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100}, "description": "Items to return, at most 100."}
    ])
}

pub(super) fn path_param(name: &str, description: &str) -> Value {
    typed_path_param(name, json!({"type": "string"}), description)
}

pub(super) fn typed_path_param(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema, "description": description})
}

/// A required JSON body.
pub(super) fn require_body(mut op: Value) -> Value {
    op["requestBody"]["required"] = json!(true);
    op
}

pub(super) fn query_param(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "schema": schema, "description": description})
}

pub(super) fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

pub(super) fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

pub(super) fn operation(
    summary: &str,
    params: Vec<Value>,
    body: Option<Value>,
    success: Value,
    errors: &[(&str, &str)],
) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert("200".into(), success);
    responses.insert(
        "401".into(),
        error("No key, a malformed key, or an unknown, revoked or expired key."),
    );
    responses.insert("429".into(), error("Rate limit exceeded; see Retry-After."));
    responses.insert(
        "503".into(),
        error("The database cannot be reached right now; try again after Retry-After."),
    );
    for (code, description) in errors {
        responses.insert((*code).into(), error(description));
    }
    let mut op = json!({"summary": summary, "parameters": params, "responses": responses});
    if let Some(body) = body {
        op["requestBody"] =
            json!({"required": false, "content": {"application/json": {"schema": body}}});
    }
    op
}

/// The answer of `POST /keys/verify`: the key's own fields are null when it has no entry
/// in the caller's workspace, `rateLimit` when it was not counted.
fn verification_schema() -> Value {
    let nullable = |t: &str| json!({"type": [t, "null"]});
    json!({"type": "object",
    "required": ["valid", "code", "message", "keyId", "name", "workspace", "scopes", "expires", "rateLimit"],
    "properties": {
        "valid": {"type": "boolean"},
        "code": {"type": "string", "enum": [
            "valid", "missing_key", "key_has_whitespace", "not_a_keydesk_key", "key_truncated", "key_too_long",
            "key_invalid_characters", "key_bad_checksum", "key_unknown", "key_other_workspace", "key_regenerated",
            "key_disabled", "key_expired", "ip_not_allowed", "ip_required", "rate_limited"]},
        "message": {"type": "string"},
        "keyId": nullable("string"),
        "name": nullable("string"),
        "workspace": {"type": ["object", "null"], "required": ["_id", "name"], "properties": {
            "_id": {"type": "string"}, "name": {"type": "string"}}},
        "scopes": {"type": ["array", "null"], "items": {"type": "string"}},
        "expires": {"type": ["string", "null"], "format": "date-time"},
        "rateLimit": {"type": ["object", "null"], "required": ["limit", "remaining", "reset"], "properties": {
            "limit": {"type": "integer", "minimum": 1}, "remaining": {"type": "integer", "minimum": 0},
            "reset": {"type": "string", "format": "date-time"}}}
    }})
}

fn verify_operation() -> Value {
    let body = json!({"type": "object", "required": ["key"], "properties": {
        "key": {"type": "string", "description": "The key your service received, as received."},
        "ip": {"anyOf": [{"type": "string", "format": "ipv4"}, {"type": "string", "format": "ipv6"}, {"type": "null"}],
            "description": "The address its holder called from; needed for keys limited to some addresses."}}});
    let mut op = operation(
        "Verify a key of this workspace",
        vec![],
        Some(body),
        ok(
            "Whether the key is valid (a key that does not work is valid: false with a code, not an error); when valid, counted as its use",
            json!({"$ref": "#/components/schemas/Verification"}),
        ),
        &[(
            "400",
            "The body is not a JSON object with key as a string, or ip is not an address.",
        )],
    );
    op["requestBody"]["required"] = json!(true);
    op
}

/// Each operation's scope, from `api::ROUTES`: its `security` requirement names the
/// scope as a role (OpenAPI 3.1 allows role names for non-OAuth schemes), plus an
/// `x-keydesk-scope` string and the 403 a key without it gets.
fn add_scopes(doc: &mut Value) {
    for route in crate::api::ROUTES {
        let code = route.needs.code();
        let Some(op) = doc["paths"][route.path].get_mut(route.method) else {
            continue;
        };
        op["security"] = json!([
            {"basicAuth": [code]}, {"accessToken": [code]}, {"bearerAuth": [code]}
        ]);
        op["x-keydesk-scope"] = json!(code);
        op["description"] = json!(match route.needs.scope() {
            Some(needs) => format!(
                "Needs the scope `{code}` ({}): Full access keys have it{}; Custom keys need {} or more on {}.",
                needs.words(),
                if needs.level == crate::domain::scopes::Level::Read {
                    ", and so do Read only keys"
                } else {
                    ""
                },
                needs.level.label(),
                needs.resource
            ),
            None => format!(
                "Needs `{code}`: the \"Verify keys\" permission, ticked on its own at \"Generate\" or \"Edit access\", whatever the key's access level."
            ),
        });
        op["responses"]["403"] = error(&match route.needs.scope() {
            Some(_) => format!(
                "The key lacks the scope {code} (error insufficient_scope), is read only (read_only_key), or the request's address is not allowed (ip_not_allowed)."
            ),
            None => format!(
                "The key lacks {code}, the \"Verify keys\" permission (error insufficient_scope), or the request's address is not allowed (ip_not_allowed)."
            ),
        });
    }
}

/// The document, with `server` as the base URL.
pub fn document(server: &str) -> Value {
    let mut doc = paths_and_schemas(server);
    super::openapi_paths::add(&mut doc);
    add_scopes(&mut doc);
    doc
}

fn paths_and_schemas(server: &str) -> Value {
    let value = json!({"type": ["string", "number", "boolean", "null"], "maxLength": 5000,
        "description": "Stored as text (numbers and booleans too); null leaves the variable out."});
    let lead_vars = json!({"type": "object", "maxProperties": 100, "additionalProperties": value,
        "description": "The lead's variables (firstName, lastName, companyName, jobTitle, companyDomain, phone, linkedinUrl, picture, icebreaker or your own); _id, email, campaignId, campaignName and isPaused are not variables and are not stored."});
    let lead_with_email = {
        let mut body = lead_vars.clone();
        body["required"] = json!(["email"]);
        body["properties"] = json!({"email": super::inputs::email_schema()});
        body
    };
    let lead = json!({"$ref": "#/components/schemas/Lead"});
    let activity_schema = json!({"type": "object", "additionalProperties": {}, "description": "The lead's variables (firstName, companyName, custom ones) also appear at the top level.", "properties": {
                    "_id": {"type": "string"}, "type": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"},
                    "teamId": {"type": "string"}, "campaignId": {"type": ["string", "null"]}, "campaignName": {"type": ["string", "null"]},
                    "leadId": {"type": ["string", "null"]}, "leadEmail": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
                    "contactId": {"type": ["string", "null"]}, "sequenceStep": {"type": ["integer", "null"]},
                    "createdBy": {"type": ["string", "null"]}, "userId": {"type": ["string", "null"]}, "isFirst": {"type": "boolean"},
                    "metaData": {"type": "object", "properties": {
                        "teamId": {"type": "string"}, "campaignId": {"type": ["string", "null"]}, "leadId": {"type": ["string", "null"]},
                        "type": {"type": "string"}, "createdBy": {"type": ["string", "null"]}}}}});
    let campaign_id = path_param("campaignId", "A campaign id (cam_…).");
    let email = typed_path_param(
        "email",
        super::inputs::email_schema(),
        "The lead's email address (URL-encode @ as %40).",
    );
    let email_or_domain = typed_path_param(
        "email",
        super::inputs::email_or_domain_schema(),
        "The email address, or a whole domain written @example.com (URL-encode @ as %40).",
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keydesk API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "lemlist-compatible API. Authenticate with HTTP Basic (empty username, the key as password), ?access_token=KEY, or Authorization: Bearer KEY. Rate limit per key and per instance; every response carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset. Each operation needs a scope (x-keydesk-scope, also named in its security requirement): resource:read for GET, resource:write otherwise, over the resources team, campaigns, leads, activities, unsubscribes and hooks. A key without it gets 403 insufficient_scope. POST /keys/verify needs keys:verify instead, the \"Verify keys\" permission, which no access level includes."
        },
        "servers": [{"url": format!("{server}/api")}],
        "security": [{"basicAuth": []}, {"accessToken": []}, {"bearerAuth": []}],
        "components": {
            "securitySchemes": {
                "basicAuth": {"type": "http", "scheme": "basic", "description": "Empty username, the API key as password."},
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "accessToken": {"type": "apiKey", "in": "query", "name": "access_token"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["ok", "error", "message"], "properties": {
                    "ok": {"const": false}, "error": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}},
                "Team": {"type": "object", "properties": {
                    "_id": {"type": "string"}, "name": {"type": "string"}, "userIds": {"type": "array", "items": {"type": "string"}},
                    "createdBy": {"type": ["string", "null"]}, "createdAt": {"type": "string", "format": "date-time"},
                    "users": {"type": "array", "items": {"type": "object"}}}},
                "Campaign": {"type": "object", "properties": {
                    "_id": {"type": "string"}, "name": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}},
                    "timezone": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"},
                    "createdBy": {"type": "string"}, "status": {"type": "string"}}},
                "Lead": {"type": "object", "additionalProperties": {}, "properties": {
                    "_id": {"type": "string"}, "email": {"type": "string"}, "campaignId": {"type": "string"},
                    "campaignName": {"type": "string"}, "isPaused": {"type": "boolean"}, "state": {"type": "string"}}},
                "Activity": activity_schema,
                "LeadV2": {"type": "object", "required": ["_id", "campaign", "variables"], "properties": {
                    "_id": {"type": "string"}, "isPaused": {"type": "boolean"}, "state": {"type": "string"}, "source": {"type": "string"},
                    "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"},
                    "campaign": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string"}}},
                    "variables": {"type": "object", "additionalProperties": {"type": "string"}}}},
                "Hook": {"type": "object", "required": ["_id", "targetUrl"], "properties": {
                    "_id": {"type": "string"}, "targetUrl": {"type": "string", "format": "uri"}, "type": {"type": ["string", "null"]},
                    "createdAt": {"type": "string", "format": "date-time"},
                    "secret": {"type": "string", "description": "Only in the answer to POST /hooks: the signing secret, shown once."}}},
                "Verification": verification_schema(),
                "Unsubscribe": {"type": "object", "properties": {
                    "_id": {"type": "string"}, "value": {"type": "string"}, "source": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}}}
            }
        },
        "paths": {
            "/team": {"get": operation("The workspace (team) of the key", vec![query_param("version", json!({"enum": ["v1", "v2"]}), "v2 adds users.")], None,
                ok("The team", json!({"$ref": "#/components/schemas/Team"})), &[("400", "A bad parameter.")])},
            "/campaigns": {
                "get": operation("List campaigns", {
                    let mut p = paging_params().as_array().cloned().unwrap_or_default();
                    p.push(query_param("status", json!({"enum": ["running", "draft", "archived", "ended", "paused", "errors"]}), "Only campaigns with this status."));
                    p.push(query_param("sortBy", json!({"enum": ["createdAt"]}), "Sort field."));
                    p.push(query_param("sortOrder", json!({"enum": ["asc", "desc"]}), "Sort order (asc by default)."));
                    p.push(query_param("createdBy", json!({"type": "string"}), "Only campaigns created by this user (usr_…)."));
                    p.push(query_param("version", json!({"enum": ["v1", "v2"]}), "v2 answers lemlist's page shape {campaigns, pagination} and pages with page and limit instead of offset."));
                    p.push(query_param("page", json!({"type": "integer", "minimum": 1, "maximum": 10_000_000, "default": 1}), "With version=v2: the page, from 1 (offset is not used then). A page past the end is empty."));
                    p
                }, None, ok("Campaigns: an array, or with version=v2 {campaigns, pagination}", json!({"oneOf": [
                    {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
                    {"$ref": "#/components/schemas/CampaignPage"}
                ]})), &[("400", "A bad parameter.")]),
                "post": require_body(operation("Create a campaign", vec![], Some(json!({"type": "object", "required": ["name"], "properties": {
                        "name": super::inputs::name_schema(200),
                        "timezone": {"anyOf": [super::inputs::time_zone_schema(), {"type": "null"}], "description": "An IANA time zone name (Europe/Paris when left out)."}}})),
                    ok("The new campaign", json!({"$ref": "#/components/schemas/Campaign"})), &[("400", "Missing or bad name or timezone."), ("403", "Read-only key or address not allowed.")]))
            },
            "/campaigns/{campaignId}/leads": {
                "post": require_body(operation("Add a lead, email in the body", vec![campaign_id.clone(), query_param("deduplicate", json!({"type": "boolean"}), "Refuse (409) if the email is in another campaign.")],
                    Some(lead_with_email), ok("The lead", lead.clone()), &[("400", "Bad email, bad body, or lead already in the campaign."), ("403", "Read-only key or address not allowed."), ("404", "Campaign not found."), ("409", "Lead already in another campaign (deduplicate).")]))
            },
            "/campaigns/{campaignId}/leads/{email}": {
                "post": operation("Add a lead to a campaign", vec![campaign_id.clone(), email.clone(), query_param("deduplicate", json!({"type": "boolean"}), "Refuse (409) if the email is in another campaign.")],
                    Some(lead_vars), ok("The lead", lead.clone()), &[("400", "Bad email, bad body, or lead already in the campaign."), ("403", "Read-only key or address not allowed."), ("404", "Campaign not found."), ("409", "Lead already in another campaign (deduplicate).")]),
                "delete": operation("Unsubscribe a lead from a campaign, or delete it with action=remove", vec![campaign_id, email.clone(), query_param("action", json!({"enum": ["remove"]}), "remove deletes the lead.")],
                    None, ok("The lead", lead.clone()), &[("400", "Bad email or action."), ("403", "Read-only key or address not allowed."), ("404", "Campaign or lead not found.")])
            },
            "/leads/{email}": {"get": operation("Find a lead by email", vec![email.clone(), query_param("version", json!({"enum": ["v1", "v2"]}), "v2 returns one entry per campaign.")],
                None, ok("The newest lead with this email (v2: an array, one entry per campaign)", json!({"oneOf": [lead, {"type": "array", "items": {"$ref": "#/components/schemas/LeadV2"}}]})), &[("400", "Bad email or version."), ("404", "Lead not found.")])},
            "/activities": {"get": operation("List activities, newest first", {
                let mut p = paging_params().as_array().cloned().unwrap_or_default();
                p.push(query_param("type", json!({"enum": super::activities::KEYDESK_TYPES.iter().chain(super::activities::LEMLIST_TYPES).collect::<Vec<_>>()}), "leadAdded, leadRemoved, apiUnsubscribed, variableUnsubscribed, variableSubscribed, paused or resumed (lemlist's other types match nothing)."));
                p.push(query_param("campaignId", json!({"type": "string"}), "Only this campaign."));
                p.push(query_param("leadId", json!({"type": "string"}), "Only this lead."));
                p.push(query_param("isFirst", json!({"type": "boolean"}), "true: only each lead's first activity of its type; false: only the others."));
                let date = super::inputs::date_schema();
                p.push(query_param("minDate", date.clone(), "Only activities created at or after this date (startDate is an alias)."));
                p.push(query_param("maxDate", date.clone(), "Only activities created at or before this date; a plain date includes the whole day (endDate is an alias)."));
                p.push(query_param("startDate", date.clone(), "Alias of minDate."));
                p.push(query_param("endDate", date, "Alias of maxDate."));
                p
            }, None, ok("Activities, newest first (none when maxDate is before minDate)", json!({"type": "array", "items": {"$ref": "#/components/schemas/Activity"}})), &[("400", "A bad parameter.")])},
            "/unsubscribes": {"get": operation("List unsubscribed emails and domains", paging_params().as_array().cloned().unwrap_or_default(), None,
                ok("Unsubscribes", json!({"type": "array", "items": {"$ref": "#/components/schemas/Unsubscribe"}})), &[("400", "A bad parameter.")])},
            "/hooks": {
                "get": operation("List webhooks", vec![], None, ok("Hooks", json!({"type": "array", "items": {"$ref": "#/components/schemas/Hook"}})), &[]),
                "post": require_body(operation("Add a webhook: each matching activity is POSTed to targetUrl, signed with the secret in this answer (Keydesk-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">)",
                    vec![], Some(json!({"type": "object", "required": ["targetUrl"], "properties": {"targetUrl": {"type": "string", "format": "uri"}, "type": {"anyOf": [{"enum": super::hooks::event_types()}, {"enum": ["", null]}], "description": "One activity type; every event when left out, empty or null."}}})),
                    ok("The new hook, with its secret (shown once)", json!({"$ref": "#/components/schemas/Hook"})), &[("400", "Missing or bad targetUrl (a host that does not resolve, or resolves to a private, loopback or link-local address unless the operator allows them), or an unknown type."), ("403", "Read-only key or address not allowed.")]))
            },
            "/hooks/{hookId}": {
                "delete": operation("Delete a webhook", vec![path_param("hookId", "A hook id (hoo_…).")], None, ok("The deleted hook", json!({"$ref": "#/components/schemas/Hook"})), &[("403", "Read-only key or address not allowed."), ("404", "Hook not found, or not made by the key owner's keys (a member's key; an admin's key deletes any hook).")])
            },
            "/keys/verify": {"post": verify_operation()},
            "/unsubscribes/{email}": {
                "post": operation("Unsubscribe an email (or @domain)", vec![email_or_domain.clone()], None, ok("The entry", json!({"$ref": "#/components/schemas/Unsubscribe"})), &[("400", "Bad email or domain."), ("403", "Read-only key or address not allowed.")]),
                "delete": operation("Remove an email from the unsubscribe list", vec![email_or_domain], None, ok("The removed entry", json!({"$ref": "#/components/schemas/Unsubscribe"})), &[("400", "Bad email or domain."), ("403", "Read-only key or address not allowed."), ("404", "Unsubscribe not found.")])
            }
        }
    })
}

pub async fn openapi_json(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(serialized(&base_url(&req)))
}

/// `document(server)` as JSON text. Only the server URL (from the request's Host) differs
/// from one request to the next, so the rest is built and serialized once: building it
/// took about a millisecond of CPU, on a path anyone may call.
fn serialized(server: &str) -> String {
    static AROUND_SERVER: LazyLock<(String, String)> = LazyLock::new(|| {
        let text = serde_json::to_string(&document(SERVER_MARK)).expect("the document serializes");
        let mark = format!("\"{SERVER_MARK}/api\"");
        let at = text.find(&mark).expect("the document names its server");
        (text[..at].to_string(), text[at + mark.len()..].to_string())
    });
    let (before, after) = &*AROUND_SERVER;
    let url = Value::String(format!("{server}/api")).to_string();
    [before.as_str(), &url, after].concat()
}

const SERVER_MARK: &str = "https://server.keydesk.invalid";

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;

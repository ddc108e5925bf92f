//! The OpenAPI description of the lemlist operations added with campaign stats, one
//! campaign, one unsubscribe, pausing and resuming leads, and the list of lemlist
//! operations Keydesk does not serve (`x-keydesk-unserved`).

use serde_json::{Value, json};

use super::inputs;
use super::openapi::{error, ok, operation, path_param, query_param, typed_path_param};

/// Adds the operations and schemas to `doc` (built by `openapi::document`).
pub fn add(doc: &mut Value) {
    let campaign_id = path_param("campaignId", "A campaign id (cam_…).");
    let lead_id = typed_path_param(
        "leadId",
        json!({"anyOf": [{"type": "string", "pattern": "^lea_"}, inputs::email_schema()]}),
        "A lead id (lea_…) or the lead's email address (URL-encode @ as %40).",
    );
    let only_campaign = query_param(
        "campaignId",
        json!({"type": "string"}),
        "Only in this campaign (cam_…); every campaign of the lead otherwise.",
    );
    let date =
        |name: &str, description: &str| query_param(name, inputs::date_schema(), description);
    let paused = ok(
        "The leads concerned, each with isPaused",
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Lead"}}),
    );
    let lead_errors = [
        ("400", "leadId is neither a lead id nor an email address."),
        ("404", "Lead or campaign not found."),
    ];
    let paths = &mut doc["paths"];
    paths["/campaigns/{campaignId}"] = json!({"get": operation(
        "Get a campaign",
        vec![campaign_id.clone()],
        None,
        ok("The campaign", json!({"$ref": "#/components/schemas/Campaign"})),
        &[("404", "Campaign not found.")],
    )});
    paths["/campaigns/{campaignId}/stats"] = json!({"get": operation(
        "Get a campaign's stats, over the leads added within the window",
        vec![
            campaign_id,
            date("startDate", "From this date (2024-01-31), date-time (2024-01-07T22:00:00.000Z) or Unix time in milliseconds."),
            date("endDate", "Up to this date; a plain date includes the whole day."),
            query_param("timezone", inputs::time_zone_schema(), "An IANA time zone name such as Europe/Paris: dates and date-times without an offset are read in it (UTC by default)."),
        ],
        None,
        ok("The stats", json!({"$ref": "#/components/schemas/CampaignStats"})),
        &[("400", "A bad date or an unknown timezone (an end before the start is an empty window)."), ("404", "Campaign not found.")],
    )});
    paths["/leads/pause/{leadId}"] = json!({"post": operation(
        "Pause a lead",
        vec![lead_id.clone(), only_campaign.clone()],
        None,
        paused.clone(),
        &lead_errors,
    )});
    paths["/leads/start/{leadId}"] = json!({"post": operation(
        "Resume a paused lead (a lead unsubscribed from its campaign, or on the unsubscribe list, stays paused)",
        vec![lead_id, only_campaign],
        None,
        paused,
        &lead_errors,
    )});
    paths["/unsubscribes/{email}"]["get"] = operation(
        "Get an unsubscribed email (or @domain)",
        vec![typed_path_param(
            "email",
            inputs::email_or_domain_schema(),
            "The email address or @domain (URL-encode @ as %40).",
        )],
        None,
        ok(
            "The entry",
            json!({"$ref": "#/components/schemas/Unsubscribe"}),
        ),
        &[
            ("400", "Bad email or domain."),
            ("404", "Unsubscribe not found."),
        ],
    );

    let schemas = &mut doc["components"]["schemas"];
    schemas["CampaignPage"] = json!({"type": "object", "required": ["campaigns", "pagination"], "properties": {
        "campaigns": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
        "pagination": {"type": "object", "properties": {
            "page": {"type": "integer"}, "limit": {"type": "integer"}, "totalRecords": {"type": "integer"},
            "currentPage": {"type": "integer"}, "nextPage": {"type": ["integer", "null"]}, "totalPage": {"type": "integer"}}}}});
    schemas["CampaignStats"] = json!({"type": "object", "properties": {
        "campaignId": {"type": "string"},
        "startDate": {"type": ["string", "null"], "format": "date-time"},
        "endDate": {"type": ["string", "null"], "format": "date-time"},
        "leadTotal": {"type": "integer", "description": "Leads added within the window and still in the campaign."},
        "leadToLaunch": {"type": "integer", "description": "Of those, neither paused nor stopped."},
        "leadPaused": {"type": "integer", "description": "Of those, paused."},
        "leadCompleted": {"type": "integer", "description": "Of those, unsubscribed from the campaign."}}});
    for field in ["teamId", "hasError", "errors", "senders"] {
        let kind = match field {
            "hasError" => json!({"type": "boolean"}),
            "teamId" => json!({"type": "string"}),
            _ => json!({"type": "array", "items": {}}),
        };
        schemas["Campaign"]["properties"][field] = kind;
    }

    doc["x-keydesk-unserved"] = Value::Array(
        super::unserved::UNSERVED
            .iter()
            .map(|op| {
                json!({
                    "method": op.method,
                    "path": op.path,
                    "operation": op.operation,
                    "reason": op.reason,
                    "response": error("404 not_served, naming the operation."),
                })
            })
            .collect(),
    );
}

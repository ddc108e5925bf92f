//! `/docs/api`: how to call the API, with examples in cURL, JavaScript and Python
//! generated from one list, so all three always agree (a test runs the cURL ones).

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::api::ApiRoute;
use crate::api::openapi::base_url;
use crate::api::unserved::Unserved;
use crate::app::AppState;
use crate::error::AppError;
use crate::templates::render;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/docs/api", web::get().to(api_docs));
}

/// Placeholders the reader replaces.
pub const KEY_PLACEHOLDER: &str = "YOUR_API_KEY";
pub const CAMPAIGN_PLACEHOLDER: &str = "CAMPAIGN_ID";
pub const VERIFY_PLACEHOLDER: &str = "KEY_TO_VERIFY";

struct Example {
    id: &'static str,
    method: &'static str,
    path: &'static str,
    title: &'static str,
    description: &'static str,
    /// A JSON body, written with string values only (valid in JS and Python too).
    body: Option<&'static str>,
}

const EXAMPLES: &[Example] = &[
    Example {
        id: "team",
        method: "GET",
        path: "/api/team",
        title: "Get your team",
        description: "The workspace the key belongs to: `_id`, `name`, `userIds`, `createdBy`, `createdAt`. Add `?version=v2` for the members' names, emails and roles. Integrations call it to test the connection.",
        body: None,
    },
    Example {
        id: "list-campaigns",
        method: "GET",
        path: "/api/campaigns?offset=0&limit=100",
        title: "List campaigns",
        description: "A JSON array, oldest first. Filters: `status` (running, draft, archived, ended, paused, errors), `createdBy`, `sortBy=createdAt`, `sortOrder` (asc, desc). With `?version=v2`, lemlist's page shape instead: `{campaigns, pagination: {page, limit, totalRecords, currentPage, nextPage, totalPage}}`, paged by `page` (from 1) and `limit` (1 to 100); a page past the end is empty, and `nextPage` is null on the last page.",
        body: None,
    },
    Example {
        id: "create-campaign",
        method: "POST",
        path: "/api/campaigns",
        title: "Create a campaign",
        description: "`name` is required; `timezone` is optional (default Europe/Paris). Answers with the new campaign and its `_id` (cam_…).",
        body: Some(r#"{"name": "Q4 outreach", "timezone": "Europe/Paris"}"#),
    },
    Example {
        id: "get-campaign",
        method: "GET",
        path: "/api/campaigns/CAMPAIGN_ID",
        title: "Get a campaign",
        description: "lemlist's campaign object: `_id`, `name`, `labels`, `status`, `timezone`, `createdAt`, `createdBy`, `teamId`, `hasError`, `errors`, `senders`. 404 when there is no such campaign in your workspace.",
        body: None,
    },
    Example {
        id: "campaign-stats",
        method: "GET",
        path: "/api/campaigns/CAMPAIGN_ID/stats?startDate=2024-01-01&endDate=2099-12-31&timezone=Europe/Paris",
        title: "Get a campaign's stats",
        description: "Counts over the leads added between `startDate` and `endDate` (both optional; a date such as `2024-01-31`, a date-time such as `2024-01-07T22:00:00.000Z`, or Unix time in milliseconds; a plain date is a whole day) and still in the campaign: `leadTotal`, `leadToLaunch` (neither paused nor stopped), `leadPaused`, `leadCompleted` (unsubscribed from the campaign). Dates and date-times without an offset are read in `timezone` (an IANA name, UTC by default). Keydesk sends no messages, so lemlist's message counters are not part of the answer.",
        body: None,
    },
    Example {
        id: "add-lead",
        method: "POST",
        path: "/api/campaigns/CAMPAIGN_ID/leads/ada%40example.com",
        title: "Add a lead to a campaign",
        description: "The body holds the lead's variables: `firstName`, `lastName`, `companyName`, `jobTitle`, `companyDomain`, `phone`, `linkedinUrl`, `picture`, `icebreaker`, and any custom ones (strings). `?deduplicate=true` refuses (409) an email already in another campaign. A lead already in the campaign gets 400; an unsubscribed email gets 400; an unknown campaign gets 404. You may also POST to `/api/campaigns/CAMPAIGN_ID/leads` with `email` in the body.",
        body: Some(
            r#"{"firstName": "Ada", "lastName": "Lovelace", "companyName": "Analytical Engines"}"#,
        ),
    },
    Example {
        id: "get-lead",
        method: "GET",
        path: "/api/leads/ada%40example.com",
        title: "Find a lead by email",
        description: "The newest lead with this email, flat. With `?version=v2`, an array with one entry per campaign, variables under `variables`. 404 when there is none.",
        body: None,
    },
    Example {
        id: "pause-lead",
        method: "POST",
        path: "/api/leads/pause/ada%40example.com?campaignId=CAMPAIGN_ID",
        title: "Pause a lead",
        description: "The lead is named by its `_id` (lea_…) or its email; without `campaignId` it is paused in every campaign. Answers the array of leads concerned, each with `isPaused`, and records a `paused` activity for each lead it changed. 404 when there is no such lead (or campaign).",
        body: None,
    },
    Example {
        id: "resume-lead",
        method: "POST",
        path: "/api/leads/start/ada%40example.com?campaignId=CAMPAIGN_ID",
        title: "Resume a lead",
        description: "Like pausing, the other way, with a `resumed` activity. A lead unsubscribed from its campaign, or whose email is on the unsubscribe list, stays paused.",
        body: None,
    },
    Example {
        id: "activities",
        method: "GET",
        path: "/api/activities?type=leadAdded&limit=10",
        title: "List activities",
        description: "Newest first, in lemlist's shape: `_id`, `type`, `createdAt`, `campaignId`, `leadId`, `leadEmail`, `contactId` (one per person), `sequenceStep`, `createdBy` and `userId` (the member whose key made it), `isFirst`, `metaData` (`teamId`, `campaignId`, `leadId`, `type`, `createdBy`), and the lead's variables at the top level. Keydesk records `leadAdded`, `leadRemoved`, `apiUnsubscribed` (lead stopped in a campaign), `paused`, `resumed`, `variableUnsubscribed` (unsubscribe list: one per lead of that email, tied to its campaign) and `variableSubscribed`. Filters: `type`, `campaignId`, `leadId`, `isFirst` (true: each lead's first activity of its type), `minDate` and `maxDate` (or `startDate` and `endDate`; dates as for campaign stats, in UTC when without an offset, both ends included), `offset`, `limit`.",
        body: None,
    },
    Example {
        id: "remove-lead",
        method: "DELETE",
        path: "/api/campaigns/CAMPAIGN_ID/leads/ada%40example.com",
        title: "Unsubscribe or remove a lead",
        description: "Stops the lead in that campaign (it stays, paused). Add `?action=remove` to delete it. 404 when the campaign or lead does not exist.",
        body: None,
    },
    Example {
        id: "add-unsubscribe",
        method: "POST",
        path: "/api/unsubscribes/bob%40example.com",
        title: "Unsubscribe an email",
        description: "Adds an email, or a whole domain written `@example.com`, to the unsubscribe list. Adding one that is already there returns its entry.",
        body: None,
    },
    Example {
        id: "get-unsubscribe",
        method: "GET",
        path: "/api/unsubscribes/bob%40example.com",
        title: "Get an unsubscribed email",
        description: "The entry (`_id`, `value`, `source`, `createdAt`) of an email or `@domain` on the list; 404 when it is not there.",
        body: None,
    },
    Example {
        id: "list-unsubscribes",
        method: "GET",
        path: "/api/unsubscribes?limit=100",
        title: "List unsubscribes",
        description: "Newest first: `_id`, `value`, `source`, `createdAt`.",
        body: None,
    },
    Example {
        id: "remove-unsubscribe",
        method: "DELETE",
        path: "/api/unsubscribes/bob%40example.com",
        title: "Remove from the unsubscribe list",
        description: "404 when the email is not on the list.",
        body: None,
    },
    Example {
        id: "add-hook",
        method: "POST",
        path: "/api/hooks",
        title: "Add a webhook",
        description: "`targetUrl` is required; `type` (one activity type, such as `leadAdded`) is optional: without it the hook gets every event. The answer holds the hook's `_id` (hoo_…) and its signing `secret`, shown this once. Private, loopback and link-local targets are refused unless the operator allows them. The Webhooks section above shows how to check a delivery.",
        body: Some(r#"{"targetUrl": "https://hooks.example.com/keydesk", "type": "leadAdded"}"#),
    },
    Example {
        id: "list-hooks",
        method: "GET",
        path: "/api/hooks",
        title: "List webhooks",
        description: "Each hook's `_id`, `targetUrl`, `type` and `createdAt` (never its secret): every hook of the workspace for an admin's key, and for a member's key the hooks made by that member or their keys.",
        body: None,
    },
    Example {
        id: "delete-hook",
        method: "DELETE",
        path: "/api/hooks/HOOK_ID",
        title: "Delete a webhook",
        description: "Answers with the deleted hook; 404 when there is none with this `_id`. A member's key deletes only hooks made by that member or their keys (an admin's key: any), and gets the same 404 for any other. Deliveries still queued for it are dropped.",
        body: None,
    },
    Example {
        id: "verify-key",
        method: "POST",
        path: "/api/keys/verify",
        title: "Verify a key for your own service",
        description: "Your key needs \"Verify keys\". Send the key your service received as `key` (and `ip`, the address it came from, for keys limited to some addresses). Answers `valid`, `code`, `message`, `keyId`, `name`, `workspace`, `scopes`, `expires` and `rateLimit`; a valid answer counts as the verified key's use. See Verify keys above.",
        body: Some(r#"{"key": "KEY_TO_VERIFY"}"#),
    },
];

/// An endpoint as rendered: the three snippets ready to copy.
pub struct RenderedExample {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub title: &'static str,
    /// The scope the route needs, e.g. "campaigns:read".
    pub scope: String,
    /// HTML: the text escaped, with `backticks` turned into <code> spans.
    pub description: String,
    pub curl: String,
    pub javascript: String,
    pub python: String,
}

fn render_example(e: &Example, base: &str) -> RenderedExample {
    let url = format!("{base}{}", e.path);
    let mut curl = format!("curl -s --user \":{KEY_PLACEHOLDER}\"");
    if e.method != "GET" {
        curl.push_str(&format!(" -X {}", e.method));
    }
    if let Some(body) = e.body {
        curl.push_str(&format!(
            " \\\n  -H \"Content-Type: application/json\" \\\n  -d '{body}'"
        ));
    }
    curl.push_str(&format!(" \\\n  \"{url}\""));

    let mut options = format!(
        "  method: \"{}\",\n  headers: {{\n    Authorization: \"Basic \" + btoa(\":{KEY_PLACEHOLDER}\"),\n",
        e.method
    );
    if e.body.is_some() {
        options.push_str("    \"Content-Type\": \"application/json\",\n");
    }
    options.push_str("  },\n");
    if let Some(body) = e.body {
        options.push_str(&format!("  body: JSON.stringify({body}),\n"));
    }
    let javascript = format!(
        "const response = await fetch(\"{url}\", {{\n{options}}});\nconsole.log(response.status, await response.json());"
    );

    let mut args = format!("\"{url}\", auth=(\"\", \"{KEY_PLACEHOLDER}\")");
    if let Some(body) = e.body {
        args.push_str(&format!(", json={body}"));
    }
    let python = format!(
        "import requests\n\nresponse = requests.{}({args})\nprint(response.status_code, response.json())",
        e.method.to_lowercase()
    );

    RenderedExample {
        id: e.id,
        method: e.method,
        path: e.path,
        title: e.title,
        scope: route_of(e.method, e.path)
            .map(|route| route.needs.code())
            .unwrap_or_default(),
        description: code_spans(e.description),
        curl,
        javascript,
        python,
    }
}

/// The route of the table an example calls (path parameters filled in, query ignored).
fn route_of(method: &str, example_path: &str) -> Option<&'static ApiRoute> {
    let path = example_path
        .split('?')
        .next()
        .unwrap_or_default()
        .trim_start_matches("/api");
    crate::api::ROUTES.iter().find(|r| {
        r.method.eq_ignore_ascii_case(method)
            && r.path.split('/').count() == path.split('/').count()
            && r.path
                .split('/')
                .zip(path.split('/'))
                .all(|(r, p)| r.starts_with('{') || r == p)
    })
}

/// One line of the "Scopes" table: an operation and the scope it needs.
pub struct ScopeRow {
    pub method: String,
    pub path: String,
    pub scope: String,
}

/// Escapes `text` for HTML and renders `spans` in backticks as code.
fn code_spans(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    escaped
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "docs/api.html")]
struct ApiDocsTemplate {
    base: String,
    key_placeholder: &'static str,
    verify_placeholder: &'static str,
    limit: u32,
    window_secs: u64,
    /// The instances share one budget per key (in Redis).
    shared_limit: bool,
    examples: Vec<RenderedExample>,
    scopes: Vec<ScopeRow>,
    unserved: &'static [Unserved],
}

async fn api_docs(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let base = base_url(&req);
    render(&ApiDocsTemplate {
        examples: EXAMPLES.iter().map(|e| render_example(e, &base)).collect(),
        scopes: crate::api::ROUTES
            .iter()
            .map(|r| ScopeRow {
                method: r.method.to_uppercase(),
                path: format!("/api{}", r.path),
                scope: r.needs.code(),
            })
            .collect(),
        unserved: crate::api::unserved::UNSERVED,
        base,
        key_placeholder: KEY_PLACEHOLDER,
        verify_placeholder: VERIFY_PLACEHOLDER,
        limit: state.config.rate_limit_requests,
        window_secs: state.config.rate_limit_window.as_secs(),
        shared_limit: state.rate_limiter.uses_redis(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_endpoint_is_a_registered_route() {
        for e in EXAMPLES {
            assert!(
                route_of(e.method, e.path).is_some(),
                "{} {} is not a route",
                e.method,
                e.path
            );
        }
    }

    #[test]
    fn backticks_become_code_and_markup_is_escaped() {
        assert_eq!(
            code_spans("Use `a<b>` & go"),
            "Use <code>a&lt;b&gt;</code> &amp; go"
        );
    }

    #[test]
    fn the_three_examples_carry_the_same_request() {
        let r = render_example(&EXAMPLES[2], "http://127.0.0.1:8080");
        assert!(r.curl.contains("--user \":YOUR_API_KEY\"") && r.curl.contains("-X POST"));
        assert!(
            r.javascript.contains("btoa(\":YOUR_API_KEY\")")
                && r.javascript.contains("method: \"POST\"")
        );
        assert!(
            r.python.contains("requests.post(")
                && r.python.contains("auth=(\"\", \"YOUR_API_KEY\")")
        );
        for snippet in [&r.curl, &r.javascript, &r.python] {
            assert!(snippet.contains("http://127.0.0.1:8080/api/campaigns"));
            assert!(snippet.contains("Q4 outreach"));
        }
    }
}

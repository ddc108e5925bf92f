//! lemlist operations that have no meaning in Keydesk (credits, senders, schedules,
//! sequences, enrichment, reply tracking, ...). Each answers, once the key is checked,
//! a JSON 404 that names the operation and says why Keydesk does not serve it, so that
//! an integration's log tells its owner what happened instead of "no such endpoint".
//! `/docs/api` and `/api/openapi.json` (`x-keydesk-unserved`) list them.

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

use super::auth::ApiCall;
use super::error::ApiError;

/// One lemlist operation Keydesk does not serve.
#[derive(Debug, Clone, Copy)]
pub struct Unserved {
    /// Lower case, like `api::ROUTES`.
    pub method: &'static str,
    /// Under `/api`, as lemlist writes it.
    pub path: &'static str,
    /// lemlist's name for the operation.
    pub operation: &'static str,
    /// Why Keydesk has nothing to answer, in one sentence.
    pub reason: &'static str,
}

const NO_SENDING: &str =
    "Keydesk sends no messages, so its campaigns have no senders, schedules, sequences or runs.";
const NO_ENRICHMENT: &str = "Keydesk holds no enrichment or people data.";
const NO_REPLIES: &str = "Keydesk tracks no replies, so a lead cannot be marked interested or not.";

pub const UNSERVED: &[Unserved] = &[
    Unserved {
        method: "get",
        path: "/team/credits",
        operation: "Get team credits",
        reason: "Keydesk has no credits: it enriches nothing and bills nothing.",
    },
    Unserved {
        method: "get",
        path: "/team/senders",
        operation: "Get team senders",
        reason: NO_SENDING,
    },
    Unserved {
        method: "get",
        path: "/schedules",
        operation: "Get many schedules",
        reason: NO_SENDING,
    },
    Unserved {
        method: "get",
        path: "/schedules/{scheduleId}",
        operation: "Get a schedule",
        reason: NO_SENDING,
    },
    Unserved {
        method: "get",
        path: "/campaigns/{campaignId}/schedules",
        operation: "Get a campaign's schedules",
        reason: NO_SENDING,
    },
    Unserved {
        method: "get",
        path: "/campaigns/{campaignId}/sequences",
        operation: "Get a campaign's sequences",
        reason: NO_SENDING,
    },
    Unserved {
        method: "post",
        path: "/campaigns/{campaignId}/start",
        operation: "Start a campaign",
        reason: NO_SENDING,
    },
    Unserved {
        method: "post",
        path: "/campaigns/{campaignId}/pause",
        operation: "Pause a campaign",
        reason: NO_SENDING,
    },
    Unserved {
        method: "post",
        path: "/enrich",
        operation: "Enrich a person",
        reason: NO_ENRICHMENT,
    },
    Unserved {
        method: "get",
        path: "/enrich/{enrichId}",
        operation: "Get an enrichment result",
        reason: NO_ENRICHMENT,
    },
    Unserved {
        method: "post",
        path: "/leads/{leadId}/enrich",
        operation: "Enrich a lead",
        reason: NO_ENRICHMENT,
    },
    Unserved {
        method: "post",
        path: "/database/people",
        operation: "Search the people database",
        reason: NO_ENRICHMENT,
    },
    Unserved {
        method: "post",
        path: "/leads/interested/{leadIdOrEmail}",
        operation: "Mark a lead as interested",
        reason: NO_REPLIES,
    },
    Unserved {
        method: "post",
        path: "/leads/notinterested/{leadIdOrEmail}",
        operation: "Mark a lead as not interested",
        reason: NO_REPLIES,
    },
];

/// Adds a route per unserved operation to the `/api` scope.
pub fn register(mut scope: actix_web::Scope) -> actix_web::Scope {
    for op in UNSERVED {
        let method = Method::from_bytes(op.method.to_uppercase().as_bytes())
            .expect("the table's methods are HTTP methods");
        scope = scope.route(
            op.path,
            web::method(method).to(move |call: ApiCall| refuse(call, op)),
        );
    }
    scope
}

/// The key is checked (and counted) like any call, then the operation is named.
async fn refuse(call: ApiCall, op: &'static Unserved) -> Result<HttpResponse, ApiError> {
    call.run(|_, _| Ok(())).await?;
    Err(ApiError::NotServed {
        operation: op.operation,
        message: format!(
            "Keydesk does not serve \"{}\" ({} /api{}). {} See /docs/api#not-served.",
            op.operation,
            op.method.to_uppercase(),
            op.path,
            op.reason
        ),
    })
}

//! `POST /api/keys/verify`: your own service asks whether a key of this workspace is
//! valid, why not, and what it may do, so Keydesk can stand in front of any API. The
//! caller's key needs "Verify keys". The key asked about goes through the same check as
//! the API's own gate (`standing`), then its rate limit; when valid, the answer counts
//! as its use ("Last used", usage, rate limit). A key that does not work is a 200 with
//! `valid: false` and a code; only a bad request body is a 400. The key is never
//! echoed: not in the answer, not in an error, and the body is never logged.

use std::net::IpAddr;
use std::time::SystemTime;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::Value;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::auth::ApiCall;
use super::error::ApiError;
use super::json_time;
use super::standing::{self, Refusal};
use crate::app::AppState;
use crate::db::{self, DbConnection};
use crate::domain::api_key::{KeyFormatError, PlainKey};
use crate::domain::key_settings::AllowedIps;
use crate::metering::rate_limit::Allowance;
use crate::models::api_key::ApiKey;
use crate::models::{PublicIds, workspace};

/// What the body asks: the key (parsed, or why it is malformed) and, optionally, the
/// address its holder called from, for keys limited to some addresses.
struct VerifyRequest {
    key: Result<PlainKey, KeyFormatError>,
    ip: Option<IpAddr>,
}

const BODY_SHAPE: &str = "The body must be a JSON object with the key to verify, e.g. {\"key\": \"kd_…\"}, and optionally the address its holder called from as \"ip\".";

/// Reads the body without ever quoting it: a key in a wrong place must not come back.
fn parse_body(body: &[u8]) -> Result<VerifyRequest, ApiError> {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::BadRequest {
            field: None,
            message: BODY_SHAPE.into(),
        });
    };
    let key = match object.get("key") {
        Some(Value::String(raw)) => PlainKey::parse(raw),
        Some(_) => {
            return Err(ApiError::bad_field(
                "key",
                "key must be a string: the key your service received, as it was received.",
            ));
        }
        None => {
            return Err(ApiError::bad_field(
                "key",
                format!("key is required. {BODY_SHAPE}"),
            ));
        }
    };
    let ip = match object.get("ip") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => Some(raw.trim().parse::<IpAddr>().map_err(|_| {
            ApiError::bad_field(
                "ip",
                "ip must be an IPv4 or IPv6 address, such as 203.0.113.7, or be left out.",
            )
        })?),
        Some(_) => {
            return Err(ApiError::bad_field(
                "ip",
                "ip must be a string holding an IPv4 or IPv6 address, such as 203.0.113.7.",
            ));
        }
    };
    Ok(VerifyRequest { key, ip })
}

#[derive(Serialize)]
struct WorkspaceRef {
    #[serde(rename = "_id")]
    id: String,
    name: String,
}

#[derive(Serialize)]
struct RateLimit {
    limit: u32,
    remaining: u32,
    /// When the full allowance is back.
    reset: String,
}

/// The answer. The key's own fields are `null` when it has no entry in this workspace.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Verification {
    valid: bool,
    code: &'static str,
    message: String,
    key_id: Option<String>,
    name: Option<String>,
    workspace: Option<WorkspaceRef>,
    scopes: Option<Vec<String>>,
    expires: Option<String>,
    rate_limit: Option<RateLimit>,
}

fn utc(at: SystemTime) -> PrimitiveDateTime {
    let at = OffsetDateTime::from(at).to_offset(UtcOffset::UTC);
    PrimitiveDateTime::new(at.date(), at.time())
}

impl Verification {
    /// An answer about no entry (a malformed, unknown or foreign key).
    fn new(valid: bool, code: &'static str, message: String) -> Self {
        Self {
            valid,
            code,
            message,
            key_id: None,
            name: None,
            workspace: None,
            scopes: None,
            expires: None,
            rate_limit: None,
        }
    }

    /// With the entry of the caller's workspace that the key is.
    fn about(self, key: &ApiKey, workspace: WorkspaceRef, ids: &PublicIds) -> Self {
        Self {
            key_id: Some(ids.derived("key", key.id)),
            name: Some(key.name.clone()),
            workspace: Some(workspace),
            scopes: Some(key.grants().codes()),
            expires: key.expires_at.map(json_time),
            ..self
        }
    }

    /// With when the secret sent stops working: the old secret of a regenerated key stops
    /// at the end of its grace period, whatever the key's own expiry.
    fn until(self, until: Option<PrimitiveDateTime>) -> Self {
        Self {
            expires: until.map(json_time),
            ..self
        }
    }

    /// With the key's rate limit, once this answer was counted against it.
    fn counted(self, allowance: Allowance) -> Self {
        Self {
            rate_limit: Some(RateLimit {
                limit: allowance.limit,
                remaining: allowance.remaining,
                reset: json_time(utc(allowance.reset_at)),
            }),
            ..self
        }
    }
}

fn workspace_ref(
    conn: &mut DbConnection,
    id: i32,
    ids: &PublicIds,
) -> diesel::QueryResult<WorkspaceRef> {
    let found = workspace::find(conn, id)?;
    Ok(WorkspaceRef {
        id: ids.derived("tea", found.id),
        name: found.name,
    })
}

/// The key's allow-list against the address its holder called from.
fn address_refusal(key: &ApiKey, ip: Option<IpAddr>) -> Option<(&'static str, String)> {
    let allowed = AllowedIps::from_stored(&key.allowed_ips);
    if allowed.is_empty() || ip.is_some_and(|ip| allowed.allows(ip)) {
        return None;
    }
    Some(match ip {
        Some(ip) => (
            "ip_not_allowed",
            format!(
                "This API key only accepts requests from {}; {ip} is not among them.",
                allowed.display()
            ),
        ),
        None => (
            "ip_required",
            format!(
                "This API key only accepts requests from {}: send the address its holder called from as \"ip\" to verify it.",
                allowed.display()
            ),
        ),
    })
}

pub async fn verify_key(
    call: ApiCall,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let request = parse_body(&body);
    let (client_ip, agent) = call.client();
    let answer = call
        .run(move |conn, caller| {
            let request = request?;
            let digest = match &request.key {
                Ok(plain) => plain.digest(),
                Err(problem) => {
                    let Refusal { code, message, .. } = standing::malformed(problem.clone());
                    return Ok(Verification::new(false, code, message));
                }
            };
            let now = db::now();
            let checked = standing::check(conn, &digest, now, Some(caller.workspace_id))?;
            let (key, until) = match checked {
                Ok(working) => (working.key, working.until),
                Err(Refusal { code, message, key }) => {
                    let answer = Verification::new(false, code, message);
                    return Ok(match key {
                        Some(key) => answer.about(
                            &key,
                            workspace_ref(conn, key.workspace_id, &caller.ids)?,
                            &caller.ids,
                        ),
                        None => answer,
                    });
                }
            };
            let team = workspace_ref(conn, key.workspace_id, &caller.ids)?;
            if let Some((code, message)) = address_refusal(&key, request.ip) {
                return Ok(Verification::new(false, code, message).about(&key, team, &caller.ids));
            }
            let allowance = state.rate_limiter.check(key.id);
            let answer = match allowance.retry_after {
                Some(wait) => Verification::new(
                    false,
                    "rate_limited",
                    format!(
                        "This API key has made its {} requests of the current window: it may be used again in {} s.",
                        allowance.limit,
                        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
                    ),
                ),
                None => {
                    state.usage.record(key.id, now, &client_ip, &agent);
                    Verification::new(
                        true,
                        "valid",
                        format!("The API key \"{}\" is valid.", key.name),
                    )
                }
            };
            Ok(answer
                .about(&key, team, &caller.ids)
                .until(until)
                .counted(allowance))
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

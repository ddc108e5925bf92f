//! Who is calling the API: one key check per request. The key is parsed (prefix,
//! length, checksum) before any database work, then looked up by digest in one
//! indexed query — no cache, so a deleted, regenerated or expired key is refused
//! on the very next request on every instance. Then expiry, grace period, the
//! IP allow-list and the access level; only then the rate limiter counts.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use base64::Engine;

use super::error::ApiError;
use super::rate_limit::Allowance;
use crate::domain::api_key::{KeyFormatError, PlainKey};
use crate::domain::key_settings::AllowedIps;
use crate::format;
use crate::models::api_key;
use crate::startup::AppState;

/// The key a request was authenticated with.
#[derive(Debug, Clone)]
pub struct AuthedKey {
    pub key_id: i32,
    pub workspace_id: i32,
    /// The member who created the key, if still in the workspace.
    pub created_by: Option<i32>,
}

impl FromRequest for AuthedKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<AuthedKey>()
                .cloned()
                .ok_or_else(|| ApiError::Unauthorized {
                    code: "missing_key",
                    message: NO_CREDENTIALS.into(),
                }),
        )
    }
}

const NO_CREDENTIALS: &str = "No API key was sent. Use HTTP Basic auth with an empty username and the key as password, the access_token query parameter, or an \"Authorization: Bearer KEY\" header.";

/// Where the key was found, in the order they are looked for.
fn credentials(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
    if let Some(value) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim_start();
        if let Some(token) = strip_scheme(value, "Bearer") {
            return Ok(Some(token.to_string()));
        }
        if let Some(encoded) = strip_scheme(value, "Basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    unauthorized(
                        "malformed_authorization",
                        "The Authorization header is not valid Basic auth: it must be \"Basic \" and the base64 of a colon followed by the key (curl --user \":KEY\").",
                    )
                })?;
            let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
            // lemlist's way is an empty username and the key as password; some tools
            // put the key in the username instead, which is accepted too.
            return Ok(Some(
                if password.is_empty() { user } else { password }.to_string(),
            ));
        }
    }
    Ok(
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .ok()
            .and_then(|query| {
                query
                    .into_inner()
                    .into_iter()
                    .find_map(|(name, value)| (name == "access_token").then_some(value))
            }),
    )
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Unauthorized {
        code,
        message: message.into(),
    }
}

fn format_problem(problem: KeyFormatError) -> ApiError {
    let code = match problem {
        KeyFormatError::Empty => "missing_key",
        KeyFormatError::Whitespace => "key_has_whitespace",
        KeyFormatError::WrongPrefix => "not_a_keydesk_key",
        KeyFormatError::Truncated => "key_truncated",
        KeyFormatError::TooLong => "key_too_long",
        KeyFormatError::InvalidCharacters => "key_invalid_characters",
        KeyFormatError::BadChecksum => "key_bad_checksum",
    };
    unauthorized(code, problem.to_string())
}

fn peer_ip(req: &ServiceRequest, state: &AppState) -> Option<IpAddr> {
    crate::client_ip::resolve(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &state.config.trusted_proxies,
    )
}

/// Checks the key and everything it allows; returns the caller or the refusal.
async fn authenticate(req: &ServiceRequest, state: &AppState) -> Result<AuthedKey, ApiError> {
    let raw = credentials(req)?.ok_or_else(|| unauthorized("missing_key", NO_CREDENTIALS))?;
    let plain = PlainKey::parse(&raw).map_err(format_problem)?;
    let digest = plain.digest();
    let found = state
        .db(move |conn| Ok(api_key::find_by_digest(conn, &digest)?))
        .await
        .map_err(ApiError::from)?;
    let now = crate::db::now();
    let Some((key, previous)) = found else {
        return Err(unauthorized(
            "key_unknown",
            "This API key is not valid: it was deleted or regenerated, or never issued. Generate a new key in Settings → Integrations and update the integration.",
        ));
    };
    if previous && key.grace_until(now).is_none() {
        return Err(unauthorized(
            "key_regenerated",
            "This API key was regenerated and this old secret no longer works. Use the new secret.",
        ));
    }
    if let Some(expired) = key.expires_at.filter(|t| *t <= now) {
        return Err(unauthorized(
            "key_expired",
            format!(
                "This API key expired on {}. Regenerate it in Settings → Integrations.",
                format::exact(expired)
            ),
        ));
    }
    let allowed = AllowedIps::from_stored(&key.allowed_ips);
    if !allowed.is_empty() {
        let ip = peer_ip(req, state);
        if !ip.is_some_and(|ip| allowed.allows(ip)) {
            return Err(ApiError::Forbidden {
                code: "ip_not_allowed",
                message: format!(
                    "This API key only accepts requests from {}; this request came from {}.",
                    allowed.display(),
                    ip.map(|ip| ip.to_string())
                        .unwrap_or_else(|| "an unknown address".into())
                ),
            });
        }
    }
    let safe_method = matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    );
    if key.read_only && !safe_method {
        return Err(ApiError::Forbidden {
            code: "read_only_key",
            message: "This API key is read only: it may make GET requests only. Use a key with full access to change data.".into(),
        });
    }
    Ok(AuthedKey {
        key_id: key.id,
        workspace_id: key.workspace_id,
        created_by: key.created_by,
    })
}

fn set_rate_headers(headers: &mut HeaderMap, allowance: &Allowance) {
    let reset = header::HttpDate::from(allowance.reset_at).to_string();
    for (name, value) in [
        ("x-ratelimit-limit", allowance.limit.to_string()),
        ("x-ratelimit-remaining", allowance.remaining.to_string()),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(header::HeaderName::from_static(name), value);
        }
    }
}

/// The gate in front of every key-authenticated endpoint.
pub async fn require_api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let refuse = |req: ServiceRequest, error: ApiError, allowance: Allowance| {
        let mut response = error.error_response();
        set_rate_headers(response.headers_mut(), &allowance);
        Ok(req.into_response(response).map_into_right_body())
    };
    let authed = match authenticate(&req, &state).await {
        Ok(authed) => authed,
        Err(error) => return refuse(req, error, state.rate_limiter.uncounted()),
    };
    let allowance = state.rate_limiter.check(authed.key_id);
    if let Some(wait) = allowance.retry_after {
        let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return refuse(
            req,
            ApiError::TooManyRequests {
                retry_after_secs: retry_after_secs.max(1),
            },
            allowance,
        );
    }
    let ip = crate::client_ip::display(peer_ip(&req, &state));
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    state
        .usage
        .record(authed.key_id, crate::db::now(), &ip, agent);
    req.extensions_mut().insert(authed);
    let mut response = next.call(req).await?;
    set_rate_headers(response.headers_mut(), &allowance);
    Ok(response.map_into_left_body())
}

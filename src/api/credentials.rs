//! Where an API request carries its key: HTTP Basic auth (lemlist's way: an empty
//! username and the key as password), a Bearer token, or the `access_token` query
//! parameter, looked for in that order. What the key is worth is `auth`'s business.

use actix_web::dev::ServiceRequest;
use actix_web::http::header;
use actix_web::web;
use base64::Engine;

use super::error::ApiError;

pub(super) const NO_CREDENTIALS: &str = "No API key was sent. Use HTTP Basic auth with an empty username and the key as password, the access_token query parameter, or an \"Authorization: Bearer KEY\" header.";

/// Where the key was found, in the order they are looked for.
pub(super) fn credentials(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    credentials_from(authorization, req.query_string())
}

/// The key from an `Authorization` header value or else the query string.
fn credentials_from(authorization: Option<&str>, query: &str) -> Result<Option<String>, ApiError> {
    if let Some(value) = authorization {
        let value = value.trim_start();
        if let Some(token) = strip_scheme(value, "Bearer") {
            return Ok(Some(token.to_string()));
        }
        if let Some(encoded) = strip_scheme(value, "Basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| ApiError::Unauthorized {
                    code: "malformed_authorization",
                    message: "The Authorization header is not valid Basic auth: it must be \"Basic \" and the base64 of a colon followed by the key (curl --user \":KEY\").".into(),
                })?;
            let (user, password) = decoded.split_once(':').unwrap_or((decoded.as_str(), ""));
            // lemlist's way is an empty username and the key as password; some tools
            // put the key in the username instead, which is accepted too.
            return Ok(Some(
                if password.is_empty() { user } else { password }.to_string(),
            ));
        }
    }
    Ok(web::Query::<Vec<(String, String)>>::from_query(query)
        .ok()
        .and_then(|query| {
            query
                .into_inner()
                .into_iter()
                .find_map(|(name, value)| (name == "access_token").then_some(value))
        }))
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

#[cfg(test)]
#[path = "credentials_properties.rs"]
mod properties;

//! Errors of the JSON API: always JSON, with a sentence a person can act on.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    BadRequest {
        field: Option<&'static str>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    /// A known path asked with a method it does not serve; `allow` lists those it does.
    #[error("{message}")]
    MethodNotAllowed { allow: String, message: String },
    /// A lemlist operation Keydesk has no meaning for (`api::unserved`): 404.
    #[error("{message}")]
    NotServed {
        operation: &'static str,
        message: String,
    },
    #[error("rate limit exceeded")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("database unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    ok: bool,
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'a str>,
}

impl ApiError {
    pub fn bad_field(field: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: Some(field),
            message: message.into(),
        }
    }

    /// The code of a refused key (401, 403): what `/metrics` counts key checks by.
    pub fn refusal_code(&self) -> Option<&'static str> {
        match self {
            Self::Unauthorized { code, .. } | Self::Forbidden { code, .. } => Some(code),
            _ => None,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized { code, .. } | Self::Forbidden { code, .. } => code,
            Self::NotFound(_) => "not_found",
            Self::BadRequest { .. } => "invalid_request",
            Self::Conflict(_) => "conflict",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::NotServed { .. } => "not_served",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unavailable(cause) => {
                tracing::error!(cause = ?cause, "database unavailable");
                Self::Unavailable
            }
            AppError::NotFound => Self::NotFound("Not found.".into()),
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::from(e).into()
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(anyhow::Error::new(e).context("an API request's database work failed"))
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::from(e).into()
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::NotServed { .. } => StatusCode::NOT_FOUND,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            Self::TooManyRequests { retry_after_secs } => format!(
                "Too many requests with this API key. Wait {retry_after_secs} second{} and try again.",
                if *retry_after_secs == 1 { "" } else { "s" }
            ),
            Self::Unavailable => {
                "The service cannot reach its database right now. Try again in a few seconds."
                    .into()
            }
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "API request failed");
                "An unexpected error stopped this request. It has been logged; try again.".into()
            }
            other => other.to_string(),
        };
        let field = match self {
            Self::BadRequest { field, .. } => *field,
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::TooManyRequests { retry_after_secs } => {
                response.insert_header(("Retry-After", retry_after_secs.to_string()));
            }
            Self::Unavailable => {
                response.insert_header(("Retry-After", "5"));
            }
            Self::Unauthorized { .. } => {
                response.insert_header(("WWW-Authenticate", "Basic realm=\"Keydesk API\", Bearer"));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header(("Allow", allow.as_str()));
            }
            _ => {}
        }
        let operation = match self {
            Self::NotServed { operation, .. } => Some(*operation),
            _ => None,
        };
        response.json(Body {
            ok: false,
            error: self.code(),
            message,
            field,
            operation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_page_error_keeps_its_chain_in_the_api() {
        let page = AppError::Internal(
            anyhow::Error::new(std::io::Error::other("disk full")).context("writing usage"),
        );
        let ApiError::Internal(cause) = ApiError::from(page) else {
            panic!("an internal error stays internal");
        };
        let logged = format!("{cause:?}");
        assert!(logged.contains("writing usage"), "{logged}");
        assert!(logged.contains("disk full"), "{logged}");
    }

    #[test]
    fn no_connection_is_unavailable_not_internal() {
        let page = AppError::Unavailable(anyhow::anyhow!("pool timed out"));
        let api = ApiError::from(page);
        assert!(matches!(api, ApiError::Unavailable));
        assert_eq!(api.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

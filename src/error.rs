//! Errors of the HTML side. Queries return `QueryResult`, handlers `Result<_, AppError>`;
//! this module turns an `AppError` into a styled page that shows no internals, and
//! logs the cause chain of every 5xx. (The JSON API has its own error type.)

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("missing or invalid CSRF token")]
    Csrf,
    #[error("login required")]
    LoginRequired,
    /// The workspace requires two-factor authentication and this person has not set it up.
    #[error("two-factor authentication required")]
    TwoFactorSetupRequired,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("malformed form or query")]
    BadRequest,
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// A failure with a database outage anywhere in its chain is an outage (503), not a bug.
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        let outage = e.chain().any(|cause| {
            cause
                .downcast_ref::<diesel::result::Error>()
                .is_some_and(crate::db::is_outage)
                || cause.downcast_ref::<diesel::r2d2::PoolError>().is_some()
        });
        if outage {
            Self::Unavailable(e)
        } else {
            Self::Internal(e)
        }
    }
}

impl AppError {
    /// An unexpected failure, keeping `e` and its causes for the log.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        if crate::db::is_outage(&e) {
            Self::Unavailable(anyhow::Error::new(e))
        } else {
            Self::Internal(anyhow::Error::new(e))
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(anyhow::Error::new(e))
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(anyhow::Error::new(e).context("a database task failed"))
    }
}

/// `e` and its causes on one line, outermost first, for a log field.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(e), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::LoginRequired | Self::TwoFactorSetupRequired => StatusCode::SEE_OTHER,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            Self::LoginRequired => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/login"))
                    .finish();
            }
            Self::TwoFactorSetupRequired => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, crate::web::two_factor::PATH))
                    .finish();
            }
            Self::NotFound => (
                "Page not found",
                "There is nothing here. Check the address, or go back to your settings.",
            ),
            Self::Forbidden => (
                "Not allowed",
                "Your account does not have permission for this. Ask a workspace admin.",
            ),
            Self::Csrf => (
                "Form expired",
                "This form was out of date or not sent from Keydesk. Go back, reload the page and try again.",
            ),
            Self::PayloadTooLarge => ("Too much data", "That form was too large to accept."),
            Self::BadRequest => (
                "That request could not be read",
                "A form field or address parameter had a value Keydesk does not understand. Go back, reload the page and try again.",
            ),
            Self::Unavailable(cause) => {
                tracing::error!(cause = ?cause, "database unavailable");
                (
                    "Temporarily unavailable",
                    "Keydesk cannot reach its database right now. Try again in a few seconds.",
                )
            }
            Self::Internal(cause) => {
                tracing::error!(error = ?cause, "request failed");
                (
                    "Something went wrong",
                    "An unexpected error stopped this request. It has been logged; try again.",
                )
            }
        };
        error_page(self.status_code(), title, message)
    }
}

/// A styled error page; also used for unknown routes.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = ErrorTemplate {
        status: status.as_u16(),
        title,
        message,
    }
    .render()
    .unwrap_or_else(|_| format!("{} {title}", status.as_u16()));
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, "5"));
    }
    response.body(body)
}

/// The session layer (actix-session) turns a store failure into a bare, empty 500.
/// The store fails only when the database does, so this answers the styled 503 instead.
pub async fn style_session_store_errors(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    match next.call(req).await {
        Err(e)
            if e.as_error::<AppError>().is_none()
                && e.as_response_error().status_code().is_server_error() =>
        {
            tracing::error!(error = %e, "session store failed");
            // The cause is logged above; actix's error type cannot travel as a source.
            Err(AppError::Unavailable(anyhow::anyhow!("the session store failed")).into())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// Every message in `e`'s chain, outermost first: what the log line shows.
    fn chain(e: &(dyn std::error::Error + 'static)) -> Vec<String> {
        std::iter::successors(Some(e), |e| (*e).source())
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_failed_query_keeps_its_cause() {
        let e = AppError::from(diesel::result::Error::NotFound);
        assert!(matches!(e, AppError::Internal(_)));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let AppError::Internal(cause) = &e else {
            unreachable!()
        };
        assert!(cause.downcast_ref::<diesel::result::Error>().is_some());
    }

    #[test]
    fn an_internal_error_logs_every_cause() {
        let io = std::io::Error::other("disk full");
        let e = AppError::Internal(anyhow::Error::new(io).context("writing the audit entry"));
        let AppError::Internal(cause) = &e else {
            unreachable!()
        };
        let logged = format!("{cause:?}");
        assert!(logged.contains("writing the audit entry"), "{logged}");
        assert!(logged.contains("disk full"), "{logged}");
    }

    #[test]
    fn an_unavailable_database_keeps_its_cause_as_the_source() {
        let closed = diesel::result::Error::BrokenTransactionManager;
        let e = AppError::from(closed);
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.source().is_some());
        assert_eq!(chain(&e).len(), 2, "{:?}", chain(&e));
    }

    /// A database error as libpq or SQLite reports it: a kind and a message.
    fn database_error(
        kind: diesel::result::DatabaseErrorKind,
        message: &str,
    ) -> diesel::result::Error {
        diesel::result::Error::DatabaseError(kind, Box::new(message.to_string()))
    }

    #[test]
    fn a_lost_connection_is_unavailable_not_internal() {
        use diesel::result::DatabaseErrorKind::{ClosedConnection, UnableToSendCommand, Unknown};
        for e in [
            database_error(
                ClosedConnection,
                "server closed the connection unexpectedly",
            ),
            database_error(UnableToSendCommand, "no connection to the server"),
            database_error(
                Unknown,
                "terminating connection due to administrator command",
            ),
            database_error(Unknown, "SSL connection has been closed unexpectedly"),
            database_error(Unknown, "connection to server at \"db\" was closed"),
            database_error(Unknown, "database or disk is full"),
            database_error(Unknown, "database is locked"),
        ] {
            let shown = e.to_string();
            assert_eq!(
                AppError::from(e).status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{shown}"
            );
        }
        let bug = database_error(Unknown, "relation \"users\" does not exist");
        assert_eq!(
            AppError::from(bug).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_lost_connection_inside_a_context_chain_is_unavailable() {
        let lost = database_error(
            diesel::result::DatabaseErrorKind::Unknown,
            "terminating connection due to administrator command",
        );
        let e = AppError::from(anyhow::Error::new(lost).context("loading the key list"));
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let other = AppError::from(anyhow::anyhow!("template missing"));
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_wrapped_error_keeps_its_whole_chain() {
        let inner = std::io::Error::other("template missing");
        let e = AppError::internal(inner);
        let AppError::Internal(cause) = &e else {
            unreachable!()
        };
        assert_eq!(
            cause.chain().map(ToString::to_string).collect::<Vec<_>>(),
            vec!["template missing"]
        );
    }
}

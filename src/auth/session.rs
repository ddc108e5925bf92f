//! A typed view of the login session.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use rand::distr::{Alphanumeric, SampleString};

use super::session_store::USER_ID_KEY;
use crate::error::AppError;

const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";

pub struct TypedSession(Session);

impl TypedSession {
    pub fn from_session(session: Session) -> Self {
        Self(session)
    }

    pub fn user_id(&self) -> Result<Option<i32>, AppError> {
        self.0.get(USER_ID_KEY).map_err(AppError::internal)
    }

    /// Logs in under a fresh session id (against fixation), with a fresh CSRF token.
    pub fn log_in(&self, user_id: i32) -> Result<(), AppError> {
        self.0.renew();
        self.0.clear();
        self.0
            .insert(USER_ID_KEY, user_id)
            .map_err(AppError::internal)?;
        self.0
            .insert(CSRF_KEY, new_token())
            .map_err(AppError::internal)
    }

    /// Ends the session: the row is deleted and the cookie cleared.
    pub fn log_out(&self) {
        self.0.purge();
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(token) = self.0.get::<String>(CSRF_KEY).map_err(AppError::internal)? {
            return Ok(token);
        }
        let token = new_token();
        self.0
            .insert(CSRF_KEY, &token)
            .map_err(AppError::internal)?;
        Ok(token)
    }

    /// A one-line message for the next page ("Member added.").
    pub fn set_flash(&self, message: impl Into<String>) -> Result<(), AppError> {
        self.0
            .insert(FLASH_KEY, message.into())
            .map_err(AppError::internal)
    }

    pub fn take_flash(&self) -> Option<String> {
        self.0.remove_as::<String>(FLASH_KEY).and_then(Result::ok)
    }
}

/// The token stored in `session`, without creating one.
pub(crate) fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF_KEY).ok().flatten()
}

fn new_token() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 43)
}

impl FromRequest for TypedSession {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.get_session())))
    }
}

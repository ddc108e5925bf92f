//! A typed view of the login session.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use rand::distr::{Alphanumeric, SampleString};

use super::session_store::USER_ID_KEY;
use crate::error::AppError;

const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
const PENDING_TOTP_KEY: &str = "totp_pending_secret";
const PENDING_LOGIN_KEY: &str = "two_factor_login";

/// A correct password for an account with two-factor authentication: the code is still
/// to come. Kept in the (server-side) session for a few minutes; not a login.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PendingLogin {
    pub user_id: i32,
    pub email: String,
    /// The device id to put in the device cookie once the code is right.
    pub device_id: String,
    /// Whether the browser's device cookie was already valid for this account (the
    /// throttling scope of its code attempts, as for its password).
    pub known_device: bool,
    /// Unix seconds after which the password must be typed again.
    pub expires_at: u64,
}

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

    /// Remembers a correct password while the two-factor code is asked for.
    pub fn begin_two_factor_login(&self, pending: &PendingLogin) -> Result<(), AppError> {
        self.0
            .insert(PENDING_LOGIN_KEY, pending)
            .map_err(AppError::internal)
    }

    /// The login waiting for its code, if any and not expired.
    pub fn pending_login(&self, unix_now: u64) -> Option<PendingLogin> {
        self.0
            .get::<PendingLogin>(PENDING_LOGIN_KEY)
            .ok()
            .flatten()
            .filter(|p| p.expires_at > unix_now)
    }

    pub fn clear_pending_login(&self) {
        self.0.remove(PENDING_LOGIN_KEY);
    }

    /// The secret being set up (shown as a QR code) until a code confirms it.
    pub fn pending_totp_secret(&self) -> Option<String> {
        self.0.get::<String>(PENDING_TOTP_KEY).ok().flatten()
    }

    pub fn set_pending_totp_secret(&self, base32: &str) -> Result<(), AppError> {
        self.0
            .insert(PENDING_TOTP_KEY, base32)
            .map_err(AppError::internal)
    }

    pub fn clear_pending_totp_secret(&self) {
        self.0.remove(PENDING_TOTP_KEY);
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

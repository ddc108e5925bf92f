//! A typed view of the login session.

use std::future::{Ready, ready};

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use rand::distr::{Alphanumeric, SampleString};

use super::session_store::{HANDLE_KEY, IP_KEY, SIGNED_IN_AT_KEY, USER_AGENT_KEY, USER_ID_KEY};
use crate::error::AppError;

const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
const PENDING_TOTP_KEY: &str = "totp_pending_setup";
const PENDING_LOGIN_KEY: &str = "two_factor_login";
const ACCESS_CONFIRMED_AT_KEY: &str = "access_confirmed_at";
const HELD_ACTIONS_KEY: &str = "held_actions";

/// An action that needs access confirmed, held while the "Confirm access" page asks:
/// what it will do, where it goes and what was typed in its form (never passwords or
/// codes). The page's form names it by `id`, so a confirmation runs exactly the action
/// that page showed, whatever else is held in the session by then.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HeldAction {
    /// A one-time random token: the page's form carries it, confirming spends it.
    pub id: String,
    /// What will happen, as the page states it ("Generate the key \"Zapier\"").
    pub summary: String,
    /// The path (and query) the action was sent to.
    pub target: String,
    /// A form to send again, or `false` for a page to open.
    pub is_form: bool,
    pub fields: Vec<(String, String)>,
    /// Unix seconds when it was held; it waits [`HELD_FOR_SECS`] at most.
    pub held_at: i64,
}

/// How long a held action waits for its confirmation.
pub const HELD_FOR_SECS: i64 = 5 * 60;
/// Actions held at once in one session; holding another drops the oldest (each also
/// expires on its own after [`HELD_FOR_SECS`]).
const MAX_HELD: usize = 32;

impl HeldAction {
    pub fn new(
        summary: String,
        target: String,
        is_form: bool,
        fields: Vec<(String, String)>,
        unix_now: i64,
    ) -> Self {
        Self {
            id: new_token(),
            summary,
            target,
            is_form,
            fields,
            held_at: unix_now,
        }
    }

    fn is_live(&self, unix_now: i64) -> bool {
        (0..HELD_FOR_SECS).contains(&(unix_now - self.held_at))
    }
}

/// A two-factor secret that "Set up" showed in this session, not confirmed yet, and how
/// many times two-factor authentication had been turned on or off when it was shown: a
/// change since, in any session, voids it. No `Debug`: it holds the secret.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct PendingTotpSetup {
    /// Base32, as `TotpSecret::as_base32` gives it.
    pub secret: String,
    pub shown_at_change: i32,
}

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
/// A user agent longer than this is cut: it is shown, never parsed for anything else.
const MAX_USER_AGENT_CHARS: usize = 500;

/// The session, and the browser and address of the request it came with (recorded at
/// login for "Active sessions").
pub struct TypedSession {
    session: Session,
    user_agent: String,
    ip: String,
}

impl TypedSession {
    pub fn from_session(session: Session) -> Self {
        Self {
            session,
            user_agent: String::new(),
            ip: String::new(),
        }
    }

    pub fn user_id(&self) -> Result<Option<i32>, AppError> {
        self.session.get(USER_ID_KEY).map_err(AppError::internal)
    }

    /// Logs in under a fresh session id (against fixation), with a fresh CSRF token, and
    /// records where from: a new public handle, the user agent, the address, the time.
    pub fn log_in(&self, user_id: i32) -> Result<(), AppError> {
        self.session.renew();
        self.session.clear();
        self.session
            .insert(USER_ID_KEY, user_id)
            .map_err(AppError::internal)?;
        self.session
            .insert(CSRF_KEY, new_token())
            .map_err(AppError::internal)?;
        self.record_origin()?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.session
            .insert(SIGNED_IN_AT_KEY, now)
            .map_err(AppError::internal)?;
        // Typing the password (and code) to log in confirms access too.
        self.confirm_access(now)
    }

    /// Unix seconds when the password (and code) were last typed in this session.
    pub fn access_confirmed_at(&self) -> Option<i64> {
        self.session
            .get::<i64>(ACCESS_CONFIRMED_AT_KEY)
            .ok()
            .flatten()
    }

    pub fn confirm_access(&self, unix_now: i64) -> Result<(), AppError> {
        self.session
            .insert(ACCESS_CONFIRMED_AT_KEY, unix_now)
            .map_err(AppError::internal)
    }

    /// Holds `action` beside those already held (never in their place) until it is
    /// confirmed, cancelled or expires.
    pub fn hold_action(&self, action: HeldAction, unix_now: i64) -> Result<(), AppError> {
        let mut held = self.held_actions(unix_now);
        held.push(action);
        let extra = held.len().saturating_sub(MAX_HELD);
        held.drain(..extra);
        self.session
            .insert(HELD_ACTIONS_KEY, held)
            .map_err(AppError::internal)
    }

    /// The held action with this `id`, unless it expired.
    pub fn held_action(&self, id: &str, unix_now: i64) -> Option<HeldAction> {
        self.held_actions(unix_now).into_iter().find(|a| a.id == id)
    }

    /// Takes the held action with this `id` out of the session: it can run once.
    pub fn take_held_action(
        &self,
        id: &str,
        unix_now: i64,
    ) -> Result<Option<HeldAction>, AppError> {
        let mut held = self.held_actions(unix_now);
        let Some(at) = held.iter().position(|a| a.id == id) else {
            return Ok(None);
        };
        let taken = held.remove(at);
        self.session
            .insert(HELD_ACTIONS_KEY, held)
            .map_err(AppError::internal)?;
        Ok(Some(taken))
    }

    fn held_actions(&self, unix_now: i64) -> Vec<HeldAction> {
        let mut held = self
            .session
            .get::<Vec<HeldAction>>(HELD_ACTIONS_KEY)
            .ok()
            .flatten()
            .unwrap_or_default();
        held.retain(|a| a.is_live(unix_now));
        held
    }

    /// Remembers a correct password while the two-factor code is asked for.
    pub fn begin_two_factor_login(&self, pending: &PendingLogin) -> Result<(), AppError> {
        self.session
            .insert(PENDING_LOGIN_KEY, pending)
            .map_err(AppError::internal)
    }

    /// The login waiting for its code, if any and not expired.
    pub fn pending_login(&self, unix_now: u64) -> Option<PendingLogin> {
        self.session
            .get::<PendingLogin>(PENDING_LOGIN_KEY)
            .ok()
            .flatten()
            .filter(|p| p.expires_at > unix_now)
    }

    pub fn clear_pending_login(&self) {
        self.session.remove(PENDING_LOGIN_KEY);
    }

    /// The secret being set up (shown as a QR code) until a code confirms it.
    pub fn pending_totp_setup(&self) -> Option<PendingTotpSetup> {
        self.session
            .get::<PendingTotpSetup>(PENDING_TOTP_KEY)
            .ok()
            .flatten()
    }

    pub fn set_pending_totp_setup(&self, pending: &PendingTotpSetup) -> Result<(), AppError> {
        self.session
            .insert(PENDING_TOTP_KEY, pending)
            .map_err(AppError::internal)
    }

    pub fn clear_pending_totp_setup(&self) {
        self.session.remove(PENDING_TOTP_KEY);
    }

    fn record_origin(&self) -> Result<String, AppError> {
        let handle = new_handle();
        let agent: String = self.user_agent.chars().take(MAX_USER_AGENT_CHARS).collect();
        for (key, value) in [
            (HANDLE_KEY, handle.as_str()),
            (USER_AGENT_KEY, agent.as_str()),
            (IP_KEY, self.ip.as_str()),
        ] {
            self.session
                .insert(key, value)
                .map_err(AppError::internal)?;
        }
        Ok(handle)
    }

    /// The public handle of this session ("Active sessions" names sessions by it). A
    /// session from before handles existed gets one now, with this request's origin.
    pub fn handle(&self) -> Result<String, AppError> {
        match self
            .session
            .get::<String>(HANDLE_KEY)
            .map_err(AppError::internal)?
        {
            Some(handle) => Ok(handle),
            None => self.record_origin(),
        }
    }

    /// A fresh session id for the same login (after a password change), so a copy of the
    /// old cookie taken before the change stops working.
    pub fn renew(&self) {
        self.session.renew();
    }

    /// Ends the session: the row is deleted and the cookie cleared.
    pub fn log_out(&self) {
        self.session.purge();
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(token) = self
            .session
            .get::<String>(CSRF_KEY)
            .map_err(AppError::internal)?
        {
            return Ok(token);
        }
        let token = new_token();
        self.session
            .insert(CSRF_KEY, &token)
            .map_err(AppError::internal)?;
        Ok(token)
    }

    /// A one-line message for the next page ("Member added.").
    pub fn set_flash(&self, message: impl Into<String>) -> Result<(), AppError> {
        self.session
            .insert(FLASH_KEY, message.into())
            .map_err(AppError::internal)
    }

    pub fn take_flash(&self) -> Option<String> {
        self.session
            .remove_as::<String>(FLASH_KEY)
            .and_then(Result::ok)
    }
}

/// The token stored in `session`, without creating one.
pub(crate) fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF_KEY).ok().flatten()
}

fn new_token() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 43)
}

/// Random, unrelated to the session id: a page may show it without giving the session away.
fn new_handle() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 22)
}

impl FromRequest for TypedSession {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        ready(Ok(Self {
            session: req.get_session(),
            user_agent,
            ip: super::current_user::client_ip(req),
        }))
    }
}

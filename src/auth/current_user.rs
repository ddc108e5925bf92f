//! The logged-in person behind a page request.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::TypedSession;
use crate::app::AppState;
use crate::error::AppError;
use crate::models::access_request;
use crate::models::user::{self, User};

/// A logged-in user, loaded fresh on every request so that a removed member or
/// a changed role takes effect at once. Requests without one go to `/login`.
pub struct Viewer {
    pub user: User,
    pub workspace_name: String,
    /// Access requests waiting for an admin (the Team tab's badge); 0 for members.
    pub pending_requests: i64,
    pub session: TypedSession,
    pub ip: String,
    /// The workspace requires two-factor authentication.
    pub two_factor_required: bool,
}

impl Viewer {
    /// Admin-only pages and actions; everyone else gets 403.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.user.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The audit log's record of who acts.
    pub fn actor(&self) -> crate::models::audit::Actor {
        crate::models::audit::Actor {
            workspace_id: self.user.workspace_id,
            user_id: Some(self.user.id),
            name: crate::models::audit::person_label(&self.user.name, &self.user.email),
            ip: self.ip.clone(),
        }
    }
}

/// The client's address (see `client_ip`: proxies count only when trusted).
pub fn client_ip(req: &HttpRequest) -> String {
    let state = AppState::of(req);
    let trusted = &state.config.trusted_proxies;
    crate::client_ip::display(crate::client_ip::resolve(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        trusted,
    ))
}

/// While the workspace requires two-factor authentication and it is not set up, the
/// setup pages are the only ones a person can reach (logging out needs no `Viewer`), and
/// "Confirm access", which setting up asks for when the login is older than sudo mode's
/// window (what it then continues to is checked again).
fn may_set_up_two_factor(path: &str) -> bool {
    path == crate::web::two_factor::PATH
        || path.starts_with("/account/two-factor/")
        || path == crate::web::confirm_access::PATH
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let session_fut = TypedSession::from_request(&req, payload);
        Box::pin(async move {
            let session = session_fut.await?;
            let Some(user_id) = session.user_id()? else {
                return Err(AppError::LoginRequired);
            };
            let state = AppState::of(&req);
            let found = state
                .db(move |conn| {
                    let Some((user, workspace_name, required)) =
                        user::find_with_workspace_rules(conn, user_id)?
                    else {
                        return Ok(None);
                    };
                    let pending = if user.is_admin() {
                        access_request::count_pending(conn, user.workspace_id)?
                    } else {
                        0
                    };
                    Ok(Some((user, workspace_name, pending, required)))
                })
                .await?;
            match found {
                Some((user, _, _, true))
                    if !user.has_two_factor() && !may_set_up_two_factor(req.path()) =>
                {
                    Err(AppError::TwoFactorSetupRequired)
                }
                Some((user, workspace_name, pending_requests, two_factor_required)) => Ok(Viewer {
                    user,
                    workspace_name,
                    pending_requests,
                    session,
                    ip: client_ip(&req),
                    two_factor_required,
                }),
                None => {
                    session.log_out();
                    Err(AppError::LoginRequired)
                }
            }
        })
    }
}

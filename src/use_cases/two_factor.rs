//! Two-factor authentication: turning it on and off, recovery codes, checking a code,
//! and the workspace's requirement. Each change is one workspace write transaction,
//! audited.

use diesel::{Connection, QueryResult};

use crate::db::DbConnection;
use crate::domain::totp::{self, TotpSecret};
use crate::models::audit::{self, Action, Actor};
use crate::models::{recovery_code, user, workspace};
use crate::use_cases::permitted;

/// What a typed code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// A right authenticator code (its step is now used) or an unused recovery code
    /// (now spent).
    Accepted,
    /// A right authenticator code whose time step was already used.
    Replayed,
    /// Not a current code, nor an unused recovery code.
    Wrong,
}

impl CodeCheck {
    /// The message beside the field when the code was refused.
    pub fn message(self) -> Option<&'static str> {
        match self {
            Self::Accepted => None,
            Self::Replayed => Some(
                "This code has already been used. Wait for the next code in your authenticator app.",
            ),
            Self::Wrong => Some(
                "That code is not right, or the recovery code was already used. Check your authenticator app and try again.",
            ),
        }
    }
}

/// Checks `typed` (6 digits, or a recovery code) for `user_id`, spending it if right.
/// Call inside a transaction when other writes depend on it.
pub fn check_code(
    conn: &mut DbConnection,
    user_id: i32,
    typed: &str,
    unix_now: u64,
) -> QueryResult<CodeCheck> {
    let Some(state) = user::two_factor(conn, user_id)? else {
        return Ok(CodeCheck::Wrong);
    };
    let Some(secret) = TotpSecret::from_stored(&state.secret) else {
        return Ok(CodeCheck::Wrong);
    };
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(match secret.verify(&compact, unix_now) {
            Some(step) if user::claim_totp_step(conn, user_id, step)? => CodeCheck::Accepted,
            Some(_) => CodeCheck::Replayed,
            None => CodeCheck::Wrong,
        });
    }
    let Some(canonical) = totp::normalize_recovery_code(typed) else {
        return Ok(CodeCheck::Wrong);
    };
    let digest = totp::recovery_code_digest(&canonical);
    Ok(if recovery_code::spend(conn, user_id, &digest)? {
        CodeCheck::Accepted
    } else {
        CodeCheck::Wrong
    })
}

/// What "Turn on" came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enabled {
    TurnedOn,
    /// It is already on (turned on in another session): nothing changed, the
    /// authenticator and recovery codes on file keep working.
    AlreadyOn,
    /// It was turned on or off since the secret was shown: that secret is void.
    ChangedSinceShown,
}

/// Turns two-factor authentication on with `secret` (already confirmed by a code of
/// time step `step`) and stores the digests of `codes`, unless it is on already or was
/// turned on or off since `secret` was shown (when `totp_changes` was `shown_at_change`).
/// Checked under the workspace lock, so two sessions cannot both turn it on.
pub fn enable(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i32,
    secret: &TotpSecret,
    step: i64,
    codes: &[String],
    shown_at_change: i32,
) -> QueryResult<Enabled> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        if user::two_factor(conn, user_id)?.is_some() {
            return Ok(Enabled::AlreadyOn);
        }
        if user::totp_changes(conn, user_id)? != shown_at_change {
            return Ok(Enabled::ChangedSinceShown);
        }
        user::enable_two_factor(conn, user_id, secret.as_base32(), step)?;
        recovery_code::replace(conn, user_id, &digests(codes))?;
        audit::record(conn, actor, Action::TwoFactorEnabled, &actor.name, "")?;
        Ok(Enabled::TurnedOn)
    })
}

/// Replaces the recovery codes with `codes` (access was confirmed with the password and
/// a code just before); false if two-factor authentication is off.
pub fn regenerate_recovery_codes(
    conn: &mut DbConnection,
    actor: &Actor,
    user_id: i32,
    codes: &[String],
) -> QueryResult<bool> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        if user::two_factor(conn, user_id)?.is_none() {
            return Ok(false);
        }
        recovery_code::replace(conn, user_id, &digests(codes))?;
        audit::record(
            conn,
            actor,
            Action::RecoveryCodesRegenerated,
            &actor.name,
            "",
        )?;
        Ok(true)
    })
}

/// Turns two-factor authentication off (the password and a code were just checked);
/// false if it already was.
pub fn disable(conn: &mut DbConnection, actor: &Actor, user_id: i32) -> QueryResult<bool> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        if user::two_factor(conn, user_id)?.is_none() {
            return Ok(false);
        }
        user::disable_two_factor(conn, user_id)?;
        recovery_code::delete_all(conn, user_id)?;
        audit::record(conn, actor, Action::TwoFactorDisabled, &actor.name, "")?;
        Ok(true)
    })
}

/// Sets the workspace's "Require two-factor authentication"; false if it already was so,
/// `None` if the actor is no longer an admin.
pub fn set_requirement(
    conn: &mut DbConnection,
    actor: &Actor,
    on: bool,
) -> QueryResult<Option<bool>> {
    permitted::as_admin(conn, actor.workspace_id, actor.user_id, |conn| {
        if workspace::find(conn, actor.workspace_id)?.require_two_factor == on {
            return Ok(false);
        }
        workspace::set_require_two_factor(conn, actor.workspace_id, on)?;
        let detail = if on { "Required" } else { "Not required" };
        audit::record(conn, actor, Action::TwoFactorRequired, "Workspace", detail)?;
        Ok(true)
    })
}

fn digests(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|c| totp::recovery_code_digest(c))
        .collect()
}

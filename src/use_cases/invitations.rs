//! Invitations and password resets: the one-time links that let a person choose their
//! own password. Each write is one transaction; a workspace's transaction starts with
//! `workspace::lock_for_writing`, and a link is spent by a conditional UPDATE (`used_at
//! IS NULL`) inside the transaction that uses it, so it works once under any race.

use diesel::Connection;
use diesel::result::{DatabaseErrorKind, Error as DbError};

use crate::db::DbConnection;
use crate::domain::link_token::LinkDigest;
use crate::domain::{Email, Name, Role};
use crate::models::audit::{self, Action, Actor, person_label};
use crate::models::invitation::{self, Invitation, NewInvitation};
use crate::models::{password_reset, session, user, workspace};
use crate::use_cases::permitted;

/// Why an invitation was not made: both are answered beside the email field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefused {
    AlreadyMember,
    AlreadyInvited,
}

impl InviteRefused {
    pub fn message(self) -> &'static str {
        match self {
            Self::AlreadyMember => "This email already belongs to a member: it cannot be invited.",
            Self::AlreadyInvited => {
                "This email already has a pending invitation: revoke it first to invite again."
            }
        }
    }
}

pub struct Invite<'a> {
    pub email: &'a Email,
    pub role: Role,
    pub api_access: bool,
    pub digest: LinkDigest,
}

/// Records the invitation and its audit entry, unless the email is taken; `None` if the
/// actor is no longer an admin.
pub fn invite(
    conn: &mut DbConnection,
    actor: &Actor,
    by_name: &str,
    new: &Invite<'_>,
) -> Result<Option<Result<i32, InviteRefused>>, DbError> {
    permitted::as_admin(conn, actor.workspace_id, actor.user_id, |conn| {
        let email = new.email.as_str();
        // Only this workspace is asked: whether the email has an account or an
        // invitation elsewhere is not this admin's to learn (the invitee is told when
        // joining, see `join`).
        if user::email_in_workspace(conn, actor.workspace_id, email)? {
            return Ok(Err(InviteRefused::AlreadyMember));
        }
        if invitation::pending_for_email(conn, actor.workspace_id, email, crate::db::now())? {
            return Ok(Err(InviteRefused::AlreadyInvited));
        }
        // Admins always have API access, whatever the box said.
        let api_access = new.api_access || new.role == Role::Admin;
        let id = invitation::insert(
            conn,
            &NewInvitation {
                workspace_id: actor.workspace_id,
                email,
                role: new.role,
                api_access,
                digest: new.digest,
                invited_by: actor.user_id,
                invited_by_name: by_name,
            },
        )?;
        audit::record(
            conn,
            actor,
            Action::MemberInvited,
            email,
            &role_detail(new.role, api_access),
        )?;
        Ok(Ok(id))
    })
}

fn role_detail(role: Role, api_access: bool) -> String {
    format!(
        "{}, API access {}",
        role.label(),
        if api_access { "on" } else { "off" }
    )
}

/// Revokes a pending invitation of the actor's workspace: the outer `None` if the actor
/// is no longer an admin, the inner one for another workspace's (or an unknown) id.
pub fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i32,
) -> Result<Option<Option<String>>, DbError> {
    permitted::as_admin(conn, actor.workspace_id, actor.user_id, |conn| {
        let now = crate::db::now();
        let Some(found) = invitation::revoke(conn, actor.workspace_id, id, now)? else {
            return Ok(None);
        };
        if found.is_pending(now) {
            audit::record(conn, actor, Action::InvitationRevoked, &found.email, "")?;
        }
        Ok(Some(found.email))
    })
}

/// What a link leads to, as its page tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Never one of ours (or tampered with).
    Unknown,
    Used,
    Revoked,
    Expired,
    /// An invitation whose inviter was removed or is no longer an admin: a link grants
    /// no more than its maker may still grant, so it grants nothing.
    InviterGone,
    /// A reset link made void by a newer link, another link's use or a password change.
    Replaced,
}

impl LinkState {
    pub fn of_invitation(found: &Invitation, now: time::PrimitiveDateTime) -> Option<Self> {
        if found.used_at.is_some() {
            Some(Self::Used)
        } else if found.revoked_at.is_some() {
            Some(Self::Revoked)
        } else if found.expires_at <= now {
            Some(Self::Expired)
        } else {
            None
        }
    }
}

/// Whether the invitation's maker may still invite into its workspace: still a member
/// of it and still an admin. Read inside the join transaction, after the lock.
fn inviter_still_admin(conn: &mut DbConnection, found: &Invitation) -> Result<bool, DbError> {
    let Some(inviter_id) = found.invited_by else {
        return Ok(false);
    };
    Ok(user::find(conn, inviter_id)?.is_some_and(|inviter| {
        inviter.workspace_id == found.workspace_id && inviter.role == Role::Admin
    }))
}

/// A pending invitation, with its workspace's name.
pub struct OpenInvitation {
    pub invitation: Invitation,
    pub workspace_name: String,
}

/// The pending invitation behind a link, or why there is none.
pub fn open_invitation(
    conn: &mut DbConnection,
    digest: &LinkDigest,
) -> Result<Result<OpenInvitation, LinkState>, DbError> {
    let Some(found) = invitation::find_by_digest(conn, digest)? else {
        return Ok(Err(LinkState::Unknown));
    };
    if let Some(state) = LinkState::of_invitation(&found, crate::db::now()) {
        return Ok(Err(state));
    }
    if !inviter_still_admin(conn, &found)? {
        return Ok(Err(LinkState::InviterGone));
    }
    let workspace_name = workspace::find(conn, found.workspace_id)?.name;
    Ok(Ok(OpenInvitation {
        invitation: found,
        workspace_name,
    }))
}

/// Why a join did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinRefused {
    Link(LinkState),
    /// The email already has an account (in another workspace: one account belongs to
    /// one workspace). The invitation stays unused, so its admin learns nothing.
    EmailTaken,
}

/// Spends the invitation and creates the member with its role and API access.
/// Returns the new user's id.
pub fn join(
    conn: &mut DbConnection,
    digest: &LinkDigest,
    name: &Name,
    password_hash: &str,
    ip: &str,
) -> Result<Result<i32, JoinRefused>, DbError> {
    let Some(found) = invitation::find_by_digest(conn, digest)? else {
        return Ok(Err(JoinRefused::Link(LinkState::Unknown)));
    };
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, found.workspace_id)?;
        let now = crate::db::now();
        if !invitation::mark_used(conn, found.id, now)? {
            // Read again inside the lock: say what happened to it meanwhile.
            let state = invitation::find_by_digest(conn, digest)?
                .and_then(|again| LinkState::of_invitation(&again, now))
                .unwrap_or(LinkState::Used);
            return Ok(Err(JoinRefused::Link(state)));
        }
        if !inviter_still_admin(conn, &found)? {
            return Err(Rollback::InviterGone.into());
        }
        if user::email_taken(conn, &found.email)? {
            return Err(Rollback::EmailTaken.into());
        }
        let user_id = match user::insert(
            conn,
            &user::NewUser {
                workspace_id: found.workspace_id,
                name: name.as_str(),
                email: &found.email,
                password_hash,
                role: found.role,
                api_access: found.api_access,
            },
        ) {
            Ok(id) => id,
            // Another workspace's invitation of the same email joined at the same moment
            // (each holds only its own workspace's lock): the unique email decides.
            Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                return Err(Rollback::EmailTaken.into());
            }
            Err(other) => return Err(other.into()),
        };
        let actor = Actor {
            workspace_id: found.workspace_id,
            user_id: Some(user_id),
            name: person_label(name.as_str(), &found.email),
            ip: ip.to_string(),
        };
        let detail = format!(
            "{}; invited by {}",
            role_detail(found.role, found.api_access),
            found.invited_by_name
        );
        audit::record(
            conn,
            &actor,
            Action::MemberJoined,
            &person_label(name.as_str(), &found.email),
            &detail,
        )?;
        Ok(Ok(user_id))
    })
    .or_else(|e: JoinError| match e {
        JoinError::Rollback(Rollback::EmailTaken) => Ok(Err(JoinRefused::EmailTaken)),
        JoinError::Rollback(Rollback::InviterGone) => {
            Ok(Err(JoinRefused::Link(LinkState::InviterGone)))
        }
        JoinError::Db(other) => Err(other),
    })
}

/// Undoes a join that must not happen, so the invitation stays unused.
#[derive(Debug)]
enum Rollback {
    EmailTaken,
    InviterGone,
}

/// A join's transaction ends in a refusal (rolled back) or a database error.
#[derive(Debug)]
enum JoinError {
    Rollback(Rollback),
    Db(DbError),
}

impl From<Rollback> for JoinError {
    fn from(why: Rollback) -> Self {
        Self::Rollback(why)
    }
}

impl From<DbError> for JoinError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

/// The user a pending reset link is for, or why there is none.
pub fn open_reset(
    conn: &mut DbConnection,
    digest: &LinkDigest,
) -> Result<Result<user::User, LinkState>, DbError> {
    let Some(found) = password_reset::find_by_digest(conn, digest)? else {
        return Ok(Err(LinkState::Unknown));
    };
    let now = crate::db::now();
    if found.used_at.is_some() {
        return Ok(Err(LinkState::Used));
    }
    if found.replaced_at.is_some() {
        return Ok(Err(LinkState::Replaced));
    }
    if found.expires_at <= now {
        return Ok(Err(LinkState::Expired));
    }
    match user::find(conn, found.user_id)? {
        Some(found) => Ok(Ok(found)),
        None => Ok(Err(LinkState::Unknown)),
    }
}

/// Spends the reset link, sets the password and ends every session of the user.
pub fn reset_password(
    conn: &mut DbConnection,
    digest: &LinkDigest,
    password_hash: &str,
    ip: &str,
) -> Result<Result<i32, LinkState>, DbError> {
    let Some(found) = password_reset::find_by_digest(conn, digest)? else {
        return Ok(Err(LinkState::Unknown));
    };
    let Some(owner) = user::find(conn, found.user_id)? else {
        return Ok(Err(LinkState::Unknown));
    };
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, owner.workspace_id)?;
        let now = crate::db::now();
        if !password_reset::mark_used(conn, found.id, now)? {
            // Read again inside the lock: say what happened to it meanwhile.
            let again = password_reset::find_by_digest(conn, digest)?;
            let state = match again {
                Some(again) if again.replaced_at.is_some() => LinkState::Replaced,
                _ if found.expires_at <= now => LinkState::Expired,
                _ => LinkState::Used,
            };
            return Ok(Err(state));
        }
        password_reset::replace_outstanding(conn, owner.id, Some(found.id), now)?;
        user::set_password_hash(conn, owner.id, password_hash)?;
        session::delete_for_user(conn, owner.id)?;
        let actor = Actor {
            workspace_id: owner.workspace_id,
            user_id: Some(owner.id),
            name: person_label(&owner.name, &owner.email),
            ip: ip.to_string(),
        };
        audit::record(
            conn,
            &actor,
            Action::PasswordReset,
            &person_label(&owner.name, &owner.email),
            "With a reset link from `keydesk reset-password`; logged out everywhere",
        )?;
        Ok(Ok(owner.id))
    })
}

/// Records a reset link for the user with `email` (the CLI prints it) and makes their
/// earlier links void; `None` if no user has that email.
pub fn create_reset(
    conn: &mut DbConnection,
    email: &str,
    digest: &LinkDigest,
) -> Result<Option<i32>, DbError> {
    conn.transaction(|conn| {
        crate::db::write_first(conn)?;
        let Some(owner) = user::find_by_email(conn, email)? else {
            return Ok(None);
        };
        let id = password_reset::insert(conn, owner.id, digest)?;
        password_reset::replace_outstanding(conn, owner.id, Some(id), crate::db::now())?;
        Ok(Some(id))
    })
}

//! "Ask for API access" and an admin's answer. Each runs in one transaction that starts
//! with `workspace::lock_for_writing`, so two submissions of one member, or two admins
//! answering one request, run one after the other: the second sees the first's result.
//! The partial unique index on pending requests backs this up should a writer skip the lock.

use diesel::Connection;
use diesel::result::{DatabaseErrorKind, Error as DbError};

use crate::db::DbConnection;
use crate::domain::access_request::{Reason, RequestStatus};
use crate::models::access_request::{self, AccessRequest};
use crate::models::audit::{self, Action, Actor, person_label};
use crate::models::user::{self, User};
use crate::models::workspace;

/// What became of "Ask for API access".
#[derive(Debug)]
pub enum Asked {
    Created,
    /// The member already waits for an answer to this request.
    AlreadyPending(AccessRequest),
    /// API access was turned on meanwhile (or the asker is an admin).
    AlreadyHasAccess,
}

/// Records a member's request for API access, audited.
pub fn ask(conn: &mut DbConnection, actor: &Actor, reason: &Reason) -> Result<Asked, DbError> {
    let Some(user_id) = actor.user_id else {
        return Ok(Asked::AlreadyHasAccess);
    };
    let asked = conn.transaction(|conn| -> Result<Asked, DbError> {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        let Some(me) = user::find_in_workspace(conn, actor.workspace_id, user_id)? else {
            return Err(DbError::NotFound);
        };
        if me.can_use_api_keys() {
            return Ok(Asked::AlreadyHasAccess);
        }
        if let Some(pending) = access_request::pending_of(conn, user_id)? {
            return Ok(Asked::AlreadyPending(pending));
        }
        access_request::insert_pending(conn, actor.workspace_id, user_id, reason.as_str())?;
        audit::record(
            conn,
            actor,
            Action::AccessRequestCreated,
            &person_label(&me.name, &me.email),
            reason_detail(reason.as_str()),
        )?;
        Ok(Asked::Created)
    });
    match asked {
        // The index refused a second pending request: report the one that won.
        Err(DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            match access_request::pending_of(conn, user_id)? {
                Some(pending) => Ok(Asked::AlreadyPending(pending)),
                None => Err(DbError::NotFound),
            }
        }
        other => other,
    }
}

fn reason_detail(reason: &str) -> &str {
    if reason.is_empty() {
        "No reason given"
    } else {
        reason
    }
}

/// An admin's answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Approve,
    Decline,
}

/// What became of an answer.
#[derive(Debug)]
pub enum Decided {
    /// Done; the member's name.
    Done(String),
    /// Someone answered first (or the same form was sent twice).
    Already(RequestStatus),
    /// Not a request of this workspace.
    NotFound,
    /// The acting admin lost the role while the request was on its way.
    NoLongerAdmin,
}

/// Approves (turning API access on) or declines a pending request, audited.
pub fn answer(
    conn: &mut DbConnection,
    actor: &Actor,
    by_name: &str,
    id: i32,
    answer: Answer,
    decline_reason: &Reason,
) -> Result<Decided, DbError> {
    conn.transaction(|conn| {
        workspace::lock_for_writing(conn, actor.workspace_id)?;
        let Some(request) = access_request::find_in_workspace(conn, actor.workspace_id, id)? else {
            return Ok(Decided::NotFound);
        };
        let still_admin = match actor.user_id {
            Some(me) => user::find_in_workspace(conn, actor.workspace_id, me)?
                .is_some_and(|me| me.is_admin()),
            None => false,
        };
        if !still_admin {
            return Ok(Decided::NoLongerAdmin);
        }
        if request.status != RequestStatus::Pending {
            return Ok(Decided::Already(request.status));
        }
        let Some(member) = user::find_in_workspace(conn, actor.workspace_id, request.user_id)?
        else {
            return Ok(Decided::NotFound);
        };
        let subject = person_label(&member.name, &member.email);
        match answer {
            Answer::Approve => {
                access_request::decide(conn, id, RequestStatus::Approved, by_name, None)?;
                audit::record(
                    conn,
                    actor,
                    Action::AccessRequestApproved,
                    &subject,
                    reason_detail(&request.reason),
                )?;
                grant(conn, actor, &member, "Approved their access request")?;
            }
            Answer::Decline => {
                let reason = decline_reason.as_str();
                let stored = (!reason.is_empty()).then_some(reason);
                access_request::decide(conn, id, RequestStatus::Declined, by_name, stored)?;
                audit::record(
                    conn,
                    actor,
                    Action::AccessRequestDeclined,
                    &subject,
                    reason_detail(reason),
                )?;
            }
        }
        Ok(Decided::Done(member.name))
    })
}

/// Turns a member's API access on, audited; nothing when they already have it.
fn grant(conn: &mut DbConnection, actor: &Actor, member: &User, why: &str) -> Result<(), DbError> {
    if member.can_use_api_keys() {
        return Ok(());
    }
    user::set_api_access(conn, member.id, true)?;
    audit::record(
        conn,
        actor,
        Action::ApiAccessGranted,
        &person_label(&member.name, &member.email),
        why,
    )
}

/// When an admin gives a member API access directly (the switch, or making them an admin),
/// the member's pending request is answered by it: approved, audited with `how`. Call
/// inside the change's transaction.
pub fn approve_pending_of(
    conn: &mut DbConnection,
    actor: &Actor,
    by_name: &str,
    member: &User,
    how: &str,
) -> Result<(), DbError> {
    let Some(pending) = access_request::pending_of(conn, member.id)? else {
        return Ok(());
    };
    access_request::decide(conn, pending.id, RequestStatus::Approved, by_name, None)?;
    audit::record(
        conn,
        actor,
        Action::AccessRequestApproved,
        &person_label(&member.name, &member.email),
        how,
    )
}

//! The audit log: who did what, when, from where.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::{DbConnection, schema::audit_events};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i32,
    pub workspace_id: i32,
    pub actor_id: Option<i32>,
    pub actor_name: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub ip: String,
    pub created_at: PrimitiveDateTime,
}

/// What happened. The stored code is stable; the label is what people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    WorkspaceCreated,
    /// An admin created a member with a password (the first release only; entries of
    /// it stay in the log as they happened).
    MemberAdded,
    /// Someone joined from an invitation link.
    MemberJoined,
    MemberInvited,
    InvitationRevoked,
    PasswordReset,
    MemberRemoved,
    RoleChanged,
    ApiAccessGranted,
    ApiAccessRevoked,
    KeyCreated,
    KeyRenamed,
    KeyRegenerated,
    KeyDeleted,
    KeyExpired,
    KeyDisabled,
    KeyEnabled,
    KeyAccessChanged,
    PolicyChanged,
    AccessRequestCreated,
    AccessRequestApproved,
    AccessRequestDeclined,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodesRegenerated,
    TwoFactorRequired,
    NameChanged,
    PasswordChanged,
    SessionSignedOut,
    OtherSessionsSignedOut,
    WebhookCreated,
    WebhookDeleted,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Self::WorkspaceCreated => "workspace.created",
            Self::MemberAdded => "member.added",
            Self::MemberJoined => "member.joined",
            Self::MemberInvited => "member.invited",
            Self::InvitationRevoked => "invitation.revoked",
            Self::PasswordReset => "member.password_reset",
            Self::MemberRemoved => "member.removed",
            Self::RoleChanged => "member.role_changed",
            Self::ApiAccessGranted => "member.api_access_granted",
            Self::ApiAccessRevoked => "member.api_access_revoked",
            Self::KeyCreated => "key.created",
            Self::KeyRenamed => "key.renamed",
            Self::KeyRegenerated => "key.regenerated",
            Self::KeyDeleted => "key.deleted",
            Self::KeyExpired => "key.expired",
            Self::KeyDisabled => "key.disabled",
            Self::KeyEnabled => "key.enabled",
            Self::KeyAccessChanged => "key.access_changed",
            Self::PolicyChanged => "policy.changed",
            Self::AccessRequestCreated => "access_request.created",
            Self::AccessRequestApproved => "access_request.approved",
            Self::AccessRequestDeclined => "access_request.declined",
            Self::TwoFactorEnabled => "two_factor.enabled",
            Self::TwoFactorDisabled => "two_factor.disabled",
            Self::RecoveryCodesRegenerated => "two_factor.recovery_codes_regenerated",
            Self::TwoFactorRequired => "workspace.two_factor_required",
            Self::NameChanged => "account.name_changed",
            Self::PasswordChanged => "account.password_changed",
            Self::SessionSignedOut => "account.session_signed_out",
            Self::OtherSessionsSignedOut => "account.other_sessions_signed_out",
            Self::WebhookCreated => "webhook.created",
            Self::WebhookDeleted => "webhook.deleted",
        }
    }

    pub fn label_of(code: &str) -> &str {
        match code {
            "workspace.created" => "Workspace created",
            "member.added" => "Member added",
            "member.joined" => "Member joined",
            "member.invited" => "Member invited",
            "invitation.revoked" => "Invitation revoked",
            "member.password_reset" => "Password reset",
            "member.removed" => "Member removed",
            "member.role_changed" => "Role changed",
            "member.api_access_granted" => "API access granted",
            "member.api_access_revoked" => "API access revoked",
            "key.created" => "Key created",
            "key.renamed" => "Key renamed",
            "key.regenerated" => "Key regenerated",
            "key.deleted" => "Key deleted",
            "key.expired" => "Key expired",
            "key.disabled" => "Key disabled",
            "key.enabled" => "Key enabled",
            "key.access_changed" => "Access changed",
            "policy.changed" => "Key policy changed",
            "access_request.created" => "API access requested",
            "access_request.approved" => "API access request approved",
            "access_request.declined" => "API access request declined",
            "two_factor.enabled" => "Two-factor authentication turned on",
            "two_factor.disabled" => "Two-factor authentication turned off",
            "two_factor.recovery_codes_regenerated" => "Recovery codes regenerated",
            "workspace.two_factor_required" => "Two-factor requirement changed",
            "account.name_changed" => "Name changed",
            "account.password_changed" => "Password changed",
            "account.session_signed_out" => "Session signed out",
            "account.other_sessions_signed_out" => "Other sessions signed out",
            "webhook.created" => "Webhook added",
            "webhook.deleted" => "Webhook deleted",
            other => other,
        }
    }
}

/// How the audit log names a key: its name and masked hint.
pub fn key_label(name: &str, last4: &str) -> String {
    format!("{name} ({})", crate::domain::api_key::masked(last4))
}

/// How the audit log names a person: "Ada Lovelace <ada@example.com>".
pub fn person_label(name: &str, email: &str) -> String {
    format!("{name} <{email}>")
}

/// Who acted and from where; `None` actor means the system (e.g. an expiry).
#[derive(Debug, Clone)]
pub struct Actor {
    pub workspace_id: i32,
    pub user_id: Option<i32>,
    pub name: String,
    pub ip: String,
}

pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: Action,
    subject: &str,
    detail: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::workspace_id.eq(actor.workspace_id),
            audit_events::actor_id.eq(actor.user_id),
            audit_events::actor_name.eq(&actor.name),
            audit_events::action.eq(action.code()),
            audit_events::subject.eq(subject),
            audit_events::detail.eq(detail),
            audit_events::ip.eq(&actor.ip),
            audit_events::created_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// One page of the log, newest first, and the total count.
pub fn page(
    conn: &mut DbConnection,
    workspace_id: i32,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<AuditEvent>, i64)> {
    let total = audit_events::table
        .filter(audit_events::workspace_id.eq(workspace_id))
        .count()
        .get_result(conn)?;
    let rows = audit_events::table
        .filter(audit_events::workspace_id.eq(workspace_id))
        .order(audit_events::id.desc())
        .offset(offset)
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)?;
    Ok((rows, total))
}

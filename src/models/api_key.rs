//! API keys and their usage. Only digests are stored; see `domain::api_key`.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::api_keys;
use crate::domain::api_key::KeyDigest;
use crate::domain::key_access::KeyAccess;
use crate::domain::scopes::Scopes;

mod by_digest;
pub use by_digest::{
    FoundWith, KeyGate, each_digest, find_by_digest, gate_by_digest, gate_by_previous_digest,
    gates_by_previous_digests,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: i32,
    pub workspace_id: i32,
    pub created_by: Option<i32>,
    pub created_by_name: String,
    pub name: String,
    pub note: String,
    pub last4: String,
    pub read_only: bool,
    pub allowed_ips: String,
    pub expires_in_days: Option<i32>,
    pub expires_at: Option<PrimitiveDateTime>,
    pub created_at: PrimitiveDateTime,
    pub rotated_at: Option<PrimitiveDateTime>,
    pub previous_last4: Option<String>,
    pub previous_expires_at: Option<PrimitiveDateTime>,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub last_used_ip: Option<String>,
    pub last_used_agent: Option<String>,
    /// Set while the key is disabled: refused, but kept to be enabled again.
    pub disabled_at: Option<PrimitiveDateTime>,
    pub disabled_by_name: Option<String>,
    /// "Custom" access, as `domain::scopes::Scopes::to_stored` writes it; NULL otherwise.
    pub scopes: Option<String>,
    /// When the key was last enabled again; the key policy counts inactivity from then at the latest.
    pub enabled_at: Option<PrimitiveDateTime>,
    /// Set when the key policy disabled the key: after how many days unused.
    pub disabled_unused_days: Option<i32>,
    /// "Verify keys": may ask `POST /api/keys/verify` about other keys of the workspace.
    pub verify_keys: bool,
}

impl ApiKey {
    pub fn is_expired(&self, now: PrimitiveDateTime) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }

    /// The previous secret's grace period, while it runs.
    pub fn grace_until(&self, now: PrimitiveDateTime) -> Option<PrimitiveDateTime> {
        self.previous_expires_at.filter(|t| *t > now)
    }

    /// When the current secret was issued.
    pub fn secret_issued_at(&self) -> PrimitiveDateTime {
        self.rotated_at.unwrap_or(self.created_at)
    }

    /// What the key may do with the workspace's data.
    pub fn access(&self) -> Scopes {
        Scopes::from_stored(self.read_only, self.scopes.as_deref())
    }

    /// Everything the key is granted: its scopes and "Verify keys".
    pub fn grants(&self) -> KeyAccess {
        KeyAccess::from_stored(self.read_only, self.scopes.as_deref(), self.verify_keys)
    }
}

/// Which keys a person may see: the whole workspace (admins) or their own (members).
#[derive(Debug, Clone, Copy)]
pub struct KeyScope {
    pub workspace_id: i32,
    pub only_created_by: Option<i32>,
}

pub struct NewApiKey<'a> {
    pub workspace_id: i32,
    pub created_by: i32,
    pub created_by_name: &'a str,
    pub name: &'a str,
    pub note: &'a str,
    pub digest: KeyDigest,
    pub last4: &'a str,
    pub access: KeyAccess,
    pub allowed_ips: &'a str,
    pub expires_in_days: Option<i32>,
    pub expires_at: Option<PrimitiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, new: &NewApiKey<'_>) -> QueryResult<i32> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::workspace_id.eq(new.workspace_id),
            api_keys::created_by.eq(new.created_by),
            api_keys::created_by_name.eq(new.created_by_name),
            api_keys::name.eq(new.name),
            api_keys::name_key.eq(new.name.to_lowercase()),
            api_keys::note.eq(new.note),
            api_keys::key_hash.eq(new.digest.0.to_vec()),
            api_keys::last4.eq(new.last4),
            api_keys::read_only.eq(new.access.scopes.to_stored().0),
            api_keys::scopes.eq(new.access.scopes.to_stored().1),
            api_keys::verify_keys.eq(new.access.verify_keys),
            api_keys::allowed_ips.eq(new.allowed_ips),
            api_keys::expires_in_days.eq(new.expires_in_days),
            api_keys::expires_at.eq(new.expires_at),
            api_keys::expiry_logged.eq(false),
            api_keys::created_at.eq(crate::db::now()),
        ))
        .returning(api_keys::id)
        .get_result(conn)
}

pub fn count_in_workspace(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<i64> {
    api_keys::table
        .filter(api_keys::workspace_id.eq(workspace_id))
        .count()
        .get_result(conn)
}

/// Whether another key of the workspace has this name, ignoring case.
pub fn name_taken(
    conn: &mut DbConnection,
    workspace_id: i32,
    name: &str,
    except_id: Option<i32>,
) -> QueryResult<bool> {
    let mut query = api_keys::table
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_keys::name_key.eq(name.to_lowercase()))
        .into_boxed();
    if let Some(id) = except_id {
        query = query.filter(api_keys::id.ne(id));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

pub fn list(conn: &mut DbConnection, scope: KeyScope) -> QueryResult<Vec<ApiKey>> {
    let mut query = api_keys::table
        .filter(api_keys::workspace_id.eq(scope.workspace_id))
        .into_boxed();
    if let Some(user_id) = scope.only_created_by {
        query = query.filter(api_keys::created_by.eq(user_id));
    }
    query
        .order(api_keys::id.desc())
        .select(ApiKey::as_select())
        .load(conn)
}

/// A key the scope may see; any other id (another workspace's, a colleague's) is not found.
pub fn find_visible(
    conn: &mut DbConnection,
    scope: KeyScope,
    id: i32,
) -> QueryResult<Option<ApiKey>> {
    let mut query = api_keys::table
        .filter(api_keys::workspace_id.eq(scope.workspace_id))
        .filter(api_keys::id.eq(id))
        .into_boxed();
    if let Some(user_id) = scope.only_created_by {
        query = query.filter(api_keys::created_by.eq(user_id));
    }
    query.select(ApiKey::as_select()).first(conn).optional()
}

pub fn rename(conn: &mut DbConnection, id: i32, name: &str, note: &str) -> QueryResult<usize> {
    diesel::update(api_keys::table.find(id))
        .set((
            api_keys::name.eq(name),
            api_keys::name_key.eq(name.to_lowercase()),
            api_keys::note.eq(note),
        ))
        .execute(conn)
}

/// Disables a key (`by` names who, for the refusal and the list) or, with `None`,
/// enables it again. Returns the rows changed: 0 when it was already in that state.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: i32,
    by: Option<(&str, PrimitiveDateTime)>,
) -> QueryResult<usize> {
    let row = api_keys::table.find(id);
    match by {
        Some((name, at)) => diesel::update(row.filter(api_keys::disabled_at.is_null()))
            .set((
                api_keys::disabled_at.eq(at),
                api_keys::disabled_by_name.eq(name),
                api_keys::disabled_unused_days.eq(None::<i32>),
            ))
            .execute(conn),
        None => diesel::update(row.filter(api_keys::disabled_at.is_not_null()))
            .set((
                api_keys::disabled_at.eq(None::<PrimitiveDateTime>),
                api_keys::disabled_by_name.eq(None::<String>),
                api_keys::disabled_unused_days.eq(None::<i32>),
                api_keys::enabled_at.eq(crate::db::now()),
            ))
            .execute(conn),
    }
}

/// Changes what a key may do ("Edit access"); effective on its next request.
pub fn set_access(conn: &mut DbConnection, id: i32, access: KeyAccess) -> QueryResult<usize> {
    let (read_only, scopes) = access.scopes.to_stored();
    diesel::update(api_keys::table.find(id))
        .set((
            api_keys::read_only.eq(read_only),
            api_keys::scopes.eq(scopes),
            api_keys::verify_keys.eq(access.verify_keys),
        ))
        .execute(conn)
}

/// The enabled keys of a workspace not used, created, regenerated or enabled again since
/// `cutoff`. Each column is compared on its own: no dialect's GREATEST is needed.
pub fn unused_since(
    conn: &mut DbConnection,
    workspace_id: i32,
    cutoff: PrimitiveDateTime,
) -> QueryResult<Vec<ApiKey>> {
    api_keys::table
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_keys::disabled_at.is_null())
        .filter(api_keys::created_at.lt(cutoff))
        .filter(
            api_keys::last_used_at
                .is_null()
                .or(api_keys::last_used_at.lt(cutoff)),
        )
        .filter(
            api_keys::rotated_at
                .is_null()
                .or(api_keys::rotated_at.lt(cutoff)),
        )
        .filter(
            api_keys::enabled_at
                .is_null()
                .or(api_keys::enabled_at.lt(cutoff)),
        )
        .order(api_keys::id)
        .select(ApiKey::as_select())
        .load(conn)
}

/// Disables a key for the key policy, noting after how many days unused (0 rows if it was).
pub fn disable_unused(
    conn: &mut DbConnection,
    id: i32,
    at: PrimitiveDateTime,
    by: &str,
    days: i32,
) -> QueryResult<usize> {
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::disabled_at.is_null()),
    )
    .set((
        api_keys::disabled_at.eq(at),
        api_keys::disabled_by_name.eq(by),
        api_keys::disabled_unused_days.eq(days),
    ))
    .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(api_keys::table.find(id)).execute(conn)
}

/// Gives the key a new secret that expires `expires_in_days` from now (never with `None`).
/// With `grace_until`, the old secret keeps working until then.
pub fn regenerate(
    conn: &mut DbConnection,
    key: &ApiKey,
    digest: KeyDigest,
    last4: &str,
    grace_until: Option<PrimitiveDateTime>,
    expires_in_days: Option<i32>,
) -> QueryResult<usize> {
    let now = crate::db::now();
    let old_hash: Option<Vec<u8>> = match grace_until {
        Some(_) => Some(
            api_keys::table
                .find(key.id)
                .select(api_keys::key_hash)
                .first(conn)?,
        ),
        None => None,
    };
    let expires_at = expires_in_days.map(|days| now + time::Duration::days(days.into()));
    diesel::update(api_keys::table.find(key.id))
        .set((
            api_keys::key_hash.eq(digest.0.to_vec()),
            api_keys::last4.eq(last4),
            api_keys::rotated_at.eq(now),
            api_keys::expires_in_days.eq(expires_in_days),
            api_keys::expires_at.eq(expires_at),
            api_keys::expiry_logged.eq(false),
            api_keys::previous_hash.eq(old_hash),
            api_keys::previous_last4.eq(grace_until.map(|_| key.last4.clone())),
            api_keys::previous_expires_at.eq(grace_until),
        ))
        .execute(conn)
}

/// Which of `ids` still exist (usage of a key deleted meanwhile is dropped).
pub fn existing_ids(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<i32>> {
    api_keys::table
        .filter(api_keys::id.eq_any(ids))
        .select(api_keys::id)
        .load(conn)
}

/// "Last used": when, from which address, with which user agent.
pub fn record_last_use(
    conn: &mut DbConnection,
    id: i32,
    at: PrimitiveDateTime,
    ip: &str,
    agent: &str,
) -> QueryResult<usize> {
    diesel::update(api_keys::table.find(id))
        .set((
            api_keys::last_used_at.eq(at),
            api_keys::last_used_ip.eq(ip),
            api_keys::last_used_agent.eq(agent),
        ))
        .execute(conn)
}

/// Keys whose expiry has passed and has no audit entry yet (of one workspace, or all).
pub fn expired_unlogged(
    conn: &mut DbConnection,
    workspace_id: Option<i32>,
    now: PrimitiveDateTime,
) -> QueryResult<Vec<ApiKey>> {
    let mut query = api_keys::table
        .filter(api_keys::expires_at.le(now))
        .filter(api_keys::expiry_logged.eq(false))
        .into_boxed();
    if let Some(id) = workspace_id {
        query = query.filter(api_keys::workspace_id.eq(id));
    }
    query.select(ApiKey::as_select()).load(conn)
}

/// Marks a key's expiry as logged; false when another instance already did.
pub fn claim_expiry_entry(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    let claimed = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::expiry_logged.eq(false)),
    )
    .set(api_keys::expiry_logged.eq(true))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// The members of a workspace who created keys that still exist.
pub fn creators_in_workspace(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<Vec<i32>> {
    let creators: Vec<Option<i32>> = api_keys::table
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_keys::created_by.is_not_null())
        .select(api_keys::created_by)
        .distinct()
        .load(conn)?;
    Ok(creators.into_iter().flatten().collect())
}

//! API keys and their usage. Only digests are stored; see `domain::api_key`.

use diesel::prelude::*;
use time::{Date, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::db::schema::{api_key_clients, api_key_usage, api_keys, form_nonces};
use crate::domain::api_key::KeyDigest;
use crate::domain::sighting::SightingKind;

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
    pub read_only: bool,
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
            api_keys::read_only.eq(new.read_only),
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

/// The key whose current or (still valid or not) previous secret has this digest,
/// and whether it was the previous one. One indexed lookup per column.
pub fn find_by_digest(
    conn: &mut DbConnection,
    digest: &KeyDigest,
) -> QueryResult<Option<(ApiKey, bool)>> {
    // Both columns are unique, so no LIMIT: this runs on every API request.
    let hash = digest.0.to_vec();
    let current = api_keys::table
        .filter(api_keys::key_hash.eq(&hash))
        .select(ApiKey::as_select())
        .load(conn)?
        .pop();
    if let Some(key) = current {
        return Ok(Some((key, false)));
    }
    Ok(api_keys::table
        .filter(api_keys::previous_hash.eq(&hash))
        .select(ApiKey::as_select())
        .load(conn)?
        .pop()
        .map(|key| (key, true)))
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

pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<usize> {
    diesel::delete(api_keys::table.find(id)).execute(conn)
}

/// Gives the key a new secret. With `grace_until`, the old secret keeps working until then.
pub fn regenerate(
    conn: &mut DbConnection,
    key: &ApiKey,
    digest: KeyDigest,
    last4: &str,
    grace_until: Option<PrimitiveDateTime>,
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
    let expires_at = key
        .expires_in_days
        .map(|days| now + time::Duration::days(days.into()));
    diesel::update(api_keys::table.find(key.id))
        .set((
            api_keys::key_hash.eq(digest.0.to_vec()),
            api_keys::last4.eq(last4),
            api_keys::rotated_at.eq(now),
            api_keys::expires_at.eq(expires_at),
            api_keys::expiry_logged.eq(false),
            api_keys::previous_hash.eq(old_hash),
            api_keys::previous_last4.eq(grace_until.map(|_| key.last4.clone())),
            api_keys::previous_expires_at.eq(grace_until),
        ))
        .execute(conn)
}

/// Requests per key and day since `since` for the keys of a workspace.
pub fn usage_since(
    conn: &mut DbConnection,
    workspace_id: i32,
    since: Date,
) -> QueryResult<Vec<(i32, Date, i64)>> {
    api_key_usage::table
        .inner_join(api_keys::table)
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_key_usage::day.ge(since))
        .select((
            api_key_usage::key_id,
            api_key_usage::day,
            api_key_usage::requests,
        ))
        .load(conn)
}

/// A client row: an address or user agent seen using a key.
#[derive(Debug, Clone, Queryable)]
pub struct ClientSighting {
    pub key_id: i32,
    /// An unknown stored kind fails the whole load: a row is never silently dropped.
    #[diesel(deserialize_as = String)]
    pub kind: SightingKind,
    pub value: String,
    pub first_seen: PrimitiveDateTime,
    pub last_seen: PrimitiveDateTime,
}

pub fn clients_seen_since(
    conn: &mut DbConnection,
    workspace_id: i32,
    since: PrimitiveDateTime,
) -> QueryResult<Vec<ClientSighting>> {
    api_key_clients::table
        .inner_join(api_keys::table)
        .filter(api_keys::workspace_id.eq(workspace_id))
        .filter(api_key_clients::last_seen.ge(since))
        .select((
            api_key_clients::key_id,
            api_key_clients::kind,
            api_key_clients::value,
            api_key_clients::first_seen,
            api_key_clients::last_seen,
        ))
        .load(conn)
}

/// Writes a "Key expired" audit entry once for each key whose expiry has passed.
pub fn log_expirations(conn: &mut DbConnection, workspace_id: Option<i32>) -> QueryResult<usize> {
    use crate::models::audit::{self, Action, Actor};
    let now = crate::db::now();
    let mut query = api_keys::table
        .filter(api_keys::expires_at.le(now))
        .filter(api_keys::expiry_logged.eq(false))
        .into_boxed();
    if let Some(id) = workspace_id {
        query = query.filter(api_keys::workspace_id.eq(id));
    }
    let expired: Vec<ApiKey> = query.select(ApiKey::as_select()).load(conn)?;
    for key in &expired {
        conn.transaction(|conn| {
            let claimed = diesel::update(
                api_keys::table
                    .find(key.id)
                    .filter(api_keys::expiry_logged.eq(false)),
            )
            .set(api_keys::expiry_logged.eq(true))
            .execute(conn)?;
            if claimed == 1 {
                let actor = Actor {
                    workspace_id: key.workspace_id,
                    user_id: None,
                    name: "Keydesk".into(),
                    ip: "-".into(),
                };
                let when = key.expires_at.map(crate::format::exact).unwrap_or_default();
                audit::record(
                    conn,
                    &actor,
                    Action::KeyExpired,
                    &key_label(&key.name, &key.last4),
                    &format!("Expired at {when}"),
                )?;
            }
            QueryResult::Ok(())
        })?;
    }
    Ok(expired.len())
}

/// How the audit log names a key: its name and masked hint.
pub fn key_label(name: &str, last4: &str) -> String {
    format!("{name} ({})", crate::domain::api_key::masked(last4))
}

/// Whether a form's one-time token was already used.
pub fn nonce_used(conn: &mut DbConnection, nonce: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        form_nonces::table.filter(form_nonces::nonce.eq(nonce)),
    ))
    .get_result(conn)
}

/// Records a form's one-time token. False when it was already used.
pub fn consume_nonce(conn: &mut DbConnection, nonce: &str) -> QueryResult<bool> {
    let inserted = diesel::insert_into(form_nonces::table)
        .values((
            form_nonces::nonce.eq(nonce),
            form_nonces::created_at.eq(crate::db::now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn prune_nonces(conn: &mut DbConnection, before: PrimitiveDateTime) -> QueryResult<usize> {
    diesel::delete(form_nonces::table.filter(form_nonces::created_at.lt(before))).execute(conn)
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sqlite::SqliteConnection;

    use super::*;

    /// A fresh database holding one key of workspace 1, seen by a client of `kind`.
    fn key_seen_as(kind: &str) -> DbConnection {
        let mut conn = DbConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        crate::db::run_migrations(&mut conn).unwrap();
        conn.batch_execute(&format!(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO api_keys (id, workspace_id, created_by_name, name, name_key, note,
                 key_hash, last4, read_only, allowed_ips, created_at)
             VALUES (1, 1, 'Ann', 'Clay', 'clay', '', x'00', 'AAAA', 0, '', '2025-06-01 00:00:00');
             INSERT INTO api_key_clients VALUES
                 (1, '{kind}', 'Zapier/1.0', '2025-06-01 00:00:00', '2025-06-02 00:00:00');"
        ))
        .unwrap();
        conn
    }

    fn since() -> PrimitiveDateTime {
        time::macros::datetime!(2025-01-01 00:00:00)
    }

    #[test]
    fn a_stored_kind_is_read_into_the_enum() {
        let mut conn = key_seen_as("agent");
        let seen = clients_seen_since(&mut conn, 1, since()).unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].kind, SightingKind::Agent);
    }

    #[test]
    fn an_unknown_stored_kind_fails_the_load_instead_of_being_skipped() {
        let mut conn = key_seen_as("mac");
        let error = clients_seen_since(&mut conn, 1, since()).unwrap_err();
        assert!(error.to_string().contains("\"mac\""), "{error}");
    }
}

//! Finding a key by the digest of a secret someone presented: the whole row (for the
//! pages and `POST /api/keys/verify`) or what the API's gate checks on every request.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use super::ApiKey;
use crate::db::DbConnection;
use crate::db::schema::api_keys;
use crate::domain::api_key::KeyDigest;
use crate::domain::key_access::KeyAccess;

/// What the API's gate reads of a key on every request: the columns its checks need,
/// without the ones only shown (fewer columns to copy and timestamps to parse).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct KeyGate {
    pub id: i32,
    pub workspace_id: i32,
    pub created_by: Option<i32>,
    pub name: String,
    pub read_only: bool,
    pub scopes: Option<String>,
    pub verify_keys: bool,
    pub allowed_ips: String,
    pub expires_at: Option<PrimitiveDateTime>,
    pub previous_expires_at: Option<PrimitiveDateTime>,
    pub disabled_at: Option<PrimitiveDateTime>,
    pub disabled_by_name: Option<String>,
    pub disabled_unused_days: Option<i32>,
}

/// Keys found by the digests of their current secrets, each with that digest and data of
/// type `T` read in the same statement.
pub type FoundWith<T> = Vec<(Vec<u8>, KeyGate, T)>;

impl KeyGate {
    /// Everything the key is granted: its scopes and "Verify keys".
    pub fn grants(&self) -> KeyAccess {
        KeyAccess::from_stored(self.read_only, self.scopes.as_deref(), self.verify_keys)
    }
}

/// The row of type `$row` whose `$column` (a secret's digest: both columns are unique,
/// so no LIMIT) is `$hash`: one indexed lookup, on the concrete connection (see
/// `db::on_backend`).
macro_rules! by_column {
    ($conn:expr, $column:expr, $hash:expr, $row:ty) => {
        crate::db::on_backend!($conn, |c| api_keys::table
            .filter($column.eq($hash))
            .select(<$row>::as_select())
            .get_result(c)
            .optional())
    };
}

/// The row of type `$row` whose current or previous secret has the digest `$hash`, and
/// whether it was the previous one: the current secret first.
macro_rules! by_digest {
    ($conn:expr, $hash:expr, $row:ty) => {{
        if let Some(key) = by_column!($conn, api_keys::key_hash, $hash, $row)? {
            return Ok(Some((key, false)));
        }
        Ok(by_column!($conn, api_keys::previous_hash, $hash, $row)?.map(|key| (key, true)))
    }};
}

/// The key whose current or (still valid or not) previous secret has this digest,
/// and whether it was the previous one.
pub fn find_by_digest(
    conn: &mut DbConnection,
    digest: &KeyDigest,
) -> QueryResult<Option<(ApiKey, bool)>> {
    by_digest!(conn, &digest.0[..], ApiKey)
}

/// As `find_by_digest`, with what the API's gate reads (it runs on every API request).
pub fn gate_by_digest(
    conn: &mut DbConnection,
    digest: &KeyDigest,
) -> QueryResult<Option<(KeyGate, bool)>> {
    by_digest!(conn, &digest.0[..], KeyGate)
}

/// As `gate_by_digest`, for a secret already known to be no key's current one: the key
/// whose previous secret has this digest.
pub fn gate_by_previous_digest(
    conn: &mut DbConnection,
    digest: &KeyDigest,
) -> QueryResult<Option<KeyGate>> {
    by_column!(conn, api_keys::previous_hash, &digest.0[..], KeyGate)
}

/// As `gate_by_previous_digest`, for several digests at once: each key whose previous
/// secret's digest is among `hashes`, with that digest. On PostgreSQL one statement, with
/// one parameter per digest (see `user::teams_with_keys`); on SQLite one cached lookup per
/// digest.
pub fn gates_by_previous_digests(
    conn: &mut DbConnection,
    hashes: &[&[u8]],
) -> QueryResult<Vec<(Vec<u8>, KeyGate)>> {
    let c = match conn {
        DbConnection::Postgresql(c) => c,
        DbConnection::Sqlite(_) => {
            return each_digest(conn, hashes, |conn, hash| {
                by_column!(conn, api_keys::previous_hash, hash, KeyGate)
            });
        }
    };
    let Some((first, rest)) = hashes.split_first() else {
        return Ok(Vec::new());
    };
    let mut query = api_keys::table
        .filter(api_keys::previous_hash.eq(*first))
        .select((
            api_keys::previous_hash.assume_not_null(),
            KeyGate::as_select(),
        ))
        .into_boxed();
    for hash in rest {
        query = query.or_filter(api_keys::previous_hash.eq(*hash));
    }
    query.load(c)
}

/// For SQLite, where a statement costs no round trip: `find` for each digest of `hashes`
/// in turn (a statement cached by its type), and each row found beside its digest.
pub fn each_digest<R>(
    conn: &mut DbConnection,
    hashes: &[&[u8]],
    mut find: impl FnMut(&mut DbConnection, &[u8]) -> QueryResult<Option<R>>,
) -> QueryResult<Vec<(Vec<u8>, R)>> {
    let mut found = Vec::with_capacity(hashes.len());
    for hash in hashes {
        if let Some(row) = find(conn, hash)? {
            found.push((hash.to_vec(), row));
        }
    }
    Ok(found)
}

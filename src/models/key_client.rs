//! The addresses and user agents seen using each key (`api_key_clients`).

use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::db::schema::{api_key_clients, api_keys};
use crate::domain::sighting::SightingKind;

/// Records an address or agent; one not seen for 30 days counts as new again.
pub fn note(
    conn: &mut DbConnection,
    key_id: i32,
    kind: SightingKind,
    value: &str,
    seen: PrimitiveDateTime,
) -> QueryResult<()> {
    let row = api_key_clients::table
        .filter(api_key_clients::key_id.eq(key_id))
        .filter(api_key_clients::kind.eq(kind.as_str()))
        .filter(api_key_clients::value.eq(value));
    let last_seen: Option<PrimitiveDateTime> = row
        .select(api_key_clients::last_seen)
        .first(conn)
        .optional()?;
    match last_seen {
        None => diesel::insert_into(api_key_clients::table)
            .values((
                api_key_clients::key_id.eq(key_id),
                api_key_clients::kind.eq(kind.as_str()),
                api_key_clients::value.eq(value),
                api_key_clients::first_seen.eq(seen),
                api_key_clients::last_seen.eq(seen),
            ))
            .execute(conn)?,
        Some(last) if seen - last > Duration::days(30) => diesel::update(row)
            .set((
                api_key_clients::first_seen.eq(seen),
                api_key_clients::last_seen.eq(seen),
            ))
            .execute(conn)?,
        Some(_) => diesel::update(row)
            .set(api_key_clients::last_seen.eq(seen))
            .execute(conn)?,
    };
    Ok(())
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

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::*;

    /// A fresh database holding one key of workspace 1, seen by a client of `kind`.
    fn key_seen_as(kind: &str) -> DbConnection {
        let mut conn = crate::db::temp_sqlite::in_memory();
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

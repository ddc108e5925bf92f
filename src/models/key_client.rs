//! The addresses and user agents seen using each key (`api_key_clients`).

use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

use crate::db::DbConnection;
use crate::db::schema::api_key_clients;

/// Records an address or agent; one not seen for 30 days counts as new again.
pub fn note(
    conn: &mut DbConnection,
    key_id: i32,
    kind: &str,
    value: &str,
    seen: PrimitiveDateTime,
) -> QueryResult<()> {
    let row = api_key_clients::table
        .filter(api_key_clients::key_id.eq(key_id))
        .filter(api_key_clients::kind.eq(kind))
        .filter(api_key_clients::value.eq(value));
    let last_seen: Option<PrimitiveDateTime> = row
        .select(api_key_clients::last_seen)
        .first(conn)
        .optional()?;
    match last_seen {
        None => diesel::insert_into(api_key_clients::table)
            .values((
                api_key_clients::key_id.eq(key_id),
                api_key_clients::kind.eq(kind),
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

//! Daily request counts per key (`api_key_usage`), written by the usage recorder's flush.

use diesel::prelude::*;
use time::Date;

use crate::db::DbConnection;
use crate::db::schema::{api_key_usage, api_keys};

/// Adds `requests` to a key's count for `day`.
pub fn add_requests(
    conn: &mut DbConnection,
    key_id: i32,
    day: Date,
    requests: i64,
) -> QueryResult<()> {
    let row = api_key_usage::table
        .filter(api_key_usage::key_id.eq(key_id))
        .filter(api_key_usage::day.eq(day));
    let updated = diesel::update(row)
        .set(api_key_usage::requests.eq(api_key_usage::requests + requests))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(api_key_usage::table)
            .values((
                api_key_usage::key_id.eq(key_id),
                api_key_usage::day.eq(day),
                api_key_usage::requests.eq(requests),
            ))
            .execute(conn)?;
    }
    Ok(())
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

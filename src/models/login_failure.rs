//! Failed logins, counted per account and address for throttling.

use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

use crate::db::{DbConnection, schema::login_failures};

pub fn record(conn: &mut DbConnection, email: &str, ip: &str) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::ip.eq(ip),
            login_failures::failed_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Failures for this account from this address since `since`, and the oldest of them.
pub fn recent(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    since: PrimitiveDateTime,
) -> QueryResult<(i64, Option<PrimitiveDateTime>)> {
    let scope = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::ip.eq(ip))
        .filter(login_failures::failed_at.gt(since));
    let count = scope.count().get_result(conn)?;
    let oldest = scope
        .select(diesel::dsl::min(login_failures::failed_at))
        .first(conn)?;
    Ok((count, oldest))
}

pub fn clear(conn: &mut DbConnection, email: &str, ip: &str) -> QueryResult<usize> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::email.eq(email))
            .filter(login_failures::ip.eq(ip)),
    )
    .execute(conn)
}

pub fn prune(conn: &mut DbConnection, window: Duration) -> QueryResult<usize> {
    diesel::delete(
        login_failures::table.filter(login_failures::failed_at.lt(crate::db::now() - window)),
    )
    .execute(conn)
}

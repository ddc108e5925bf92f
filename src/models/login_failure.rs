//! Failed logins, counted per account and address, per address, per account, and per
//! known device (for throttling). A row is written before the password is checked and
//! deleted again if it was right, so a check in flight already counts.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use time::{Duration, PrimitiveDateTime};

use crate::db::{DbConnection, schema::login_failures};

/// Whose failures to count. Attempts from a known device count only against that
/// device; every other attempt counts against its account, its address, and both.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    AccountFromAddress { email: &'a str, ip: &'a str },
    Address { ip: &'a str },
    Account { email: &'a str },
    Device { email: &'a str, device: &'a str },
}

type ScopedQuery<'a> = login_failures::BoxedQuery<'a, crate::db::MultiBackend>;

fn scoped(scope: Scope<'_>) -> ScopedQuery<'_> {
    let query = login_failures::table.into_boxed();
    match scope {
        Scope::AccountFromAddress { email, ip } => query
            .filter(login_failures::email.eq(email))
            .filter(login_failures::ip.eq(ip))
            .filter(login_failures::device.is_null()),
        Scope::Address { ip } => query
            .filter(login_failures::ip.eq(ip))
            .filter(login_failures::device.is_null()),
        Scope::Account { email } => query
            .filter(login_failures::email.eq(email))
            .filter(login_failures::device.is_null()),
        Scope::Device { email, device } => query
            .filter(login_failures::email.eq(email))
            .filter(login_failures::device.eq(device)),
    }
}

/// Inside a transaction: waits for, then holds until commit, the right to write this
/// table, so that counting and recording a failure happen as one step across every
/// connection and instance. It also drops rows older than `since`.
pub fn lock(conn: &mut DbConnection, since: PrimitiveDateTime) -> QueryResult<()> {
    if matches!(conn, DbConnection::Postgresql(_)) {
        conn.batch_execute("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE")?;
    }
    // On SQLite a write as the transaction's first statement takes the database's write
    // lock (waiting for it under busy_timeout) and keeps it until the end.
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(since)))
        .execute(conn)
        .map(drop)
}

/// Failures in `scope` since `since`.
pub fn count(conn: &mut DbConnection, scope: Scope, since: PrimitiveDateTime) -> QueryResult<i64> {
    scoped(scope)
        .filter(login_failures::failed_at.gt(since))
        .count()
        .get_result(conn)
}

/// The time of the `n`-th oldest failure in `scope` since `since` (0 is the oldest).
pub fn nth_oldest(
    conn: &mut DbConnection,
    scope: Scope,
    since: PrimitiveDateTime,
    n: i64,
) -> QueryResult<Option<PrimitiveDateTime>> {
    scoped(scope)
        .filter(login_failures::failed_at.gt(since))
        .select(login_failures::failed_at)
        .order(login_failures::failed_at.asc())
        .offset(n)
        .limit(1)
        .first(conn)
        .optional()
}

/// Records a failure; `device` for an attempt from a known device of this account.
pub fn record(
    conn: &mut DbConnection,
    email: &str,
    ip: &str,
    device: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::ip.eq(ip),
            login_failures::device.eq(device),
            login_failures::failed_at.eq(crate::db::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// After a successful login: forgets the failures of the scope it was counted in.
pub fn clear(conn: &mut DbConnection, scope: Scope) -> QueryResult<usize> {
    let ids: Vec<i32> = scoped(scope).select(login_failures::id).load(conn)?;
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids))).execute(conn)
}

pub fn prune(conn: &mut DbConnection, window: Duration) -> QueryResult<usize> {
    diesel::delete(
        login_failures::table.filter(login_failures::failed_at.lt(crate::db::now() - window)),
    )
    .execute(conn)
}

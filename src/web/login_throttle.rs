//! Throttling of repeated login failures, shared by every place a password or code is
//! checked (login, its code step, "Confirm access", a password change).
//!
//! A login attempt first reserves its place: in one short transaction that holds the
//! failure table's lock, it is counted against every limit that applies (account and
//! address; address; account; or, from a browser holding a valid device cookie for the
//! account, that device alone) and recorded as a failure only if none is full. Only then
//! is the password checked, off the async threads and with no connection held. A
//! success takes the reservation back and renews the device cookie; a failure leaves it.
//! So parallel requests never get more password checks than the limits allow.

use diesel::{Connection, QueryResult};
use time::Duration;

use crate::config::Config;
use crate::db::DbConnection;
use crate::models::login_failure::{self, Scope};

/// Which limit a refused attempt hit, and how long until it lets one through again.
pub(crate) struct Throttle {
    paused: Paused,
    retry_after: Duration,
}

#[derive(Clone, Copy)]
enum Paused {
    /// This account from this address, or from this known device.
    AccountFromHere,
    /// Every account from this address.
    Here,
    /// This account from browsers that have not logged in to it before.
    Account,
}

impl Throttle {
    /// Whole seconds, rounded up, for `Retry-After`.
    pub(crate) fn seconds(&self) -> i64 {
        ((self.retry_after.whole_milliseconds() + 999) / 1000).max(1) as i64
    }

    pub(crate) fn message(&self) -> String {
        let minutes = (self.seconds() + 59) / 60;
        let wait = format!(
            "try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        );
        match self.paused {
            Paused::AccountFromHere => format!(
                "Too many failed attempts. For your security, logging in to this account from \
                 here is paused: {wait}"
            ),
            Paused::Here => format!(
                "Too many failed attempts from your network. For your security, logging in \
                 from here is paused: {wait}"
            ),
            Paused::Account => format!(
                "Too many failed attempts for this account. For your security, logging in to \
                 it from a browser that has not logged in to it before is paused: {wait}"
            ),
        }
    }
}

/// The failures a successful attempt takes back: those of its device, or of the account
/// from its address.
pub(crate) fn attempt_scope<'a>(email: &'a str, ip: &'a str, device: Option<&'a str>) -> Scope<'a> {
    match device {
        Some(device) => Scope::Device { email, device },
        None => Scope::AccountFromAddress { email, ip },
    }
}

/// In one transaction holding the table's lock: if every limit that applies still has
/// room, records the attempt as a failure (a success takes it back) and returns `None`;
/// otherwise records nothing and says which limit waits longest.
pub(crate) fn reserve(
    conn: &mut DbConnection,
    config: &Config,
    email: &str,
    ip: &str,
    device: Option<&str>,
) -> QueryResult<Option<Throttle>> {
    conn.transaction(|conn| {
        let now = crate::db::now();
        let since = now - config.login_failure_window;
        login_failure::lock(conn, since)?;
        let limits = match device {
            Some(device) => vec![(
                Scope::Device { email, device },
                config.login_max_failures,
                Paused::AccountFromHere,
            )],
            None => vec![
                (
                    Scope::AccountFromAddress { email, ip },
                    config.login_max_failures,
                    Paused::AccountFromHere,
                ),
                (
                    Scope::Address { ip },
                    config.login_max_failures_per_address,
                    Paused::Here,
                ),
                (
                    Scope::Account { email },
                    config.login_max_failures_per_account,
                    Paused::Account,
                ),
            ],
        };
        let mut longest: Option<Throttle> = None;
        for (scope, limit, paused) in limits {
            let failures = login_failure::count(conn, scope, since)?;
            if failures < limit {
                continue;
            }
            // Room returns when all but `limit - 1` of these failures have aged out.
            let freeing = login_failure::nth_oldest(conn, scope, since, failures - limit)?;
            let retry_after = freeing.unwrap_or(now) + config.login_failure_window - now;
            if longest.as_ref().is_none_or(|t| t.retry_after < retry_after) {
                longest = Some(Throttle {
                    paused,
                    retry_after,
                });
            }
        }
        if longest.is_none() {
            login_failure::record(conn, email, ip, device)?;
        }
        Ok(longest)
    })
}

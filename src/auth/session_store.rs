//! actix-session's `SessionStore` over the `sessions` table, so every instance
//! on the same database shares logins.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};
use time::Duration;

use crate::db::{DbConnection, Pool};
use crate::models::session as sessions;

type State = HashMap<String, String>;

/// The session key the middleware stores user ids under.
pub const USER_ID_KEY: &str = "user_id";
/// Session keys that say where a login came from (see [`sessions::Origin`]); the store
/// copies them into their columns for the "Active sessions" list.
pub const HANDLE_KEY: &str = "handle";
pub const USER_AGENT_KEY: &str = "user_agent";
pub const IP_KEY: &str = "ip";
/// Unix seconds of the login, so a renewed id keeps its "Signed in" and absolute timeout.
pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    /// A session ends this long after login, however active it is.
    absolute_timeout: Duration,
}

impl DbSessionStore {
    pub fn new(pool: Pool, absolute_timeout: Duration) -> Self {
        Self {
            pool,
            absolute_timeout,
        }
    }

    async fn run<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut DbConnection) -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        crate::db::with_connection(&self.pool, f).await
    }
}

/// Rows are keyed by a digest of the cookie value: a copy of the table cannot be replayed as cookies.
fn row_id(key: &SessionKey) -> String {
    hex::encode(Sha256::digest(key.as_ref().as_bytes()))
}

fn user_id_of(state: &State) -> Option<i32> {
    state
        .get(USER_ID_KEY)
        .and_then(|raw| serde_json::from_str(raw).ok())
}

fn text_of(state: &State, key: &str) -> Option<String> {
    state
        .get(key)
        .and_then(|raw| serde_json::from_str(raw).ok())
}

fn origin_of(state: &State) -> sessions::Origin {
    let signed_in_at = state
        .get(SIGNED_IN_AT_KEY)
        .and_then(|raw| serde_json::from_str::<i64>(raw).ok())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .map(|t| time::PrimitiveDateTime::new(t.date(), t.time()));
    sessions::Origin {
        handle: text_of(state, HANDLE_KEY),
        user_agent: text_of(state, USER_AGENT_KEY),
        ip: text_of(state, IP_KEY),
        // Never later than now: a renewed id cannot push its absolute timeout forward.
        signed_in_at: signed_in_at.map(|t| t.min(crate::db::now())),
    }
}

fn expiry(ttl: &CookieDuration) -> time::PrimitiveDateTime {
    crate::db::now() + Duration::seconds(ttl.whole_seconds())
}

/// A session's expiry is extended at most once a minute, or once a tenth of the idle
/// timeout when that is shorter: it may end up to that much before the exact idle timeout.
const EXTEND_AT_MOST_EVERY: Duration = Duration::seconds(60);

fn extension_step(ttl: &CookieDuration) -> Duration {
    let tenth = Duration::milliseconds((ttl.whole_milliseconds() / 10) as i64);
    tenth.min(EXTEND_AT_MOST_EVERY)
}

/// Moves a session's expiry to `expires_at` only when that gains at least `step`, so
/// reading pages does not write the database. A failed write is logged, not fatal: the
/// session stays valid until its stored expiry, and pages stay readable on a full disk.
fn extend_expiry(
    conn: &mut DbConnection,
    row: &sessions::SessionRow,
    expires_at: time::PrimitiveDateTime,
    step: Duration,
) {
    if row.expires_at + step > expires_at {
        return;
    }
    if let Err(e) = sessions::touch(conn, &row.id, expires_at) {
        tracing::warn!(error = ?e, "could not extend a session's expiry; will retry");
    }
}

fn new_key() -> SessionKey {
    Alphanumeric
        .sample_string(&mut rand::rng(), 64)
        .try_into()
        .expect("64 characters fit a session key")
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let id = row_id(key);
        let absolute = self.absolute_timeout;
        let row = self
            .run(move |conn| {
                let Some(row) = sessions::find(conn, &id)? else {
                    return Ok(None);
                };
                let now = crate::db::now();
                if row.expires_at <= now || row.created_at + absolute <= now {
                    sessions::delete(conn, &id)?;
                    return Ok(None);
                }
                Ok(Some(row))
            })
            .await
            .map_err(LoadError::Other)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut state: State =
            serde_json::from_str(&row.state).map_err(|e| LoadError::Deserialization(e.into()))?;
        // A login from before handles existed was given one in the database (migration
        // `session_handles_backfilled`): it goes by that one, so "Active sessions" and
        // the session itself name it alike.
        if let Some(handle) = row.handle.filter(|_| row.user_id.is_some())
            && !state.contains_key(HANDLE_KEY)
        {
            let encoded =
                serde_json::to_string(&handle).map_err(|e| LoadError::Deserialization(e.into()))?;
            state.insert(HANDLE_KEY.to_string(), encoded);
        }
        Ok(Some(state))
    }

    async fn save(&self, state: State, ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key();
        let id = row_id(&key);
        let expires_at = expiry(ttl);
        self.run(move |conn| {
            let origin = origin_of(&state);
            sessions::insert(conn, &id, user_id_of(&state), &body, &origin, expires_at)?;
            Ok(())
        })
        .await
        .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let id = row_id(&key);
        let expires_at = expiry(ttl);
        let step = extension_step(ttl);
        let body =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let user_id = user_id_of(&state);
        let origin = origin_of(&state);
        let compared = state.clone();
        let updated = self
            .run(move |conn| {
                let Some(row) = sessions::find(conn, &id)? else {
                    return Ok(false);
                };
                // "Changed" may change nothing (a flash message looked for and not found):
                // then only the expiry may move, as for an unchanged session.
                let stored = serde_json::from_str::<State>(&row.state);
                if stored.is_ok_and(|stored| stored == compared) {
                    extend_expiry(conn, &row, expires_at, step);
                    return Ok(true);
                }
                Ok(sessions::update_state(conn, &id, user_id, &body, &origin, expires_at)? > 0)
            })
            .await
            .map_err(UpdateError::Other)?;
        if updated {
            return Ok(key);
        }
        // The row vanished meanwhile (logout elsewhere, member removed): never revive
        // its login; keep the rest (e.g. a CSRF token) under a fresh key.
        let mut state = state;
        state.remove(USER_ID_KEY);
        state.remove(HANDLE_KEY);
        self.save(state, ttl).await.map_err(|e| match e {
            SaveError::Serialization(e) => UpdateError::Serialization(e),
            SaveError::Other(e) => UpdateError::Other(e),
        })
    }

    /// Called on every request whose session did not change (see [`extend_expiry`]).
    async fn update_ttl(&self, key: &SessionKey, ttl: &CookieDuration) -> anyhow::Result<()> {
        let id = row_id(key);
        let expires_at = expiry(ttl);
        let step = extension_step(ttl);
        let found = self
            .run(move |conn| {
                if let Some(row) = sessions::find(conn, &id)? {
                    extend_expiry(conn, &row, expires_at, step);
                }
                Ok(())
            })
            .await;
        if let Err(e) = found {
            tracing::warn!(error = ?e, "could not read a session to extend it");
        }
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let id = row_id(key);
        self.run(move |conn| Ok(sessions::delete(conn, &id)?))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_extended_at_most_once_a_minute_or_a_tenth_of_a_short_timeout() {
        assert_eq!(
            extension_step(&CookieDuration::hours(12)),
            Duration::seconds(60)
        );
        assert_eq!(
            extension_step(&CookieDuration::seconds(5)),
            Duration::milliseconds(500)
        );
    }
}

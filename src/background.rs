//! Work no request waits for: writing batched key usage, a minute's housekeeping
//! (expired sessions, old login failures, spent form tokens, expired keys' audit entries,
//! keys the key policy disables for being unused),
//! and a readiness check every few seconds that logs, loudly, why the database cannot serve.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::db::{self, Pool, readiness};
use crate::metering::usage::UsageRecorder;
use crate::{models, use_cases};

/// Starts the loops on the current runtime.
pub fn spawn(state: web::Data<AppState>) {
    spawn_housekeeping(state.clone());
    crate::webhooks::spawn(state.clone());
    spawn_readiness_check(state.clone());
    spawn_usage_flusher(
        state.pool.clone(),
        state.usage.clone(),
        state.config.usage_flush_interval,
    );
}

/// Every minute; a failed round is retried on the next.
fn spawn_housekeeping(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.rate_limiter.forget_idle();
            let config = state.config.clone();
            let result = db::with_connection(&state.pool, move |conn| -> anyhow::Result<()> {
                let now = db::now();
                models::session::delete_expired(conn, now, now - config.session_absolute)?;
                models::login_failure::prune(conn, config.login_failure_window)?;
                models::form_nonce::prune(conn, now - time::Duration::days(2))?;
                use_cases::key_expiry::log_expirations(conn, None)?;
                use_cases::key_policy::disable_unused(conn, now)?;
                models::hook_delivery::prune(conn, now - time::Duration::days(30))?;
                Ok(())
            })
            .await;
            if let Err(e) = result {
                tracing::warn!(error = ?e, "housekeeping failed; will retry");
            }
        }
    });
}

/// How often the background readiness check runs.
const READINESS_CHECK_EVERY: Duration = Duration::from_secs(5);

/// Logs at error level, on every round while it lasts, why the database cannot serve
/// (e.g. its file deleted: nothing else would notice until a restart loses the data).
fn spawn_readiness_check(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(READINESS_CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut was_ready = true;
        loop {
            tick.tick().await;
            match readiness::check(&state.pool, state.db_file.as_ref()).await {
                Ok(()) if !was_ready => {
                    tracing::info!("the database is ready again");
                    was_ready = true;
                }
                Ok(()) => {}
                Err(e) => {
                    tracing::error!("the database cannot serve: {}", crate::error::chain(&e));
                    was_ready = false;
                }
            }
        }
    });
}

/// Writes batched key usage every `every` (a second by default; never a write per request).
fn spawn_usage_flusher(pool: Pool, usage: Arc<UsageRecorder>, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if usage.pending_requests() == 0 {
                continue;
            }
            if let Err(e) = flush_usage(&pool, usage.clone()).await {
                tracing::warn!(error = ?e, "writing key usage failed; will retry");
            }
        }
    });
}

/// Writes the usage still in memory; returns how many keys it touched.
pub async fn flush_usage(pool: &Pool, usage: Arc<UsageRecorder>) -> anyhow::Result<usize> {
    db::with_connection(pool, move |conn| Ok(usage.flush(conn)?)).await
}

//! What every handler can reach: the pool, the configuration, the rate limiter, the
//! usage recorder, the metrics and the SQLite file's identity. The router (`startup`) builds it;
//! nothing here knows the routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::cookie::Key;
use actix_web::{HttpRequest, web};

use crate::config::Config;
use crate::db::readiness::DbFile;
use crate::db::{self, DbConnection, Pool};
use crate::domain::setup_code::SetupCode;
use crate::error::AppError;
use crate::metering::rate_limit::ApiRateLimiter;
use crate::metering::usage::UsageRecorder;
use crate::metrics::{Metrics, RateLimitBackendStatus};
use crate::models;
use crate::models::PublicIds;

pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    /// Becomes true once a user exists, and never goes back (the last admin cannot be removed).
    setup_done: AtomicBool,
    pub rate_limiter: Arc<ApiRateLimiter>,
    pub usage: Arc<UsageRecorder>,
    /// What `/metrics` reports, counted as it happens.
    pub metrics: Arc<Metrics>,
    /// Whether rate limits are shared or, for want of the shared store, this instance's
    /// own; read by `/metrics`. A shared limiter puts its own status here.
    pub rate_limit_backend: Arc<dyn RateLimitBackendStatus>,
    /// Signs device cookies (`auth::device`); read once at start, shared by every instance.
    pub device_key: Key,
    /// Asked for by `/setup` when the server listens on a public address (see `startup`).
    pub setup_code: Option<SetupCode>,
    /// The SQLite file as opened at start, to notice it deleted or replaced.
    pub db_file: Option<DbFile>,
    /// How this install makes public ids (`tea_…`, `usr_…`), read once at start.
    pub public_ids: PublicIds,
}

impl AppState {
    pub fn new(pool: Pool, config: Arc<Config>, device_key: Key) -> Self {
        let usage = Arc::new(UsageRecorder::default());
        let rate_limiter = Arc::new(ApiRateLimiter::shared_through(
            config.redis_url.as_ref(),
            config.rate_limit_requests,
            config.rate_limit_window,
        ));
        Self {
            device_key,
            rate_limit_backend: rate_limiter.clone(),
            rate_limiter,
            metrics: Arc::new(Metrics::new(usage.flush_metrics())),
            usage,
            setup_done: AtomicBool::new(false),
            setup_code: None,
            db_file: DbFile::of(&config.database),
            // Replaced at start by the install's own (`with_public_ids`).
            public_ids: PublicIds::new(Vec::new()),
            pool,
            config,
        }
    }

    /// Makes public ids as this install does (see `PublicIds`).
    pub fn with_public_ids(mut self, ids: PublicIds) -> Self {
        self.public_ids = ids;
        self
    }

    /// Requires `code` on `/setup` until the first admin exists.
    pub fn with_setup_code(mut self, code: Option<SetupCode>) -> Self {
        self.setup_code = code;
        self
    }

    /// The state registered on the app, for extractors and middleware.
    pub fn of(req: &HttpRequest) -> web::Data<AppState> {
        req.app_data::<web::Data<AppState>>()
            .expect("AppState is registered on the app")
            .clone()
    }

    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        db::with_connection(&self.pool, f).await
    }

    /// Whether the first workspace exists; asks the database until it does.
    pub async fn setup_done(&self) -> Result<bool, AppError> {
        if self.setup_done.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let done = self.db(|conn| Ok(models::user::any_exists(conn)?)).await?;
        if done {
            self.mark_setup_done();
        }
        Ok(done)
    }

    pub fn mark_setup_done(&self) {
        self.setup_done.store(true, Ordering::Relaxed);
    }
}

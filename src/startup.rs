//! Builds the application: shared state, middleware, routes; binds and runs.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::api::rate_limit::ApiRateLimiter;
use crate::api::usage::UsageRecorder;
use crate::auth::csrf::require_csrf_token;
use crate::auth::session_store::DbSessionStore;
use crate::config::Config;
use crate::db::{self, DbConnection, Pool};
use crate::error::AppError;
use crate::models;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    /// Becomes true once a user exists, and never goes back (the last admin cannot be removed).
    setup_done: AtomicBool,
    pub rate_limiter: ApiRateLimiter,
    pub usage: Arc<UsageRecorder>,
}

impl AppState {
    /// Runs `f` with a pooled connection on a blocking thread.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
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

/// A built server and the port it listens on (useful when binding port 0).
pub struct Application {
    port: u16,
    server: Server,
    pool: Pool,
    usage: Arc<UsageRecorder>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(&config.addr).with_context(|| format!("binding {}", config.addr))?;
        Self::build_with_listener(config, listener).await
    }

    pub async fn build_with_listener(
        config: Config,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let pool = db::build_pool(&config.database, config.db_pool_size);
        let redacted = config.database.redacted();
        let cookie_key = {
            let pool = pool.clone();
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
                let mut conn = pool
                    .get()
                    .with_context(|| format!("connecting to {redacted}"))?;
                db::run_migrations(&mut conn)?;
                let key = models::secret::get_or_create(&mut conn, "session_cookie_key", || {
                    rand::random::<[u8; 64]>().to_vec()
                })?;
                Ok(key)
            })
            .await??
        };
        std::thread::spawn(crate::auth::password::warm_up);

        let config = Arc::new(config);
        let usage = Arc::new(UsageRecorder::default());
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            config: config.clone(),
            setup_done: AtomicBool::new(false),
            rate_limiter: ApiRateLimiter::new(config.rate_limit_requests, config.rate_limit_window),
            usage: usage.clone(),
        });
        spawn_housekeeping(pool.clone(), config.clone(), state.clone());
        spawn_usage_flusher(pool.clone(), usage.clone(), config.usage_flush_interval);

        let key = Key::from(&cookie_key);
        let config_threads = (config.db_pool_size as usize).max(2);
        let store = DbSessionStore::new(pool.clone(), config.session_absolute);
        let server = HttpServer::new(move || {
            let session = SessionMiddleware::builder(store.clone(), key.clone())
                .cookie_name("keydesk_session".into())
                .cookie_secure(config.secure_cookies)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .session_lifecycle(
                    PersistentSession::default()
                        .session_ttl(actix_web::cookie::time::Duration::seconds(
                            config.session_idle.whole_seconds(),
                        ))
                        .session_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
                )
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(
                    web::FormConfig::default()
                        .limit(256 * 1024)
                        .error_handler(|_, _| AppError::BadRequest.into()),
                )
                .app_data(
                    web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest.into()),
                )
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .service(crate::web::static_files::scope())
                .configure(crate::web::health::routes)
                .configure(crate::api::routes)
                .service(
                    web::scope("")
                        .wrap(from_fn(require_csrf_token))
                        .wrap(session)
                        .wrap(from_fn(crate::error::style_session_store_errors))
                        .wrap(from_fn(crate::web::setup::redirect_until_setup))
                        .configure(crate::web::routes),
                )
                .default_service(web::to(crate::web::not_found))
                .wrap(security_headers())
                .wrap(from_fn(crate::web::access_log::log_request))
        })
        // Blocking threads beyond the pool's connections would only queue for one.
        .worker_max_blocking_threads(config_threads)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            pool,
            usage,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), then writes the usage
    /// still in memory, so a graceful shutdown loses no request.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let (pool, usage) = (self.pool, self.usage);
        let flushed = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
            let mut conn = pool.get()?;
            Ok(usage.flush(&mut conn)?)
        })
        .await;
        match flushed {
            Ok(Ok(keys)) => tracing::info!(keys, "usage written at shutdown"),
            Ok(Err(e)) => tracing::error!(error = %e, "could not write usage at shutdown"),
            Err(e) => tracing::error!(error = %e, "usage flush at shutdown panicked"),
        }
        served
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// `keydesk serve`: runs until SIGINT/SIGTERM, then shuts down gracefully.
pub fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let addr = config.addr.clone();
        let db = config.database.redacted();
        let app = Application::build(config).await?;
        tracing::info!(%addr, database = %db, "Keydesk is listening on http://{addr}");
        app.run_until_stopped().await?;
        tracing::info!("Keydesk stopped");
        Ok(())
    })
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; \
             frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cache-Control", "no-store"))
}

/// Every minute: deletes expired sessions, old login failures and used form tokens,
/// and writes the audit entry of keys that expired.
fn spawn_housekeeping(pool: Pool, config: Arc<Config>, state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.rate_limiter.forget_idle();
            let pool = pool.clone();
            let config = config.clone();
            let result = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                let mut conn = pool.get()?;
                let now = db::now();
                models::session::delete_expired(&mut conn, now, now - config.session_absolute)?;
                models::login_failure::prune(&mut conn, config.login_failure_window)?;
                models::api_key::prune_nonces(&mut conn, now - time::Duration::days(2))?;
                models::api_key::log_expirations(&mut conn, None)?;
                Ok(())
            })
            .await;
            if let Ok(Err(e)) = result {
                tracing::warn!(error = %e, "housekeeping failed; will retry");
            }
        }
    });
}

/// Writes batched key usage every `every` (a second by default; never a write per request).
fn spawn_usage_flusher(pool: Pool, usage: Arc<UsageRecorder>, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if usage.pending_requests() == 0 {
                continue;
            }
            let (pool, usage) = (pool.clone(), usage.clone());
            let result = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let mut conn = pool.get()?;
                Ok(usage.flush(&mut conn)?)
            })
            .await;
            if let Ok(Err(e)) = result {
                tracing::warn!(error = %e, "writing key usage failed; will retry");
            }
        }
    });
}

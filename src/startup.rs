//! Builds the application: shared state, middleware, routes; binds and runs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::config::{PersistentSession, TtlExtensionPolicy};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::app::AppState;
use crate::auth::csrf::require_csrf_token;
use crate::auth::session_store::DbSessionStore;
use crate::config::Config;
use crate::db::{self, Pool};
use crate::domain::setup_code::SetupCode;
use crate::error::AppError;
use crate::metering::usage::UsageRecorder;
use crate::models;

/// A built server and the port it listens on (useful when binding port 0).
pub struct Application {
    port: u16,
    /// `/setup?code=…` while no user exists: the path of the link printed at start.
    setup_path: Option<String>,
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
        let local = listener.local_addr()?;
        let port = local.port();
        let pool = db::build_pool(&config.database, config.db_pool_size);
        let redacted = config.database.redacted();
        let (cookie_key, device_key, setup_code, public_ids) =
            db::with_connection(&pool, move |conn| {
                db::run_migrations(conn)?;
                let public_ids = models::PublicIds::of_install(conn)?;
                let key = models::secret::get_or_create(conn, "session_cookie_key", || {
                    rand::random::<[u8; 64]>().to_vec()
                })?;
                let device_key = crate::auth::device::signing_key(conn)?;
                anyhow::Ok((key, device_key, setup_code(conn)?, public_ids))
            })
            .await
            .with_context(|| format!("preparing the database at {redacted}"))?;
        let setup_path = setup_code
            .as_ref()
            .map(|code| format!("/setup?code={}", code.as_str()));
        if let Some(path) = &setup_path {
            // The one place the code is printed: whoever reads this log owns the server.
            tracing::warn!(
                "No admin exists yet. Open http://{}{path} to create your workspace \
                 (the link carries a one-time setup code; or create the admin on the server \
                 with `keydesk create-admin`)",
                browsable(local)
            );
        }
        std::thread::spawn(crate::auth::password::warm_up);

        let config = Arc::new(config);
        let state = web::Data::new(
            AppState::new(pool.clone(), config.clone(), device_key)
                .with_setup_code(setup_code)
                .with_public_ids(public_ids),
        );
        let usage = state.usage.clone();
        crate::background::spawn(state.clone());

        let key = Key::from(&cookie_key);
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let blocking_threads = blocking_threads_per_worker(config.db_pool_size, workers);
        let serve_metrics = config.metrics_token.is_some();
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
                        // Refreshes the cookie on every response; the store writes the
                        // row's expiry at most once a minute (DbSessionStore::update_ttl).
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
                .configure(|cfg| {
                    // Without a token, /metrics is as unknown as any other path.
                    if serve_metrics {
                        crate::web::metrics::routes(cfg);
                    }
                })
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
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            setup_path,
            server,
            pool,
            usage,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path (with its one-time code) of the setup link printed at start, while no
    /// user exists.
    pub fn setup_path(&self) -> Option<&str> {
        self.setup_path.as_deref()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle), then writes the usage
    /// still in memory, so a graceful shutdown loses no request.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        match crate::background::flush_usage(&self.pool, self.usage).await {
            Ok(keys) => tracing::info!(keys, "usage written at shutdown"),
            Err(e) => tracing::error!(error = ?e, "could not write usage at shutdown"),
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

/// While no user exists, the first visitor of `/setup` must prove access to the server:
/// the code in the link it prints at start. Wherever it listens: behind a reverse proxy
/// on the same machine, a stranger's request arrives from loopback too.
fn setup_code(conn: &mut db::DbConnection) -> anyhow::Result<Option<SetupCode>> {
    if models::user::any_exists(conn)? {
        return Ok(None);
    }
    let stored = models::secret::get_or_create(conn, models::secret::SETUP_CODE, || {
        SetupCode::generate().as_str().as_bytes().to_vec()
    })?;
    let stored = String::from_utf8(stored).context("the stored setup code is not text")?;
    Ok(Some(SetupCode::from_stored(&stored)))
}

/// The address to put in a link to this server: the one it listens on, or loopback when
/// it listens on every address (`0.0.0.0`, `::`), which a browser cannot open.
fn browsable(local: SocketAddr) -> SocketAddr {
    let ip = match local.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, local.port())
}

/// How many blocking threads each worker may run. Every worker has its own blocking
/// pool, and its threads take pooled database connections; together they should not
/// outnumber the connections, or the extra threads would only wait for one, and each
/// wait and hand-over is a thread switch on the API's PostgreSQL path. At least two,
/// so that a password check (on a blocking thread) never holds up a worker's queries.
fn blocking_threads_per_worker(db_pool_size: u32, workers: usize) -> usize {
    (db_pool_size as usize).div_ceil(workers.max(1)).max(2)
}

#[cfg(test)]
mod tests {
    use super::{blocking_threads_per_worker, browsable};

    #[test]
    fn the_setup_link_names_an_address_a_browser_can_open() {
        let link = |listen: &str| browsable(listen.parse().unwrap()).to_string();
        assert_eq!(link("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(link("[::]:8080"), "[::1]:8080");
        assert_eq!(link("127.0.0.1:8080"), "127.0.0.1:8080");
        assert_eq!(link("192.0.2.7:80"), "192.0.2.7:80");
        assert_eq!(link("[2001:db8::1]:8443"), "[2001:db8::1]:8443");
    }

    #[test]
    fn the_workers_blocking_threads_together_match_the_database_connections() {
        assert_eq!(blocking_threads_per_worker(8, 2), 4);
        assert_eq!(blocking_threads_per_worker(8, 1), 8);
        assert_eq!(blocking_threads_per_worker(9, 2), 5);
        assert_eq!(blocking_threads_per_worker(8, 16), 2);
        assert_eq!(blocking_threads_per_worker(1, 0), 2);
    }
}

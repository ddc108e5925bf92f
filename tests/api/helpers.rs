//! Spawns the real server on a fresh database and talks to it like a browser.

use std::net::TcpListener;
use std::sync::Arc;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use keydesk::config::Config;
use keydesk::startup::Application;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Response, StatusCode};

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_NAME: &str = "Ada Lovelace";
pub const ADMIN_PASSWORD: &str = "correct horse battery";
pub const WORKSPACE: &str = "Analytical Engines";

/// Generates one test per database backend for an `async fn(TestApp)` scenario.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_sqlite() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await.unwrap();
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn on_postgres() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )+
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test and removed after it.
pub struct TestDb {
    pub url: String,
    pg_admin: Option<(String, String)>,
    _dir: Option<TempDir>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg_admin
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

impl TestDb {
    /// Another handle on the same database, which does not remove it on drop.
    pub fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            pg_admin: None,
            _dir: None,
        }
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("keydesk-{tag}-{}", random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn random_suffix() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric
        .sample_string(&mut rand::rng(), 12)
        .to_lowercase()
}

pub fn require_all_suites() -> bool {
    std::env::var("KEYDESK_REQUIRE_ALL_SUITES").is_ok_and(|v| v == "1" || v == "true")
}

pub fn create_test_db(backend: Backend) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = TempDir::new("db");
            let url = format!("sqlite://{}", dir.0.join("keydesk.db").display());
            Some(TestDb {
                url,
                pg_admin: None,
                _dir: Some(dir),
            })
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("KEYDESK_TEST_POSTGRES_URL") else {
                assert!(
                    !require_all_suites(),
                    "KEYDESK_REQUIRE_ALL_SUITES=1 but KEYDESK_TEST_POSTGRES_URL is not set: the PostgreSQL suite cannot run"
                );
                eprintln!(
                    "PostgreSQL suite skipped: set KEYDESK_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it"
                );
                return None;
            };
            let name = format!("keydesk_test_{}", random_suffix());
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot connect to KEYDESK_TEST_POSTGRES_URL: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .unwrap();
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("a database URL with a path");
            let url = format!("{base}/{name}");
            Some(TestDb {
                url,
                pg_admin: Some((admin_url, name)),
                _dir: None,
            })
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    handle: actix_web::dev::ServerHandle,
    running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Only the owner stops the server; other browsers just go away.
        if self.running.is_some() {
            drop(self.handle.stop(false));
        }
    }
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let db = create_test_db(backend)?;
    Some(spawn_on(db, backend, tweak).await)
}

/// Starts a server on an existing test database (several may share one).
pub async fn spawn_on(db: TestDb, backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    capture_logs();
    let mut config = Config::for_database(&db.url).unwrap();
    config.addr = "127.0.0.1:0".into();
    config.db_pool_size = 4;
    tweak(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let app = Application::build_with_listener(config, listener)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    let jar = Arc::new(Jar::default());
    TestApp {
        address,
        db,
        backend,
        client: browser(jar.clone()),
        jar,
        handle,
        running: Some(running),
    }
}

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn browser(jar: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the hidden `csrf_token` field in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF token") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_string()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Everything the servers of this test binary log, to search for secrets.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,keydesk=debug")
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .try_init();
    });
}

/// Every request counted in `api_key_usage`, all keys and days together.
pub fn recorded_requests(conn: &mut keydesk::db::DbConnection) -> i64 {
    use diesel::prelude::*;
    use keydesk::db::schema::api_key_usage;
    api_key_usage::table
        .select(api_key_usage::requests)
        .load::<i64>(conn)
        .unwrap()
        .iter()
        .sum()
}

/// The plaintext key shown on a reveal page.
pub fn revealed_key(html: &str) -> String {
    let marker = "value=\"kd_";
    let start = html.find(marker).expect("the page shows a key") + "value=\"".len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_string()
}

/// The hidden one-time `form_token` of a page.
pub fn form_token(html: &str) -> String {
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the page has a form token") + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_string()
}

impl TestApp {
    /// A direct database connection, for seeding what the UI cannot (old dates, usage).
    pub fn db_conn(&self) -> keydesk::db::PooledConnection {
        let url = keydesk::db::DatabaseUrl::parse(&self.db.url).unwrap();
        keydesk::db::build_pool(&url, 1).get().unwrap()
    }

    /// Generates a key through the form and returns its plaintext from the reveal page.
    pub async fn create_key(&self, name: &str) -> String {
        self.create_key_with(name, &[]).await
    }

    pub async fn create_key_with(&self, name: &str, extra: &[(&str, &str)]) -> String {
        let html = self.get_html("/settings/integrations/keys/new").await;
        let token = form_token(&html);
        let mut fields = vec![("name", name), ("form_token", token.as_str())];
        fields.extend_from_slice(extra);
        let response = self.post_form("/settings/integrations/keys", &fields).await;
        assert_eq!(response.status(), StatusCode::OK, "creating {name}");
        revealed_key(&response.text().await.unwrap())
    }

    /// The id of a key by name, from the list's `id="key-N"` rows.
    pub async fn key_id(&self, name: &str) -> i32 {
        let html = self.get_html("/settings/integrations").await;
        let at = html
            .find(&format!("<strong>{name}</strong>"))
            .unwrap_or_else(|| panic!("{name} is listed"));
        let marker = "id=\"key-";
        let start = html[..at].rfind(marker).unwrap() + marker.len();
        let end = html[start..].find('"').unwrap();
        html[start..start + end].parse().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    /// POSTs a form with a CSRF token taken from `token_page`.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.current_csrf().await;
        let mut body: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        body.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .form(&body)
            .send()
            .await
            .unwrap()
    }

    /// The session's CSRF token, read from a page that has forms.
    pub async fn current_csrf(&self) -> String {
        let page = self.get("/login").await;
        if page.status() == StatusCode::OK {
            return csrf_token(&page.text().await.unwrap());
        }
        let page = self.get("/setup").await;
        if page.status() == StatusCode::OK {
            return csrf_token(&page.text().await.unwrap());
        }
        csrf_token(&self.get_html("/settings/integrations").await)
    }

    /// The raw `Cookie` header this client would send.
    pub fn cookie_header(&self) -> Option<String> {
        self.jar
            .cookies(&self.address.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// Creates the first workspace and admin through `/setup` (logged in afterwards).
    pub async fn set_up(&self) {
        let response = self
            .post_form(
                "/setup",
                &[
                    ("workspace", WORKSPACE),
                    ("name", ADMIN_NAME),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "setup succeeds");
    }

    /// A second client (another browser) on the same server.
    pub fn other_browser(&self) -> TestApp {
        let jar = Arc::new(Jar::default());
        TestApp {
            address: self.address.clone(),
            db: self.db.shared(),
            backend: self.backend,
            client: browser(jar.clone()),
            jar,
            handle: self.handle.clone(),
            running: None,
        }
    }

    /// Stops the server gracefully (as SIGTERM does) and waits until it has finished.
    pub async fn shut_down(&mut self) {
        self.handle.stop(true).await;
        if let Some(running) = self.running.take() {
            running.await.unwrap().unwrap();
        }
    }

    /// A request to the API, without cookies.
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new().request(method, self.url(path))
    }

    /// The status of `GET /api/team` with `key` as a Bearer token.
    pub async fn team_status(&self, key: &str) -> StatusCode {
        self.api(reqwest::Method::GET, "/api/team")
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// Sets up the workspace and returns a new full-access key.
    pub async fn set_up_with_key(&self) -> String {
        self.set_up().await;
        self.create_key("Integration").await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> Response {
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Creates a second workspace from the shell (admin Eve) and returns her logged-in browser.
    pub async fn log_in_to_another_workspace(&self) -> TestApp {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_keydesk"))
            .args([
                "create-admin",
                "--email",
                "eve@example.com",
                "--name",
                "Eve",
                "--workspace",
                "Elsewhere",
            ])
            .env("DATABASE_URL", &self.db.url)
            .env("KEYDESK_ADMIN_PASSWORD", "eve password 1")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let eve = self.other_browser();
        let login = eve.log_in("eve@example.com", "eve password 1").await;
        assert_eq!(login.status(), StatusCode::SEE_OTHER);
        eve
    }

    /// Adds a member through the Team page (the caller must be an admin).
    pub async fn add_member(&self, name: &str, email: &str, role: &str, api_access: bool) {
        let mut fields = vec![
            ("name", name),
            ("email", email),
            ("password", "member password 1"),
            ("role", role),
        ];
        if api_access {
            fields.push(("api_access", "true"));
        }
        let response = self.post_form("/settings/team/members", &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "adding {email}");
    }

    /// The id of a member as shown on the Team page (`id="member-N"`).
    pub async fn member_id(&self, email: &str) -> i32 {
        let html = self.get_html("/settings/team").await;
        let cell = format!("<small class=\"muted\">{email}</small>");
        let at = html
            .find(&cell)
            .unwrap_or_else(|| panic!("{email} is on the Team page"));
        let before = &html[..at];
        let marker = "id=\"member-";
        let start = before.rfind(marker).unwrap() + marker.len();
        let end = before[start..].find('"').unwrap();
        before[start..start + end].parse().unwrap()
    }
}

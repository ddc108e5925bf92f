//! The server a test talks to: in this process, or the real `keydesk` binary as a child
//! process whose output belongs to that one test.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keydesk::config::Config;
use keydesk::startup::Application;
use reqwest::cookie::Jar;

use super::database::{Backend, TestDb, create_test_db};

/// A browser (cookie jar and client) on a server, and the database behind it.
pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    /// The setup link an in-process server printed at start (`/setup?code=…`), if any.
    setup_path: Option<String>,
    server: Server,
}

/// The server a `TestApp` fronts; only its owner stops it.
enum Server {
    /// Actix in this process: fast, configured through `Config`.
    InProcess {
        handle: actix_web::dev::ServerHandle,
        running: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    },
    /// `keydesk serve` as a child process, its stdout and stderr captured for this test alone.
    ChildProcess {
        child: Child,
        logs: Arc<Mutex<Vec<u8>>>,
        readers: Vec<std::thread::JoinHandle<()>>,
    },
    /// A server another `TestApp` owns (this one is a second browser on it).
    Elsewhere,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &mut self.server {
            Server::InProcess {
                handle,
                running: Some(_),
            } => drop(handle.stop(false)),
            Server::ChildProcess { child, .. } => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Server::InProcess { running: None, .. } | Server::Elsewhere => {}
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

/// Starts a server in this process on an existing test database (several may share one).
pub async fn spawn_on(db: TestDb, backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::for_database(&db.url).unwrap();
    config.addr = "127.0.0.1:0".into();
    config.db_pool_size = 4;
    tweak(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let app = Application::build_with_listener(config, listener)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let setup_path = app.setup_path().map(str::to_owned);
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());
    let mut app = TestApp::new(
        address,
        db,
        backend,
        Server::InProcess {
            handle,
            running: Some(running),
        },
    );
    app.setup_path = setup_path;
    app
}

/// Starts the real `keydesk serve` on a fresh database, logging verbosely into this test's
/// own buffer (read it with [`TestApp::logs_containing`]).
pub async fn spawn_binary(backend: Backend) -> Option<TestApp> {
    spawn_binary_with(backend, &[]).await
}

/// [`spawn_binary`] with extra environment variables for the child.
pub async fn spawn_binary_with(backend: Backend, env: &[(&str, &str)]) -> Option<TestApp> {
    spawn_binary_listening_on(backend, "127.0.0.1", env).await
}

/// [`spawn_binary_with`] listening on `host` (e.g. "0.0.0.0", reachable from other
/// machines); the test still talks to it over loopback.
pub async fn spawn_binary_listening_on(
    backend: Backend,
    host: &str,
    env: &[(&str, &str)],
) -> Option<TestApp> {
    let db = create_test_db(backend)?;
    Some(spawn_binary_on(db, backend, host, env).await)
}

/// The real `keydesk serve` on an existing test database (e.g. again after [`TestApp::kill`]).
pub async fn spawn_binary_on(
    db: TestDb,
    backend: Backend,
    host: &str,
    env: &[(&str, &str)],
) -> TestApp {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args([
            "serve",
            "--addr",
            &format!("{host}:{port}"),
            "--database-url",
            &db.url,
        ])
        .env("RUST_LOG", "info,keydesk=debug")
        // No NO_COLOR: a log that is not a terminal is plain text by itself.
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the keydesk binary starts");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let readers = vec![
        capture(child.stdout.take().unwrap(), logs.clone()),
        capture(child.stderr.take().unwrap(), logs.clone()),
    ];
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "keydesk serve exited with {status} before listening:\n{}",
                String::from_utf8_lossy(&logs.lock().unwrap())
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "keydesk serve listens within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    TestApp::new(
        format!("http://127.0.0.1:{port}"),
        db,
        backend,
        Server::ChildProcess {
            child,
            logs,
            readers,
        },
    )
}

/// Copies everything a child writes to `pipe` into `logs`, until the pipe closes.
fn capture(
    mut pipe: impl Read + Send + 'static,
    logs: Arc<Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = pipe.read(&mut chunk) {
            if n == 0 {
                break;
            }
            logs.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    })
}

/// A client that keeps cookies and does not follow redirects (tests look at them).
pub fn browser(jar: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    fn new(address: String, db: TestDb, backend: Backend, server: Server) -> Self {
        let jar = Arc::new(Jar::default());
        TestApp {
            address,
            db,
            backend,
            client: browser(jar.clone()),
            jar,
            setup_path: None,
            server,
        }
    }

    /// The link the server printed at start for the first admin (path and query,
    /// `/setup?code=…`), as a newcomer would click it: known to an in-process server,
    /// read from the log of the binary.
    pub async fn setup_link(&self) -> String {
        if let Some(path) = &self.setup_path {
            return path.clone();
        }
        let marker = "/setup?code=";
        let logs = self.logs_containing(marker).await;
        let at = logs.find(marker).unwrap();
        let end = logs[at..]
            .find(char::is_whitespace)
            .map_or(logs.len(), |i| at + i);
        logs[at..end].to_string()
    }

    /// A second client (another browser, no cookies yet) on the same server.
    pub fn other_browser(&self) -> TestApp {
        let mut other = TestApp::new(
            self.address.clone(),
            self.db.shared(),
            self.backend,
            Server::Elsewhere,
        );
        other.setup_path = self.setup_path.clone();
        other
    }

    /// A direct database connection, for seeding what the UI cannot (old dates, usage).
    pub fn db_conn(&self) -> keydesk::db::PooledConnection {
        self.db.connect()
    }

    /// Stops the server gracefully (SIGTERM for the binary) and waits until it has finished.
    pub async fn shut_down(&mut self) {
        match &mut self.server {
            Server::InProcess { handle, running } => {
                handle.stop(true).await;
                if let Some(running) = running.take() {
                    running.await.unwrap().unwrap();
                }
            }
            Server::ChildProcess { child, readers, .. } => {
                // The shell's built-in kill: no extra package needed.
                let sent = Command::new("sh")
                    .args(["-c", &format!("kill -TERM {}", child.id())])
                    .status()
                    .unwrap();
                assert!(sent.success(), "SIGTERM was sent");
                let exit = child.wait().unwrap();
                assert!(exit.success(), "keydesk serve exits cleanly: {exit:?}");
                for reader in readers.drain(..) {
                    reader.join().unwrap();
                }
            }
            Server::Elsewhere => panic!("only the browser that started the server stops it"),
        }
    }

    /// Kills the child process at once (SIGKILL): no graceful shutdown, as in a crash.
    pub fn kill(&mut self) {
        let Server::ChildProcess { child, .. } = &mut self.server else {
            panic!("only a server run as a child process can be killed");
        };
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// Everything this test's `keydesk` child process has printed so far.
    pub fn logs(&self) -> String {
        let Server::ChildProcess { logs, .. } = &self.server else {
            panic!(
                "only a server run as a child process has logs of its own: \
                 use on_both_databases!(in_a_child_process: ...) or spawn_binary"
            );
        };
        String::from_utf8_lossy(&logs.lock().unwrap()).into_owned()
    }

    /// This test's logs once they contain `expected` (lines reach us through a pipe, so
    /// this waits up to 5 s); fails with the whole log if they never do.
    pub async fn logs_containing(&self, expected: &str) -> String {
        let started = Instant::now();
        loop {
            let logs = self.logs();
            if logs.contains(expected) {
                return logs;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "the server never logged {expected:?}; its logs:\n{logs}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What a `keydesk` command did that was expected to end by itself: its exit status (`None`
/// if it still ran after the time limit, when it was killed) and everything it printed.
#[derive(Debug)]
pub struct Ended {
    pub status: Option<std::process::ExitStatus>,
    pub output: String,
}

impl Ended {
    /// Whether it exited by itself, with a failure.
    pub fn failed(&self) -> bool {
        self.status.is_some_and(|s| !s.success())
    }
}

/// Runs the real `keydesk` with `args` until it exits, or kills it after `limit` (a server
/// that should have refused to start, say).
pub async fn run_binary(args: &[&str], limit: Duration) -> Ended {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the keydesk binary starts");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let readers = [
        capture(child.stdout.take().unwrap(), logs.clone()),
        capture(child.stderr.take().unwrap(), logs.clone()),
    ];
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for reader in readers {
        reader.join().unwrap();
    }
    let output = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    Ended { status, output }
}

//! The real binary: `keydesk serve` stops cleanly on SIGTERM and keeps every request's usage.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::*;

/// Starts `keydesk serve` on a free port and waits until it accepts connections.
async fn start_binary(database_url: &str, env: &[(&str, &str)]) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            database_url,
        ])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server starts"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keydesk_secure_cookies_1_marks_the_cookie_secure() {
    let db = create_test_db(Backend::Sqlite).unwrap();
    let (mut child, port) = start_binary(&db.url, &[("KEYDESK_SECURE_COOKIES", "1")]).await;
    let response = reqwest::get(format!("http://127.0.0.1:{port}/setup"))
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_gracefully_and_keeps_usage() {
    let db = create_test_db(Backend::Sqlite).unwrap();
    let (mut child, port) = start_binary(&db.url, &[("RUST_LOG", "info")]).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let app = TestAppLite {
        address: format!("http://127.0.0.1:{port}"),
        client: browser(jar),
    };
    let key = app.set_up_and_create_key().await;
    for _ in 0..9 {
        let r = reqwest::Client::new()
            .request(Method::GET, format!("{}/api/team", app.address))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    // The shell's built-in kill: no extra package needed.
    let status = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains(&key), "the key never reaches the logs");

    let url = keydesk::db::DatabaseUrl::parse(&db.url).unwrap();
    let mut conn = keydesk::db::build_pool(&url, 1).get().unwrap();
    let total = recorded_requests(&mut conn);
    assert_eq!(total, 9);
}

/// Just enough of a browser for a server we did not start in-process.
struct TestAppLite {
    address: String,
    client: reqwest::Client,
}

impl TestAppLite {
    async fn page(&self, path: &str) -> String {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn set_up_and_create_key(&self) -> String {
        let token = csrf_token(&self.page("/setup").await);
        let r = self
            .client
            .post(format!("{}/setup", self.address))
            .form(&[
                ("csrf_token", token.as_str()),
                ("workspace", WORKSPACE),
                ("name", ADMIN_NAME),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
        let form = self.page("/settings/integrations/keys/new").await;
        let (csrf, once) = (csrf_token(&form), form_token(&form));
        let reveal = self
            .client
            .post(format!("{}/settings/integrations/keys", self.address))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("form_token", once.as_str()),
                ("name", "Shell test"),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        revealed_key(&reveal)
    }
}

//! A Redis server of one test's own, on a free port, that the test can stop and start
//! again on the same port (the machine's own Redis is never touched).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::database::{TempDir, require_all_suites};

pub struct TestRedis {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl TestRedis {
    /// A running server, or `None` (the test is skipped) when `redis-server` is not
    /// installed; with `KEYDESK_REQUIRE_ALL_SUITES=1` that fails instead.
    pub async fn start() -> Option<TestRedis> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                !require_all_suites(),
                "KEYDESK_REQUIRE_ALL_SUITES=1 but redis-server is not installed: the Redis suite cannot run"
            );
            eprintln!("Redis suite skipped: install redis-server to run it");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = TestRedis {
            port,
            dir: TempDir::new("redis"),
            child: None,
        };
        redis.resume().await;
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (its data is gone with it).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty, and waits until it accepts.
    pub async fn resume(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir.0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "redis-server never listened on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

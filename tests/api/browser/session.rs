//! A chromedriver per test, and Chromium sessions with a given colour scheme and width.

use std::net::TcpStream;
use std::ops::Deref;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::helpers::*;

/// The desktop width every page is checked at.
pub const DESKTOP: u32 = 1280;
/// The phone width every page is checked at (an iPhone's CSS width).
pub const PHONE: u32 = 375;

/// A chromedriver we started, killed on drop.
pub struct Driver {
    url: String,
    child: Option<Child>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts chromedriver, or returns `None` (after saying so) when it is not installed.
pub fn start_driver() -> Option<Driver> {
    if let Ok(url) = std::env::var("CHROMEDRIVER_URL") {
        return Some(Driver { url, child: None });
    }
    let found = Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            !require_all_suites(),
            "KEYDESK_REQUIRE_ALL_SUITES=1 but chromedriver is not on PATH: the browser suite cannot run"
        );
        eprintln!(
            "browser suite skipped: install chromium and chromium-driver (or set CHROMEDRIVER_URL)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver {
        url: format!("http://127.0.0.1:{port}"),
        child: Some(child),
    })
}

/// The `prefers-color-scheme` a session reports to the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Light,
    Dark,
}

impl Theme {
    pub const BOTH: [Theme; 2] = [Theme::Light, Theme::Dark];

    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Blink's own setting: `--force-dark-mode` does not change the media query, this does.
    fn blink_setting(self) -> &'static str {
        match self {
            Theme::Light => "--blink-settings=preferredColorScheme=1",
            Theme::Dark => "--blink-settings=preferredColorScheme=0",
        }
    }
}

/// How a session starts.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub javascript: bool,
    pub theme: Theme,
    pub width: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            javascript: true,
            theme: Theme::Light,
            width: DESKTOP,
        }
    }
}

/// A Chromium session and the profile directory it writes to (removed on drop).
pub struct Browser {
    client: Client,
    pub theme: Theme,
    _profile: TempDir,
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    pub async fn open(driver: &Driver, options: Options) -> Browser {
        let profile = TempDir::new("chrome");
        let binary = [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("/usr/bin/chromium");
        let mut chrome = json!({
            "binary": binary,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars",
                format!("--window-size={},900", options.width),
                options.theme.blink_setting(),
                format!("--user-data-dir={}", profile.0.display()),
            ],
        });
        if !options.javascript {
            chrome["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), chrome);
        let client = ClientBuilder::native()
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a browser session");
        let browser = Browser {
            client,
            theme: options.theme,
            _profile: profile,
        };
        browser.set_width(options.width).await;
        browser
    }

    /// Resizes the window so that the page's viewport (`innerWidth`) is exactly `width`.
    /// (With JavaScript off the viewport cannot be measured; the window size is used as is.)
    pub async fn set_width(&self, width: u32) {
        self.client.set_window_size(width, 900).await.unwrap();
        let Some(inner) = self.inner_width().await else {
            return;
        };
        // Headless windows may add chrome around the viewport: correct by the difference.
        if inner != i64::from(width) {
            let corrected = 2 * i64::from(width) - inner;
            self.client
                .set_window_size(u32::try_from(corrected).unwrap(), 900)
                .await
                .unwrap();
            assert_eq!(
                self.inner_width().await,
                Some(i64::from(width)),
                "viewport width"
            );
        }
    }

    async fn inner_width(&self) -> Option<i64> {
        self.client
            .execute("return window.innerWidth;", vec![])
            .await
            .ok()?
            .as_i64()
    }

    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}

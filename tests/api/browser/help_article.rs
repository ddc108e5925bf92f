//! The help article's flow, followed in a real Chromium through chromedriver.
//! Runs when `chromedriver` is on PATH (or CHROMEDRIVER_URL is set); says so when skipped.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::*;

/// A chromedriver we started, killed on drop.
struct Driver {
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

fn start_driver() -> Option<Driver> {
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

async fn open_browser(driver: &Driver, profile: &TempDir, javascript: bool) -> Client {
    let binary = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .unwrap_or("/usr/bin/chromium");
    let mut options = json!({
        "binary": binary,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1400,1000",
            format!("--user-data-dir={}", profile.0.display()),
        ],
    });
    if !javascript {
        options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

/// Every lookup waits for its element: after a click the next page may still be loading.
async fn element(c: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("element {locator:?}: {e}"))
}

async fn fill(c: &Client, css: &str, text: &str) {
    let field = element(c, Locator::Css(css)).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    element(c, Locator::Css(css)).await.click().await.unwrap();
}

async fn click_text(c: &Client, text: &str) {
    let xpath = format!("//*[self::a or self::button][normalize-space(.)='{text}']");
    element(c, Locator::XPath(&xpath))
        .await
        .click()
        .await
        .unwrap();
}

/// Waits until the page shows `text`, then returns the page's text.
async fn wait_for_text(c: &Client, text: &str) -> String {
    let xpath = format!("//*[contains(normalize-space(.), '{text}')]");
    element(c, Locator::XPath(&xpath)).await;
    body_text(c).await
}

async fn body_text(c: &Client) -> String {
    element(c, Locator::Css("body")).await.text().await.unwrap()
}

async fn save_screenshot(c: &Client, name: &str) {
    if let Ok(dir) = std::env::var("KEYDESK_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), c.screenshot().await.unwrap()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_articles_flow_works_in_a_real_browser() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let profile = TempDir::new("chrome");
    let c = open_browser(&driver, &profile, true).await;

    // First run: setup.
    c.goto(&app.url("/")).await.unwrap();
    fill(&c, "#workspace", WORKSPACE).await;
    fill(&c, "#name", ADMIN_NAME).await;
    fill(&c, "#email", ADMIN_EMAIL).await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    click_text(&c, "Create workspace").await;

    // Step 1: profile icon (bottom-left) → Settings → Integrations.
    element(&c, Locator::Css("summary[aria-label='Profile']")).await;
    c.goto(&app.url("/settings/team")).await.unwrap();
    click(&c, "summary[aria-label='Profile']").await;
    click_text(&c, "Settings").await;
    element(&c, Locator::Css("#api-keys-title")).await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/settings/integrations")
    );

    // Step 2: Generate → name → Create Key.
    click_text(&c, "Generate").await;
    let name_field = element(&c, Locator::Css("#key-name")).await;
    assert!(
        name_field
            .attr("placeholder")
            .await
            .unwrap()
            .unwrap()
            .contains("Clay Integration")
    );
    fill(&c, "#key-name", "Clay Integration").await;
    click_text(&c, "Create Key").await;

    // Step 3: copy the key, shown once.
    let field = element(&c, Locator::Css("#new-key")).await;
    let key = field.prop("value").await.unwrap().unwrap();
    assert!(key.starts_with("kd_") && key.len() == 41);
    assert!(body_text(&c).await.contains("only view this key once"));
    save_screenshot(&c, "reveal").await;
    click_text(&c, "Copy").await;
    let copy = c.find(Locator::Css("[data-copy-target]")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while copy.text().await.unwrap() != "Copied" {
        assert!(Instant::now() < deadline, "the Copy button confirms");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    click_text(&c, "Done").await;

    // Step 4: the key is listed; the list collapses and expands with the arrow.
    element(&c, Locator::Css("#api-keys-table")).await;
    let text = body_text(&c).await;
    assert!(text.contains("Clay Integration") && text.contains("Never used"));
    assert!(!text.contains(&key), "the list never shows the key");
    save_screenshot(&c, "integrations").await;
    click(&c, "details.collapsible > summary").await;
    assert!(
        !c.find(Locator::Css("#api-keys-table"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    // The collapsed state is kept across visits.
    c.refresh().await.unwrap();
    let list = element(&c, Locator::Css("details.collapsible")).await;
    assert_eq!(
        list.attr("open").await.unwrap(),
        None,
        "still collapsed after a reload"
    );
    click(&c, "details.collapsible > summary").await;
    assert!(
        c.find(Locator::Css("#api-keys-table"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );

    // Rename in place.
    click_text(&c, "Rename").await;
    let inline = c
        .find(Locator::Css(".inline-edit-form input[name='name']"))
        .await
        .unwrap();
    assert!(
        inline.is_displayed().await.unwrap(),
        "the inline form opens"
    );
    fill(
        &c,
        ".inline-edit-form input[name='name']",
        "Clay Enrichment",
    )
    .await;
    click_text(&c, "Save").await;
    element(&c, Locator::XPath("//strong[text()='Clay Enrichment']")).await;

    // Delete, with the warning.
    click_text(&c, "Delete").await;
    element(&c, Locator::Css("#delete-title")).await;
    assert!(body_text(&c).await.contains("loses access at once"));
    click_text(&c, "Delete key").await;
    element(&c, Locator::Css(".flash")).await;
    assert!(body_text(&c).await.contains("No API keys yet"));

    // Log out from the profile menu.
    click(&c, "summary[aria-label='Profile']").await;
    click_text(&c, "Log out").await;
    element(&c, Locator::Css("#password")).await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_flow_works_with_javascript_off() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let profile = TempDir::new("chrome-nojs");
    let c = open_browser(&driver, &profile, false).await;

    c.goto(&app.url("/login")).await.unwrap();
    fill(&c, "#email", ADMIN_EMAIL).await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    click_text(&c, "Log in").await;

    // The profile menu opens without JS (a <details> element).
    element(&c, Locator::Css("summary[aria-label='Profile']")).await;
    click(&c, "summary[aria-label='Profile']").await;
    assert!(
        c.find(Locator::XPath("//a[normalize-space(.)='Settings']"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );

    c.goto(&app.url("/settings/integrations/keys/new"))
        .await
        .unwrap();
    fill(&c, "#key-name", "Zapier Automation").await;
    click_text(&c, "Create Key").await;
    let key = element(&c, Locator::Css("#new-key"))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(key.starts_with("kd_"));

    // Reloading the reveal page resubmits the form: nothing new, nothing shown.
    c.refresh().await.unwrap();
    element(&c, Locator::Css("#done-title")).await;
    assert!(!c.source().await.unwrap().contains(&key));

    // Rename through the plain form.
    c.goto(&app.url("/settings/integrations")).await.unwrap();
    assert!(
        !c.find(Locator::Css(".inline-edit-form"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    click_text(&c, "Rename").await;
    fill(&c, "#key-name", "Zapier Workflow").await;
    click_text(&c, "Save").await;
    element(&c, Locator::XPath("//strong[text()='Zapier Workflow']")).await;
    assert_eq!(
        c.find_all(Locator::Css("#api-keys-table tbody tr"))
            .await
            .unwrap()
            .len(),
        1
    );

    // Check a key.
    click_text(&c, "Check a key").await;
    fill(&c, "#check-key", &key).await;
    click_text(&c, "Check").await;
    assert!(
        wait_for_text(&c, "This key works")
            .await
            .contains("Zapier Workflow")
    );
    c.close().await.unwrap();
}

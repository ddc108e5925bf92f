//! The README's screenshots of the Integrations page, desktop and phone, written to
//! `docs/` when `KEYDESK_SCREENSHOTS=1` (`KEYDESK_SCREENSHOTS=1 cargo test --test api screenshots`).

use fantoccini::{Client, Locator};
use time::Duration;

use super::actions::*;
use super::seed::set_expiry;
use super::session::{Browser, DESKTOP, Options, PHONE, start_driver};
use crate::helpers::*;

async fn save(c: &Client, file: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    std::fs::write(&path, c.screenshot().await.unwrap()).unwrap();
    eprintln!("wrote {}", path.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_screenshots_show_a_few_keys() {
    if std::env::var("KEYDESK_SCREENSHOTS").as_deref() != Ok("1") {
        eprintln!("screenshots not taken: set KEYDESK_SCREENSHOTS=1 to write docs/screenshot*.png");
        return;
    }
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let clay = app
        .create_key_with("Clay Integration", &[("note", "Enriches new leads")])
        .await;
    let zapier = app.create_key("Zapier Automation").await;
    let crm = app
        .create_key_with("Custom CRM Sync", &[("access", "read_only")])
        .await;
    app.create_key("Airbyte Export").await;
    app.create_key("Legacy Webhook").await;
    let legacy = app.key_id("Legacy Webhook").await;
    let disable = format!("/settings/integrations/keys/{legacy}/disable");
    let page = app.get_html(&disable).await;
    app.submit(&page, &disable, &[]).await;
    // Some traffic, so the usage charts and "Last used" have something to show.
    for _ in 0..6 {
        app.team_status(&clay).await;
    }
    for _ in 0..3 {
        app.team_status(&zapier).await;
    }
    app.team_status(&crm).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    set_expiry(&app, "Airbyte Export", Duration::days(5));

    let c = Browser::open(&driver, Options::default()).await;
    log_in(&c, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    c.goto(&app.url("/settings/integrations")).await.unwrap();
    element(&c, Locator::Css("#api-keys-title")).await;
    c.set_width(DESKTOP).await;
    save(&c, "screenshot.png").await;
    c.set_width(PHONE).await;
    save(&c, "screenshot-phone.png").await;
    c.close().await;
}

//! The help article's flow, with JavaScript on and off.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use super::actions::*;
use super::session::{Browser, Options, start_driver};
use crate::helpers::*;

async fn save_screenshot(c: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("KEYDESK_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), c.screenshot().await.unwrap()).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_articles_flow_works_in_a_real_browser() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let c = Browser::open(&driver, Options::default()).await;

    // First run: setup, from the link the server printed (it carries the setup code).
    c.goto(&app.url(&app.setup_link().await)).await.unwrap();
    fill(&c, "#workspace", WORKSPACE).await;
    fill(&c, "#name", ADMIN_NAME).await;
    fill(&c, "#email", ADMIN_EMAIL).await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    click_text(&c, "Create workspace").await;

    // Step 1: profile icon (bottom-left) → Settings → Integrations.
    element(&c, Locator::Css("summary[aria-label*='Profile']")).await;
    c.goto(&app.url("/settings/team")).await.unwrap();
    click(&c, "summary[aria-label*='Profile']").await;
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
    click(&c, "summary[aria-label*='Profile']").await;
    click_text(&c, "Log out").await;
    element(&c, Locator::Css("#password")).await;
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_flow_works_with_javascript_off() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let c = Browser::open(
        &driver,
        Options {
            javascript: false,
            ..Options::default()
        },
    )
    .await;

    c.goto(&app.url("/login")).await.unwrap();
    fill(&c, "#email", ADMIN_EMAIL).await;
    fill(&c, "#password", ADMIN_PASSWORD).await;
    click_text(&c, "Log in").await;

    // The profile menu opens without JS (a <details> element).
    element(&c, Locator::Css("summary[aria-label*='Profile']")).await;
    click(&c, "summary[aria-label*='Profile']").await;
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
    c.close().await;
}

//! The webhook pages in Chromium, in both colour schemes and at both widths: "Add webhook"
//! with a refused URL, the signing secret shown once, and Integrations listing the hook
//! with a delivery. No serious axe-core violation, no sideways scrolling on a phone.

use super::actions::*;
use super::audit::{Findings, axe_installed};
use super::session::{Browser, DESKTOP, Options, PHONE, Theme, start_driver};
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_pages_pass_axe_and_fit_a_phone() {
    let Some(driver) = start_driver() else { return };
    if !axe_installed() {
        return;
    }
    let app = spawn_app_with(Backend::Sqlite, crate::webhooks::fast_local_delivery)
        .await
        .unwrap();
    app.set_up().await;
    let receiver = Receiver::start();
    let mut findings = Findings::default();
    for theme in Theme::BOTH {
        let b = Browser::open(
            &driver,
            Options {
                theme,
                ..Options::default()
            },
        )
        .await;
        log_in(&b, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        b.goto(&app.url("/settings/integrations/webhooks/new"))
            .await
            .unwrap();
        fill(&b, "#webhook-url", "not a url").await;
        click_text(&b, "Add webhook").await;
        wait_for_text(&b, "The URL must start with").await;
        check(&b, &mut findings, "Add webhook, refused").await;
        let target = format!("{}/{}", receiver.base, theme.name());
        fill(&b, "#webhook-url", &target).await;
        click_text(&b, "Add webhook").await;
        wait_for_text(&b, "Copy the signing secret now").await;
        check(&b, &mut findings, "Webhook added").await;
        click_text(&b, "Done").await;
        click_text(&b, "Send test event").await;
        wait_for_text(&b, "Test event queued.").await;
        receiver
            .wait_for(
                Theme::BOTH.iter().position(|t| *t == theme).unwrap() + 1,
                std::time::Duration::from_secs(10),
            )
            .await;
        b.refresh().await.unwrap();
        wait_for_text(&b, "Delivered").await;
        check(&b, &mut findings, "Integrations with webhooks").await;
        b.close().await;
    }
    findings.assert_none();
}

async fn check(b: &Browser, findings: &mut Findings, page: &str) {
    for width in [DESKTOP, PHONE] {
        b.set_width(width).await;
        findings.check(b, page, width).await;
    }
    b.set_width(DESKTOP).await;
}

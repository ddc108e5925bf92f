//! Sudo mode in Chromium: after two hours, "Create Key" is held on
//! "Confirm access" (which passes axe and fits a phone in both schemes); typing the
//! password completes it and the new key is shown once.

use fantoccini::Locator;

use super::actions::*;
use super::audit::{Findings, axe_installed};
use super::session::{Browser, DESKTOP, Options, PHONE, Theme, start_driver};
use crate::confirm_access::confirmed_ago;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_key_is_generated_once_access_is_confirmed() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let mut findings = Findings::default();
    for theme in Theme::BOTH {
        let options = Options {
            theme,
            ..Options::default()
        };
        let b = Browser::open(&driver, options).await;
        log_in(&b, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        confirmed_ago(&app, 3 * 60 * 60);
        b.goto(&app.url("/settings/integrations/keys/new"))
            .await
            .unwrap();
        let name = format!("Held in {}", theme.name());
        fill(&b, "#key-name", &name).await;
        click_text(&b, "Create Key").await;
        wait_for_text(&b, "Confirm access").await;
        wait_for_text(&b, &format!("Generate the key \"{name}\"")).await;
        if axe_installed() {
            for width in [DESKTOP, PHONE] {
                b.set_width(width).await;
                findings.check(&b, "Confirm access", width).await;
            }
            b.set_width(DESKTOP).await;
        }
        fill(&b, "#confirm-password", "not the password").await;
        click_text(&b, "Confirm").await;
        wait_for_text(&b, "Incorrect password.").await;
        fill(&b, "#confirm-password", ADMIN_PASSWORD).await;
        click_text(&b, "Confirm").await;
        let key = element(&b, Locator::Css("#new-key"))
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap();
        assert!(key.starts_with("kd_"));
        assert_eq!(app.team_status(&key).await, reqwest::StatusCode::OK);
        click_text(&b, "Done").await;
        key_row(&b, &name).await;
        b.close().await;
    }
    findings.assert_none();
}

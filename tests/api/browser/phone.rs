//! The key list on a 375 px phone: every key's actions reachable and working, no sideways
//! scrolling on the way.

use fantoccini::{Client, Locator};

use super::actions::*;
use super::audit::sideways_overflow;
use super::session::{Browser, Options, PHONE, start_driver};
use crate::helpers::*;

/// Fails if the page would scroll sideways; `moment` says where in the journey.
async fn assert_fits(c: &Client, moment: &str) {
    let overflow = sideways_overflow(c).await;
    assert!(
        overflow.is_empty(),
        "{moment}: the page scrolls sideways at {PHONE} px:\n{}",
        overflow.join("\n")
    );
}

/// Fails unless the action named `text` in `name`'s card is shown inside the screen's width.
async fn assert_action_on_screen(c: &Client, name: &str, text: &str) {
    let row = key_row(c, name).await;
    let action = row
        .find(Locator::XPath(&format!(".{}", link_or_button(text))))
        .await
        .unwrap_or_else(|e| panic!("{text} for {name}: {e}"));
    assert!(action.is_displayed().await.unwrap(), "{text} is shown");
    let (x, _, width, _) = action.rectangle().await.unwrap();
    assert!(
        x >= 0.0 && x + width <= f64::from(PHONE) + 0.5,
        "{text} for {name} is within the screen (from {x} to {})",
        x + width
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_can_be_renamed_regenerated_and_deleted_on_a_phone() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let old = app.create_key("Clay Integration").await;
    app.create_key_with(
        "Zapier Automation",
        &[("note", "Posts new leads to the CRM")],
    )
    .await;
    let c = Browser::open(
        &driver,
        Options {
            width: PHONE,
            ..Options::default()
        },
    )
    .await;
    log_in(&c, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    c.goto(&app.url("/settings/integrations")).await.unwrap();
    key_row(&c, "Clay Integration").await;
    assert_fits(&c, "the key list").await;
    for name in ["Clay Integration", "Zapier Automation"] {
        for action in ["Rename", "Regenerate", "Delete"] {
            assert_action_on_screen(&c, name, action).await;
        }
    }
    let text = body_text(&c).await;
    for column in [
        "Never used",
        "Posts new leads to the CRM",
        "by Ada Lovelace",
    ] {
        assert!(text.contains(column), "the cards still show {column:?}");
    }

    // Rename in place.
    let row = key_row(&c, "Clay Integration").await;
    click_text_in(&row, "Rename").await;
    assert_fits(&c, "the rename form").await;
    let field = row
        .find(Locator::Css("form input[name='name']"))
        .await
        .unwrap();
    assert!(
        field.is_displayed().await.unwrap(),
        "the rename form opens in the card"
    );
    field.clear().await.unwrap();
    field.send_keys("Clay Enrichment").await.unwrap();
    click_text_in(&row, "Save").await;
    key_row(&c, "Clay Enrichment").await;
    assert_fits(&c, "the list after renaming").await;

    // Regenerate: a new secret, shown once; the old one stops working.
    click_text_in(&key_row(&c, "Clay Enrichment").await, "Regenerate").await;
    element(&c, Locator::Css("#regen-title")).await;
    assert_fits(&c, "the Regenerate page").await;
    click(&c, "main form button[type='submit']").await;
    let new = element(&c, Locator::Css("#new-key"))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(new.starts_with("kd_") && new != old);
    assert_fits(&c, "the new secret").await;
    assert_ne!(app.team_status(&old).await, reqwest::StatusCode::OK);
    assert_eq!(app.team_status(&new).await, reqwest::StatusCode::OK);
    click_text(&c, "Done").await;

    // Delete, with its warning.
    click_text_in(&key_row(&c, "Zapier Automation").await, "Delete").await;
    element(&c, Locator::Css("#delete-title")).await;
    assert_fits(&c, "the Delete page").await;
    click_text(&c, "Delete key").await;
    element(&c, Locator::Css(".flash")).await;
    assert_eq!(visible_key_names(&c).await, ["Clay Enrichment"]);
    assert_fits(&c, "the list after deleting").await;
    c.close().await;
}

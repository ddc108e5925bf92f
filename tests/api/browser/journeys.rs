//! Journeys through the pages: by keyboard alone, as a member without API access, through
//! a long list, and in the dark scheme.

use fantoccini::Locator;
use fantoccini::key::Key;

use super::actions::*;
use super::seed::seed_keys;
use super::session::{Browser, Options, Theme, start_driver};
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_can_be_generated_and_copied_by_keyboard_alone() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let c = Browser::open(&driver, Options::default()).await;
    log_in(&c, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    c.goto(&app.url("/settings/integrations")).await.unwrap();

    tab_to(&c, "a[href='/settings/integrations/keys/new']").await;
    press(&c, Key::Enter).await;
    element(&c, Locator::Css("#key-name")).await;
    // The name field has the focus on arrival, or is the first field Tab reaches.
    if !focused(&c).await.starts_with("input#key-name") {
        tab_to(&c, "#key-name").await;
    }
    press_text(&c, "Keyboard Integration").await;
    tab_to(&c, "main button[type='submit']").await;
    press(&c, Key::Enter).await;

    // After "Create Key" the focus is on the new key (or its heading), ready to copy.
    let key_field = element(&c, Locator::Css("#new-key")).await;
    let key = key_field.prop("value").await.unwrap().unwrap();
    assert!(key.starts_with("kd_"));
    let on_arrival = focused(&c).await;
    assert!(
        on_arrival.starts_with("input#new-key") || on_arrival.starts_with("h1#reveal-title"),
        "after Create Key the focus is on the new key, not {on_arrival}"
    );
    tab_to(&c, "[data-copy-target]").await;
    press(&c, Key::Enter).await;
    let copy = c.find(Locator::Css("[data-copy-target]")).await.unwrap();
    wait_for_element_text(&copy, "Copied").await;
    tab_to_named(&c, "Done").await;
    press(&c, Key::Enter).await;
    key_row(&c, "Keyboard Integration").await;

    // On any page the first Tab reaches a skip link, which moves the focus past the sidebar.
    c.refresh().await.unwrap();
    press(&c, Key::Tab).await;
    let first = focused(&c).await;
    assert!(
        first.to_lowercase().contains("skip"),
        "the first Tab lands on a skip link, not {first}"
    );
    press(&c, Key::Enter).await;
    let target = c
        .execute(
            "const m = document.querySelector('main'); \
             return m.contains(document.activeElement) || location.hash === '#' + m.id;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        target.as_bool(),
        Some(true),
        "the skip link leads to the main content"
    );
    c.close().await;
}

/// Types text into the focused element.
async fn press_text(c: &fantoccini::Client, text: &str) {
    let field = c.active_element().await.unwrap();
    field.send_keys(text).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_without_api_access_sees_who_to_ask() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    app.create_key("Clay Integration").await;
    app.add_member("Mia Member", "mia@example.com", "member", false)
        .await;
    let c = Browser::open(&driver, Options::default()).await;
    log_in(&c, &app, "mia@example.com", "member password 1").await;

    // Profile → Settings, as the help article says.
    click(&c, "summary[aria-label*='Profile']").await;
    click_text(&c, "Settings").await;
    let text = wait_for_text(&c, "You don't have API access").await;
    assert!(
        text.contains(ADMIN_NAME) && text.contains(ADMIN_EMAIL),
        "the notice names the admins: {text}"
    );
    let mail = element(&c, Locator::Css(&format!("a[href='mailto:{ADMIN_EMAIL}']"))).await;
    assert!(mail.is_displayed().await.unwrap());
    let html = c.source().await.unwrap();
    assert!(
        !html.contains("Clay Integration") && !html.contains("api-keys-table"),
        "no key data reaches a member"
    );
    assert!(
        c.find_all(Locator::XPath(&link_or_button("Generate")))
            .await
            .unwrap()
            .is_empty(),
        "no Generate button"
    );
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_of_120_keys_pages_sorts_and_filters_through_its_links() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    app.create_key("Anchor").await;
    seed_keys(&app, "Anchor", "Seed", 120);
    let c = Browser::open(&driver, Options::default()).await;
    log_in(&c, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    c.goto(&app.url("/settings/integrations")).await.unwrap();
    assert!(wait_for_text(&c, "(121)").await.contains("API keys"));

    // Newest first, 50 a page; Seed i was created (7i mod 120) + 1 hours ago.
    let first_page = visible_key_names(&c).await;
    assert_eq!(first_page.len(), 50, "50 keys a page");
    assert_eq!(first_page[..2], ["Anchor", "Seed 120"]);
    click(&c, "a[href*='page=2']").await;
    wait_for_text(&c, "Seed").await;
    let second_page = visible_key_names(&c).await;
    assert_eq!(second_page.len(), 50, "page 2 holds the next 50");
    assert!(
        second_page.iter().all(|name| !first_page.contains(name)),
        "page 2 shows other keys: {second_page:?}"
    );
    // The 51st newest is the seed created 50 hours ago: 7i ≡ 49 (mod 120), so i = 7.
    assert_eq!(second_page[0], "Seed 007");

    // Sorting by name starts again at page 1, A to Z; its next page continues the order.
    click_text(&c, "Name").await;
    wait_for_text(&c, "Anchor").await;
    let by_name = visible_key_names(&c).await;
    assert_eq!(by_name[..3], ["Anchor", "Seed 001", "Seed 002"]);
    assert_eq!(by_name.len(), 50);
    click(&c, "a[href*='page=2']").await;
    wait_for_text(&c, "Seed 050").await;
    assert_eq!(
        visible_key_names(&c).await[0],
        "Seed 050",
        "page 2 sorted by name"
    );
    click_text(&c, "Name").await;
    wait_for_text(&c, "Seed 120").await;
    assert_eq!(
        visible_key_names(&c).await[0],
        "Seed 120",
        "Z to A on a second click"
    );

    // The filter searches every page, not only the one shown (Seed 120 … 071 here).
    fill(&c, "#key-filter", "Seed 00").await;
    press(&c, Key::Enter).await;
    wait_for_address_containing(&c, "q=Seed").await;
    key_row(&c, "Seed 005").await;
    let mut found = visible_key_names(&c).await;
    found.sort();
    let expected: Vec<String> = (1..=9).map(|i| format!("Seed {i:03}")).collect();
    assert_eq!(found, expected, "the filter finds keys from other pages");
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dark_scheme_gives_dark_pages_and_the_light_one_light_pages() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up_with_key().await;
    for theme in Theme::BOTH {
        let c = Browser::open(
            &driver,
            Options {
                theme,
                ..Options::default()
            },
        )
        .await;
        let dark = c
            .execute(
                "return matchMedia('(prefers-color-scheme: dark)').matches;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            dark.as_bool(),
            Some(theme == Theme::Dark),
            "the media query"
        );
        c.goto(&app.url("/login")).await.unwrap();
        element(&c, Locator::Css("#password")).await;
        let login = background_luminance(&c).await;
        log_in(&c, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        c.goto(&app.url("/settings/integrations")).await.unwrap();
        key_row(&c, "Integration").await;
        let integrations = background_luminance(&c).await;
        for (page, luminance) in [("login", login), ("Integrations", integrations)] {
            match theme {
                Theme::Dark => assert!(
                    luminance < 0.25,
                    "the {page} page is dark in the dark scheme (luminance {luminance:.2})"
                ),
                Theme::Light => assert!(
                    luminance > 0.75,
                    "the {page} page is light in the light scheme (luminance {luminance:.2})"
                ),
            }
        }
        c.close().await;
    }
}

/// The input a visible label names.
async fn field_labelled(c: &fantoccini::Client, label: &str) -> fantoccini::elements::Element {
    let xpath = format!(
        "//input[@id=//label[normalize-space(.)={}]/@for]",
        xpath_literal(label)
    );
    element(c, Locator::XPath(&xpath)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_setup_then_a_login_with_a_code_by_visible_labels() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let c = Browser::open(&driver, Options::default()).await;
    log_in(&c, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    click(&c, "summary[aria-label*='Profile']").await;
    click_text(&c, "Account").await;
    click_text(&c, "Manage two-factor authentication").await;
    click_text(&c, "Set up").await;
    let secret = element(&c, Locator::Css("#totp-secret"))
        .await
        .text()
        .await
        .unwrap();
    let now = crate::two_factor::unix_now();
    field_labelled(&c, "Authentication code")
        .await
        .send_keys(&crate::two_factor::code_at(&secret, now))
        .await
        .unwrap();
    click_text(&c, "Turn on").await;
    wait_for_text(&c, "shown only once").await;
    click_text(&c, "Done").await;

    click(&c, "summary[aria-label*='Profile']").await;
    click_text(&c, "Log out").await;
    field_labelled(&c, "Email")
        .await
        .send_keys(ADMIN_EMAIL)
        .await
        .unwrap();
    field_labelled(&c, "Password")
        .await
        .send_keys(ADMIN_PASSWORD)
        .await
        .unwrap();
    click_text(&c, "Log in").await;
    // The setup's code was used: the next one (the window allows one step ahead).
    field_labelled(&c, "Authentication code")
        .await
        .send_keys(&crate::two_factor::code_at(&secret, now + 30))
        .await
        .unwrap();
    click_text(&c, "Verify").await;
    element(&c, Locator::Css("summary[aria-label*='Profile']")).await;
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_invites_and_the_invitee_joins_by_visible_labels() {
    let Some(driver) = start_driver() else { return };
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    app.set_up().await;
    let admin = Browser::open(&driver, Options::default()).await;
    log_in(&admin, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    admin.goto(&app.url("/settings/team")).await.unwrap();
    fill(&admin, "#member-email", "zoe@example.com").await;
    click(&admin, "#member-api-access").await;
    click_text(&admin, "Invite member").await;
    let link_field = element(&admin, Locator::Css("#invite-link")).await;
    let link = link_field.prop("value").await.unwrap().unwrap();
    click_text(&admin, "Copy invite link").await;
    let copy = admin
        .find(Locator::Css("[data-copy-target]"))
        .await
        .unwrap();
    wait_for_element_text(&copy, "Copied").await;
    click_text(&admin, "Done").await;
    wait_for_text(&admin, "Pending invitations").await;

    let zoe = Browser::open(&driver, Options::default()).await;
    zoe.goto(&link).await.unwrap();
    let page = wait_for_text(&zoe, "Join Analytical Engines").await;
    assert!(page.contains(&format!("{ADMIN_NAME} invited zoe@example.com")));
    fill(&zoe, "#join-name", "Zoe Zed").await;
    fill(&zoe, "#join-password", "zoe's own password").await;
    click_text(&zoe, "Join workspace").await;
    element(&zoe, Locator::Css("summary[aria-label*='Profile']")).await;
    wait_for_text(&zoe, "API keys").await;

    admin.goto(&app.url("/settings/team")).await.unwrap();
    let team = wait_for_text(&admin, "Zoe Zed").await;
    assert!(!team.contains("Pending invitations"));
    zoe.close().await;
    admin.close().await;
}

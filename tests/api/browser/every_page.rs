//! Every page, at desktop and phone width, in the light and the dark scheme: no serious or
//! critical axe-core violation, and no sideways scrolling on a phone. All pages are checked
//! before the test fails, so one run lists every problem.

use time::Duration;

use super::actions::*;
use super::audit::{Findings, axe_installed};
use super::seed::{seed_keys, set_expiry, set_last_used};
use super::session::{Browser, Options, Theme, start_driver};
use super::visits::{Visit, check_pages};
use crate::helpers::*;

fn integrations(query: &str) -> Visit<'static> {
    Visit::Get(format!("/settings/integrations{query}"))
}

/// A key whose random part is intact but whose checksum is not.
fn with_bad_checksum(key: &str) -> String {
    let last = key.chars().last().unwrap();
    let other = if last == 'A' { 'B' } else { 'A' };
    format!("{}{other}", &key[..key.len() - 1])
}

/// Regenerates a key at once through its form; returns nothing (the old secret is dead).
async fn regenerate_now(app: &TestApp, id: i32) {
    let path = format!("/settings/integrations/keys/{id}/regenerate");
    let page = app.get_html(&path).await;
    let token = form_token(&page);
    let response = app
        .submit(
            &page,
            &path,
            &[("form_token", &token), ("grace_hours", "0")],
        )
        .await;
    assert_eq!(response.status(), reqwest::StatusCode::OK, "regenerating");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_and_fits_a_phone_in_both_themes() {
    let Some(driver) = start_driver() else { return };
    if !axe_installed() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let mut browsers = Vec::new();
    for theme in Theme::BOTH {
        let options = Options {
            theme,
            ..Options::default()
        };
        browsers.push(Browser::open(&driver, options).await);
    }
    let mut findings = Findings::default();

    // Before the first admin exists.
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[("Setup", Visit::Get("/setup".into()))],
    )
    .await;
    app.set_up().await;
    app.add_member("Mia Member", "mia@example.com", "member", false)
        .await;
    // Noor asked for API access (a count on Team, a request on the Team page, her notice
    // says "Requested on …"); Kai has API access and a key (turning it off asks about it).
    app.add_member("Noor Member", "noor@example.com", "member", false)
        .await;
    let noor = app.log_in_as("noor@example.com").await;
    let notice = noor.get_html("/settings/integrations").await;
    let asked = noor
        .submit(
            &notice,
            "/settings/integrations/access-request",
            &[("reason", "For the weekly export to our data warehouse")],
        )
        .await;
    assert_eq!(asked.status(), reqwest::StatusCode::SEE_OTHER, "Noor asks");
    app.add_member("Kai Keys", "kai@example.com", "member", true)
        .await;
    app.log_in_as("kai@example.com")
        .await
        .create_key("Kai Export")
        .await;
    let kai_id = app.member_id("kai@example.com").await;
    let join = app.invite("zoe@example.com", "member", true).await;
    let reset = {
        let token = keydesk::domain::link_token::LinkToken::generate();
        keydesk::use_cases::invitations::create_reset(
            &mut app.db_conn(),
            "mia@example.com",
            &token.digest(),
        )
        .unwrap()
        .expect("Mia exists");
        format!("/reset/{}", token.expose())
    };
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            ("Login", Visit::Get("/login".into())),
            ("Join from an invitation", Visit::Get(join)),
            ("Choose a new password", Visit::Get(reset)),
            (
                "Link not valid",
                Visit::Get(format!("/invite/{}", "0".repeat(64))),
            ),
        ],
    )
    .await;
    for b in &browsers {
        log_in(b, &app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    }

    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            ("Integrations, empty", integrations("")),
            (
                "Generate",
                Visit::Get("/settings/integrations/keys/new".into()),
            ),
            ("Reveal", Visit::CreateKey("Clay Integration")),
        ],
    )
    .await;

    // A list with each kind of key, and one key for each verdict of "Check a key".
    let zapier = app.create_key("Zapier Automation").await;
    set_last_used(
        &app,
        "Zapier Automation",
        Duration::minutes(5),
        "Zapier/1.0",
    );
    let crm = app
        .create_key_with("Custom CRM Sync", &[("note", "Nightly sync from the CRM")])
        .await;
    set_expiry(&app, "Custom CRM Sync", Duration::days(3));
    let expired = app.create_key("Old Export").await;
    set_expiry(&app, "Old Export", -Duration::days(1));
    let retired = app.create_key("Retired").await;
    let retired_id = app.key_id("Retired").await;
    let delete = format!("/settings/integrations/keys/{retired_id}/delete");
    let page = app.get_html(&delete).await;
    app.submit(&page, &delete, &[]).await;
    let zapier_id = app.key_id("Zapier Automation").await;
    regenerate_now(&app, zapier_id).await;
    app.create_key_with(
        "Airbyte Sync",
        &[
            ("access", "custom"),
            ("scope_campaigns", "read"),
            ("scope_leads", "write"),
        ],
    )
    .await;
    let airbyte_id = app.key_id("Airbyte Sync").await;
    let crm_id = app.key_id("Custom CRM Sync").await;
    // A disabled key: its row, its hint and its "Enable" button are on the list below.
    let paused = app.create_key("Paused Export").await;
    let paused_id = app.key_id("Paused Export").await;
    let disable = format!("/settings/integrations/keys/{paused_id}/disable");
    let page = app.get_html(&disable).await;
    app.submit(&page, &disable, &[]).await;
    let key_page =
        |action: &str| Visit::Get(format!("/settings/integrations/keys/{crm_id}/{action}"));
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            ("Integrations, with keys", integrations("")),
            ("Integrations, collapsed", Visit::Collapsed),
            ("Rename", key_page("rename")),
            ("Regenerate", key_page("regenerate")),
            ("Regenerate, the new secret", Visit::Regenerate(airbyte_id)),
            ("Delete", key_page("delete")),
            ("Disable", key_page("disable")),
            ("Edit access", key_page("access")),
            (
                "Edit access, Custom",
                Visit::Get(format!("/settings/integrations/keys/{airbyte_id}/access")),
            ),
            ("Generate, Custom refused", Visit::CustomRefused),
            (
                "Check a key",
                Visit::Get("/settings/integrations/check".into()),
            ),
            ("Check: works", Visit::Check(crm.clone())),
            ("Check: deleted", Visit::Check(retired)),
            ("Check: expired", Visit::Check(expired)),
            ("Check: disabled", Visit::Check(paused)),
            ("Check: replaced", Visit::Check(zapier)),
            ("Check: truncated", Visit::Check(crm[..20].to_string())),
            ("Check: bad checksum", Visit::Check(with_bad_checksum(&crm))),
            (
                "Check: spaces inside",
                Visit::Check(format!("{} {}", &crm[..10], &crm[10..])),
            ),
            (
                "Team, with an access request and an invitation",
                Visit::Get("/settings/team".into()),
            ),
            ("Invite member: the link", Visit::Invite("invitee")),
            (
                "Turn off API access: the keys question",
                Visit::AskAboutKeys(kai_id),
            ),
            ("Audit log", Visit::Get("/settings/audit".into())),
            ("Account", Visit::Get("/account".into())),
            ("API docs", Visit::Get("/docs/api".into())),
            ("Not found", Visit::Get("/no-such-page".into())),
        ],
    )
    .await;

    // The key policy: its page, then the list and the forms under a policy.
    let policy = "/settings/integrations/policy";
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[("Key policy", Visit::Get(policy.into()))],
    )
    .await;
    let page = app.get_html(policy).await;
    app.submit(
        &page,
        policy,
        &[
            ("max_lifetime", "90"),
            ("disable_unused", "30"),
            ("require_note", "true"),
        ],
    )
    .await;
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            ("Key policy, saved", Visit::Get(policy.into())),
            ("Integrations, beyond the policy", integrations("")),
            (
                "Generate, under a policy",
                Visit::Get("/settings/integrations/keys/new".into()),
            ),
            ("Regenerate, under a policy", key_page("regenerate")),
        ],
    )
    .await;

    // More keys than one page holds (50 a page).
    seed_keys(&app, "Custom CRM Sync", "Seed", 60);
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            ("Integrations, 65 keys", integrations("")),
            ("Integrations, page 2", integrations("?page=2")),
            (
                "Integrations, sorted by name",
                integrations("?sort=name&dir=asc"),
            ),
            ("Integrations, filtered", integrations("?q=Seed+01")),
        ],
    )
    .await;

    // A member without API access.
    for b in &browsers {
        b.delete_all_cookies().await.unwrap();
        log_in(b, &app, "mia@example.com", "member password 1").await;
    }
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            ("Permission notice", integrations("")),
            ("Team, as a member", Visit::Get("/settings/team".into())),
        ],
    )
    .await;
    for b in &browsers {
        b.delete_all_cookies().await.unwrap();
        log_in(b, &app, "noor@example.com", "member password 1").await;
    }
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[("Permission notice, request pending", integrations(""))],
    )
    .await;

    // Two-factor authentication: setup, a refused code, the recovery codes, the page
    // when it is on, and the login's code step.
    let noor = "noor@example.com";
    check_pages(
        &browsers,
        &app,
        &mut findings,
        &[
            (
                "Two-factor authentication, off",
                Visit::Get("/account/two-factor".into()),
            ),
            (
                "Two-factor authentication, set up",
                Visit::Get("/account/two-factor/setup".into()),
            ),
            (
                "Two-factor authentication, wrong code",
                Visit::WrongTwoFactorCode,
            ),
            ("Recovery codes", Visit::TurnOnTwoFactor(noor)),
            (
                "Two-factor authentication, on",
                Visit::Get("/account/two-factor".into()),
            ),
            (
                "Login, authentication code",
                Visit::LoginCode(noor, "member password 1"),
            ),
        ],
    )
    .await;

    for b in browsers {
        b.close().await;
    }
    findings.assert_none();
}

//! Sudo mode: after two hours without typing the password, guarded actions are held on
//! "Confirm access" and complete, with what was typed, once the password (and the code,
//! with two-factor authentication) is confirmed. Time moves by rewriting when the
//! session last confirmed access.

use std::collections::HashMap;

use diesel::prelude::*;
use keydesk::db::schema::{api_keys, sessions};
use reqwest::{Response, StatusCode};

use crate::helpers::*;
use crate::on_both_databases;
use crate::two_factor::turn_on_with_code;

on_both_databases!(
    an_old_confirmation_holds_a_new_key_until_the_password_is_typed,
    a_confirmation_inside_the_window_is_not_asked_again,
    every_guarded_action_is_held_after_the_window,
    a_guarded_page_opens_after_confirming,
    with_two_factor_confirming_needs_a_code_that_is_not_replayed,
    wrong_passwords_on_confirm_access_are_throttled_like_logins
        with |config| config.login_max_failures = 3,
    the_operator_can_shorten_the_window
        with |config| config.sudo_window = time::Duration::seconds(1),
);

pub(crate) const WINDOW: i64 = 2 * 60 * 60;
const CONFIRM: &str = "/confirm-access";
/// Where a held action is confirmed: the page, for that action's one-time token.
pub(crate) const HELD: &str = "/confirm-access?confirm_action=";

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Rewrites every session's stored state with `change`.
pub(crate) fn rewrite_sessions(app: &TestApp, change: impl Fn(&mut HashMap<String, String>)) {
    let mut conn = app.db_conn();
    let rows: Vec<(String, String)> = sessions::table
        .select((sessions::id, sessions::state))
        .load(&mut conn)
        .unwrap();
    for (id, state) in rows {
        let mut state: HashMap<String, String> = serde_json::from_str(&state).unwrap();
        change(&mut state);
        diesel::update(sessions::table.find(id))
            .set(sessions::state.eq(serde_json::to_string(&state).unwrap()))
            .execute(&mut conn)
            .unwrap();
    }
}

/// Moves every session's last confirmation `seconds` into the past.
pub(crate) fn confirmed_ago(app: &TestApp, seconds: i64) {
    rewrite_sessions(app, |state| {
        if state.contains_key("access_confirmed_at") {
            let at = (unix_now() - seconds).to_string();
            state.insert("access_confirmed_at".into(), at);
        }
    });
}

/// The hidden fields of the page's (first) form, unescaped, in order.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let html = html.split("</form>").next().unwrap();
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once('"').unwrap();
            let value = rest
                .split_once("value=\"")
                .unwrap()
                .1
                .split_once('"')
                .unwrap()
                .0;
            (name.to_string(), html_unescape(value))
        })
        .collect()
}

/// What the page says confirming will do, unescaped.
pub(crate) fn summary(html: &str) -> String {
    let start = html
        .find("Confirming will: <strong>")
        .expect("the page states the held action")
        + 25;
    html_unescape(&html[start..start + html[start..].find("</strong>").unwrap()])
}

/// The one-time token of the page's held action.
pub(crate) fn held_token(html: &str) -> String {
    hidden_fields(html)
        .into_iter()
        .find_map(|(name, value)| (name == "confirm_action").then_some(value))
        .expect("the form names its held action")
}

/// Where the "Confirm access" form goes.
fn form_action(html: &str) -> String {
    let start = html.find("<form method=\"post\" action=\"").unwrap() + 28;
    html_unescape(&html[start..start + html[start..].find('"').unwrap()])
}

/// Sends the "Confirm access" form as a browser would: its hidden fields and `typed`.
pub(crate) async fn confirm(app: &TestApp, page: &str, typed: &[(&str, &str)]) -> Response {
    let mut body: Vec<(String, String)> = hidden_fields(page);
    body.extend(typed.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    app.client
        .post(app.url(&form_action(page)))
        .form(&body)
        .send()
        .await
        .unwrap()
}

pub(crate) fn key_count(app: &TestApp) -> i64 {
    api_keys::table
        .count()
        .get_result(&mut app.db_conn())
        .unwrap()
}

async fn an_old_confirmation_holds_a_new_key_until_the_password_is_typed(app: TestApp) {
    app.set_up().await;
    confirmed_ago(&app, WINDOW + 60);
    let form = app.get_html("/settings/integrations/keys/new").await;
    let typed = [
        ("name", "Zapier <prod>"),
        ("note", "Owned by growth & ops"),
        ("access", "read_only"),
        ("allowed_ips", "127.0.0.1, 10.0.0.0/8"),
        ("expiry", "90"),
        ("form_token", &form_token(&form)),
    ];
    let held = app
        .submit(&form, "/settings/integrations/keys", &typed)
        .await;
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    assert!(location(&held).starts_with(HELD), "{}", location(&held));
    assert_eq!(key_count(&app), 0, "nothing is created before confirming");

    let page = app.get(&location(&held)).await;
    assert_eq!(page.headers()["cache-control"], "no-store");
    let page = page.text().await.unwrap();
    assert!(page.contains("<h1>Confirm access</h1>"));
    assert!(page.contains("You will not be asked again for the next 2 hours."));
    assert!(page.contains("<label for=\"confirm-password\">Password</label>"));
    assert!(!page.contains("confirm-code"), "no code without two-factor");
    assert_eq!(form_action(&page), "/settings/integrations/keys");
    assert_eq!(
        summary(&page),
        "Generate the key \"Zapier <prod>\"",
        "the page says what confirming does"
    );
    let kept = hidden_fields(&page);
    assert_eq!(
        kept.iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["csrf_token", "confirm_action"],
        "what was typed stays on the server, bound to the page's one-time token"
    );

    let wrong = confirm(&app, &page, &[("confirm_password", "not my password")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("id=\"confirm-password-error\" role=\"alert\">Incorrect password."));
    assert!(
        !wrong.contains("not my password"),
        "a password is never shown"
    );
    assert_eq!(hidden_fields(&wrong), kept, "nothing typed is lost");
    assert_eq!(key_count(&app), 0);

    let done = confirm(&app, &wrong, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(done.status(), StatusCode::OK, "the key is shown at once");
    let key = revealed_key(&done.text().await.unwrap());
    assert_eq!(app.team_status(&key).await, StatusCode::OK);
    let (name, note, ips): (String, String, String) = api_keys::table
        .select((api_keys::name, api_keys::note, api_keys::allowed_ips))
        .first(&mut app.db_conn())
        .unwrap();
    assert_eq!(name, "Zapier <prod>");
    assert_eq!(note, "Owned by growth & ops");
    assert!(ips.contains("10.0.0.0/8"));

    let again = confirm(&app, &wrong, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(again.status(), StatusCode::GONE, "a confirmation runs once");
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("There is nothing to confirm here")
    );
    assert_eq!(key_count(&app), 1);

    app.create_key("Second, without asking").await;
    let nothing_held = app.get(CONFIRM).await;
    assert_eq!(nothing_held.status(), StatusCode::GONE);
}

async fn a_confirmation_inside_the_window_is_not_asked_again(app: TestApp) {
    app.set_up().await;
    confirmed_ago(&app, WINDOW - 60);
    app.create_key("Within two hours").await;
    assert_eq!(key_count(&app), 1);
}

async fn the_operator_can_shorten_the_window(app: TestApp) {
    app.set_up().await;
    let form = app.get_html("/settings/integrations/keys/new").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let held = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[("name", "Late"), ("form_token", &form_token(&form))],
        )
        .await;
    assert!(
        location(&held).starts_with(HELD),
        "two seconds is past a 1-second window"
    );
    let page = app.get_html(&location(&held)).await;
    assert!(page.contains("You will not be asked again for the next 1 second."));
    let done = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(revealed_key(&done.text().await.unwrap()).starts_with("kd_"));
}

async fn every_guarded_action_is_held_after_the_window(app: TestApp) {
    app.set_up().await;
    app.create_key("Airbyte").await;
    app.add_member("Bob", "bob@example.com", "member", false)
        .await;
    let key = app.key_id("Airbyte").await;
    let bob = app.member_id("bob@example.com").await;
    let bob_browser = app.log_in_as("bob@example.com").await;
    let notice = bob_browser.get_html("/settings/integrations").await;
    let asked = bob_browser
        .submit(
            &notice,
            "/settings/integrations/access-request",
            &[("reason", "CRM")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    let team = app.get_html("/settings/team").await;
    let marker = "id=\"request-";
    let start = team.find(marker).expect("Bob's request is listed") + marker.len();
    let request: i32 = team[start..start + team[start..].find('"').unwrap()]
        .parse()
        .unwrap();
    confirmed_ago(&app, WINDOW + 1);
    // Each guarded action, what was typed, and what "Confirm access" says it will do.
    type Guarded<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
    let actions: Vec<Guarded> = vec![
        (
            format!("/settings/integrations/keys/{key}/regenerate"),
            vec![("grace_hours", "24")],
            "Regenerate the key \"Airbyte\"; its current secret keeps working for 24 hours",
        ),
        (
            format!("/settings/integrations/keys/{key}/disable"),
            vec![],
            "Disable the key \"Airbyte\"",
        ),
        (
            format!("/settings/integrations/keys/{key}/enable"),
            vec![],
            "Enable the key \"Airbyte\"",
        ),
        (
            format!("/settings/integrations/keys/{key}/delete"),
            vec![],
            "Delete the key \"Airbyte\"",
        ),
        (
            format!("/settings/integrations/keys/{key}/access"),
            vec![("access", "read_only")],
            "Change the access of the key \"Airbyte\" to Read only",
        ),
        (
            "/settings/integrations/policy".into(),
            vec![("max_lifetime", "30")],
            "Save the key policy",
        ),
        (
            format!("/settings/team/members/{bob}/role"),
            vec![("role", "admin")],
            "Change Bob's role to Admin",
        ),
        (
            format!("/settings/team/members/{bob}/api-access"),
            vec![("enabled", "true")],
            "Turn on API access for Bob",
        ),
        (
            format!("/settings/team/members/{bob}/remove"),
            vec![],
            "Remove Bob from the workspace",
        ),
        (
            format!("/settings/team/requests/{request}/approve"),
            vec![],
            "Approve Bob's request for API access",
        ),
        (
            "/settings/team/invitations".into(),
            vec![("email", "carol@example.com"), ("role", "member")],
            "Invite carol@example.com as Member",
        ),
        (
            "/settings/team/two-factor".into(),
            vec![("require", "true")],
            "Require two-factor authentication for everyone in the workspace",
        ),
        (
            "/account/two-factor/recovery-codes".into(),
            vec![],
            "Make new recovery codes for your account; the current ones stop working",
        ),
        (
            "/settings/integrations/webhooks".into(),
            vec![("target_url", "https://hooks.example.com/in")],
            "Add a webhook that sends every event to https://hooks.example.com/in",
        ),
    ];
    let page = app.get_html("/settings/integrations").await;
    for (path, fields, said) in &actions {
        let response = app.submit(&page, path, fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&response).starts_with(HELD), "{path} is held");
        let confirm_page = app.get_html(&location(&response)).await;
        assert_eq!(&form_action(&confirm_page), path);
        assert_eq!(&summary(&confirm_page), said, "{path}");
    }
    let team = app.get_html("/settings/team").await;
    assert!(team.contains("bob@example.com"), "Bob was not removed");
    assert!(
        team.contains(">Access requests</h2>"),
        "Bob's request still waits"
    );
    assert!(!team.contains("carol@example.com"), "Carol was not invited");
    assert_eq!(app.key_id("Airbyte").await, key, "the key is still there");
    let integrations = app.get_html("/settings/integrations").await;
    assert!(
        integrations.contains("No webhooks yet."),
        "no webhook was added"
    );
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert!(!audit.contains("Key regenerated") && !audit.contains("Role changed"));
}

async fn a_guarded_page_opens_after_confirming(app: TestApp) {
    app.set_up().await;
    confirmed_ago(&app, WINDOW + 60);
    let held = app.get("/account/two-factor/setup").await;
    assert_eq!(held.status(), StatusCode::SEE_OTHER);
    assert!(location(&held).starts_with(HELD), "setting up asks first");
    let page = app.get_html(&location(&held)).await;
    assert_eq!(
        summary(&page),
        "Open the set-up of two-factor authentication for your account"
    );
    assert_eq!(form_action(&page), CONFIRM);
    let opened = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&opened), "/account/two-factor/setup");
    let setup = app.get_html("/account/two-factor/setup").await;
    assert!(setup.contains("<h2 id=\"set-up\">Set up</h2>"));
}

async fn with_two_factor_confirming_needs_a_code_that_is_not_replayed(app: TestApp) {
    app.set_up().await;
    let (_, recovery, enabling_code) = turn_on_with_code(&app).await;
    confirmed_ago(&app, WINDOW + 60);
    let page = app.get_html("/settings/team").await;
    let held = app
        .submit(
            &page,
            "/settings/team/invitations",
            &[("email", "dan@example.com"), ("role", "member")],
        )
        .await;
    assert!(location(&held).starts_with(HELD));
    let page = app.get_html(&location(&held)).await;
    assert_eq!(summary(&page), "Invite dan@example.com as Member");
    assert!(page.contains("<label for=\"confirm-code\">Authentication code</label>"));

    let no_code = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(no_code.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_code
            .text()
            .await
            .unwrap()
            .contains("id=\"confirm-code-error\"")
    );
    let wrong = confirm(
        &app,
        &page,
        &[
            ("confirm_password", ADMIN_PASSWORD),
            ("confirm_code", "000000"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    // The code that turned two-factor on cannot be replayed (even in a later time step,
    // which the server's clock-drift window still accepts).
    let replayed = confirm(
        &app,
        &page,
        &[
            ("confirm_password", ADMIN_PASSWORD),
            ("confirm_code", &enabling_code),
        ],
    )
    .await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED);
    assert!(
        html_unescape(&replayed.text().await.unwrap()).contains("already been used"),
        "a used code is refused"
    );

    let done = confirm(
        &app,
        &page,
        &[
            ("confirm_password", ADMIN_PASSWORD),
            ("confirm_code", &recovery[0]),
        ],
    )
    .await;
    assert_eq!(
        done.status(),
        StatusCode::OK,
        "the invitation link is shown"
    );
    assert!(invite_path_on(&done.text().await.unwrap()).starts_with("/invite/"));
}

async fn wrong_passwords_on_confirm_access_are_throttled_like_logins(app: TestApp) {
    app.set_up().await;
    app.create_key("Clay").await;
    let key = app.key_id("Clay").await;
    confirmed_ago(&app, WINDOW + 60);
    let page = app.get_html("/settings/integrations").await;
    let path = format!("/settings/integrations/keys/{key}/delete");
    let held = app.submit(&page, &path, &[]).await;
    let page = app.get_html(&location(&held)).await;
    for _ in 0..3 {
        let wrong = confirm(&app, &page, &[("confirm_password", "guess")]).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    let paused = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(paused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.headers().contains_key("retry-after"));
    assert!(
        paused
            .text()
            .await
            .unwrap()
            .contains("Too many failed attempts")
    );
    assert_eq!(app.key_id("Clay").await, key, "the key was not deleted");
}

//! "Confirm access" under attack: a held action is bound to the page that showed it by
//! a one-time token, expires, and can be cancelled; someone with a copy of the session
//! cookie but not the password cannot get a planted action confirmed.

use diesel::prelude::*;
use keydesk::db::schema::{api_keys, users};
use reqwest::StatusCode;

use crate::confirm_access::{
    HELD, WINDOW, confirm, confirmed_ago, held_token, key_count, rewrite_sessions, summary,
    unix_now,
};
use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    a_confirmation_runs_only_the_action_its_page_showed,
    a_held_action_expires_after_five_minutes_and_cancel_drops_it,
);

/// Moves the moment every held action was held `seconds` into the past.
fn held_ago(app: &TestApp, seconds: i64) {
    rewrite_sessions(app, |state| {
        let Some(held) = state.get("held_actions") else {
            return;
        };
        let mut held: Vec<serde_json::Value> = serde_json::from_str(held).unwrap();
        for action in &mut held {
            action["held_at"] = (unix_now() - seconds).into();
        }
        state.insert("held_actions".into(), serde_json::to_string(&held).unwrap());
    });
}

/// Someone with a copy of the session cookie but not the password plants "make Mo an
/// admin" again and again while the owner generates keys: each page states its own
/// action, and the owner's confirmation runs the action her page showed (bound by its
/// one-time token), never the planted one nor fields added to her form.
async fn a_confirmation_runs_only_the_action_its_page_showed(app: TestApp) {
    const ROUNDS: usize = 12;
    app.set_up().await;
    app.add_member("Mo Member", "mo@example.com", "member", false)
        .await;
    let mo = app.member_id("mo@example.com").await;
    let make_mo_admin = format!("/settings/team/members/{mo}/role");
    let thief = app.other_browser();
    let address = app.address.parse().unwrap();
    for cookie in app.cookie_header().unwrap().split("; ") {
        thief.jar.add_cookie_str(cookie, &address);
    }
    let thiefs_page = thief.get_html("/settings/team").await;
    let plant = || thief.submit(&thiefs_page, &make_mo_admin, &[("role", "admin")]);
    let mo_is_member = || {
        users::table
            .find(mo)
            .select(users::role)
            .first::<String>(&mut app.db_conn())
            .unwrap()
            == "member"
    };

    confirmed_ago(&app, WINDOW + 60);
    let planted = plant().await;
    assert!(
        location(&planted).starts_with(HELD),
        "the planted action is held"
    );
    let shown = app.get_html(&location(&planted)).await;
    assert_eq!(summary(&shown), "Change Mo Member's role to Admin");

    for round in 0..ROUNDS {
        confirmed_ago(&app, WINDOW + 60);
        let form = app.get_html("/settings/integrations/keys/new").await;
        let name = format!("Round {round}");
        let token = form_token(&form);
        let typed = [("name", name.as_str()), ("form_token", token.as_str())];
        let held = app
            .submit(&form, "/settings/integrations/keys", &typed)
            .await;
        assert!(location(&held).starts_with(HELD), "round {round}");
        let at = location(&held);
        let (page, planted) = tokio::join!(app.get_html(&at), plant());
        assert!(location(&planted).starts_with(HELD), "round {round}");
        assert_eq!(summary(&page), format!("Generate the key \"{name}\""));
        plant().await;
        let done = confirm(
            &app,
            &page,
            &[
                ("confirm_password", ADMIN_PASSWORD),
                ("name", "Tampered"),
                ("role", "admin"),
            ],
        )
        .await;
        assert_eq!(done.status(), StatusCode::OK, "round {round}");
        let key = revealed_key(&done.text().await.unwrap());
        assert_eq!(app.team_status(&key).await, StatusCode::OK);
        let made: i64 = api_keys::table
            .filter(api_keys::name.eq(&name))
            .count()
            .get_result(&mut app.db_conn())
            .unwrap();
        assert_eq!(made, 1, "round {round}: the key her page named was made");
        assert!(
            mo_is_member(),
            "round {round}: the planted action did not run"
        );
    }
    let names: Vec<String> = api_keys::table
        .select(api_keys::name)
        .load(&mut app.db_conn())
        .unwrap();
    assert_eq!(names.len(), ROUNDS, "one key per confirmation: {names:?}");
    assert!(!names.contains(&"Tampered".to_string()));

    // The thief cannot confirm what they planted without the password.
    confirmed_ago(&app, WINDOW + 60);
    let planted = plant().await;
    let page = thief.get_html(&location(&planted)).await;
    let guessed = confirm(&thief, &page, &[("confirm_password", "a guess")]).await;
    assert_eq!(guessed.status(), StatusCode::UNAUTHORIZED);
    assert!(mo_is_member());
    eprintln!("{ROUNDS}/{ROUNDS} confirmations ran the owner's own action, none a planted one");
}

async fn a_held_action_expires_after_five_minutes_and_cancel_drops_it(app: TestApp) {
    app.set_up().await;
    app.create_key("Clay").await;
    let key = app.key_id("Clay").await;
    let delete = format!("/settings/integrations/keys/{key}/delete");
    confirmed_ago(&app, WINDOW + 60);
    let list = app.get_html("/settings/integrations").await;

    let held = app.submit(&list, &delete, &[]).await;
    let page = app.get_html(&location(&held)).await;
    assert!(page.contains("If you did not ask for this, choose Cancel."));
    held_ago(&app, 5 * 60 + 1);
    let late = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(late.text().await.unwrap().contains(
        "There is nothing to confirm here: the action was already done, cancelled, or waited longer than 5 minutes. Nothing was changed."
    ));
    assert_eq!(app.get(&location(&held)).await.status(), StatusCode::GONE);
    assert_eq!(app.key_id("Clay").await, key, "the key was not deleted");

    let held = app.submit(&list, &delete, &[]).await;
    let page = app.get_html(&location(&held)).await;
    held_ago(&app, 4 * 60);
    let cancelled = app
        .submit(
            &page,
            "/confirm-access/cancel",
            &[("confirm_action", &held_token(&page))],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&cancelled), "/settings/integrations");
    let after_cancel = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(after_cancel.status(), StatusCode::GONE);
    assert_eq!(app.key_id("Clay").await, key, "the key was not deleted");

    let held = app.submit(&list, &delete, &[]).await;
    let page = app.get_html(&location(&held)).await;
    held_ago(&app, 4 * 60);
    let done = confirm(&app, &page, &[("confirm_password", ADMIN_PASSWORD)]).await;
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "within five minutes it runs"
    );
    assert_eq!(key_count(&app), 0);
}

//! Races between instances: two servers on one database, both requests sent at once.
//! Whatever the order the database serializes them in, every workspace keeps an admin
//! and one deletion writes one audit entry.

use diesel::prelude::*;
use keydesk::db::schema::{audit_events, users};
use reqwest::{Response, StatusCode};

use crate::helpers::*;
use crate::login_throttle::{count, guess_in_parallel};
use crate::on_both_databases;

const ROUNDS: usize = 50;
const XAVIER: &str = "xavier@example.com";
const MEMBER_PASSWORD: &str = "member password 1";

on_both_databases!(
    mutual_demotions_on_two_instances_always_leave_an_admin,
    mutual_removals_on_two_instances_always_leave_an_admin,
    one_key_deleted_from_two_instances_at_once_is_audited_once,
    parallel_guesses_on_two_instances_get_no_more_than_the_limit_of_checks,
    a_key_generated_while_access_is_turned_off_never_works,
);

/// Ada (admin, first instance) and Xavier (admin, second instance on the same database).
struct TwoAdmins {
    ada: TestApp,
    xavier: TestApp,
    ada_id: i32,
    xavier_id: i32,
}

async fn two_admins_on_two_instances(app: TestApp) -> TwoAdmins {
    app.set_up().await;
    app.add_member("Xavier Admin", XAVIER, "admin", false).await;
    let xavier = spawn_on(app.db.shared(), app.backend, |_| {}).await;
    let login = xavier.log_in(XAVIER, MEMBER_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER, "Xavier logs in");
    let ada_id = app.member_id(ADMIN_EMAIL).await;
    let xavier_id = app.member_id(XAVIER).await;
    TwoAdmins {
        ada: app,
        xavier,
        ada_id,
        xavier_id,
    }
}

fn admins(app: &TestApp) -> i64 {
    users::table
        .filter(users::role.eq("admin"))
        .count()
        .get_result(&mut *app.db_conn())
        .unwrap()
}

/// Of two answers, the one that succeeded (303 back to the Team page) and the refused
/// one, which must be the clear 409 page of the last-admin rule. True when `a` won.
async fn one_won_one_refused(a: Response, b: Response, round: usize) -> bool {
    let done =
        |r: &Response| r.status() == StatusCode::SEE_OTHER && location(r) == "/settings/team";
    let (won, refused) = match (done(&a), done(&b)) {
        (true, false) => (true, b),
        (false, true) => (false, a),
        _ => panic!(
            "round {round}: expected one change and one refusal, got {} ({}) and {} ({})",
            a.status(),
            location(&a),
            b.status(),
            location(&b)
        ),
    };
    let status = refused.status();
    let page = refused.text().await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT, "round {round}: {page}");
    assert!(
        page.contains("The workspace needs at least one admin"),
        "round {round}: the refusal explains the last-admin rule"
    );
    won
}

async fn mutual_demotions_on_two_instances_always_leave_an_admin(app: TestApp) {
    let t = two_admins_on_two_instances(app).await;
    let (mut ada_won, mut xavier_won) = (0, 0);
    for round in 0..ROUNDS {
        let (ada_page, xavier_page) = tokio::join!(
            t.ada.get_html("/settings/team"),
            t.xavier.get_html("/settings/team")
        );
        let demote_xavier = format!("/settings/team/members/{}/role", t.xavier_id);
        let demote_ada = format!("/settings/team/members/{}/role", t.ada_id);
        let (a, b) = tokio::join!(
            t.ada
                .submit(&ada_page, &demote_xavier, &[("role", "member")]),
            t.xavier
                .submit(&xavier_page, &demote_ada, &[("role", "member")]),
        );
        assert_eq!(
            admins(&t.ada),
            1,
            "round {round}: exactly one admin is left"
        );
        if one_won_one_refused(a, b, round).await {
            ada_won += 1;
        } else {
            xavier_won += 1;
        }
        diesel::update(users::table)
            .set(users::role.eq("admin"))
            .execute(&mut *t.ada.db_conn())
            .unwrap();
    }
    eprintln!("{ROUNDS}/{ROUNDS} rounds kept one admin (Ada won {ada_won}, Xavier {xavier_won})");
}

async fn mutual_removals_on_two_instances_always_leave_an_admin(app: TestApp) {
    let t = two_admins_on_two_instances(app).await;
    let saved: Vec<(i32, i32, String, String, String, String, bool)> = users::table
        .select((
            users::id,
            users::workspace_id,
            users::name,
            users::email,
            users::password_hash,
            users::role,
            users::api_access,
        ))
        .load(&mut *t.ada.db_conn())
        .unwrap();
    let mut late = 0;
    for round in 0..ROUNDS {
        let (ada_page, xavier_page) = tokio::join!(
            t.ada.get_html("/settings/team"),
            t.xavier.get_html("/settings/team")
        );
        let remove_xavier = format!("/settings/team/members/{}/remove", t.xavier_id);
        let remove_ada = format!("/settings/team/members/{}/remove", t.ada_id);
        let (a, b) = tokio::join!(
            t.ada.submit(&ada_page, &remove_xavier, &[]),
            t.xavier.submit(&xavier_page, &remove_ada, &[]),
        );
        assert_eq!(
            admins(&t.ada),
            1,
            "round {round}: exactly one admin is left"
        );
        // A request read after its sender was removed meets no session: removal ends them.
        let ada_won = match (sender_gone(&a), sender_gone(&b)) {
            (false, true) => {
                late += 1;
                true
            }
            (true, false) => {
                late += 1;
                false
            }
            _ => one_won_one_refused(a, b, round).await,
        };

        // Bring the removed admin back, with the same id, and log them in again.
        let (removed, browser, email, password) = if ada_won {
            (t.xavier_id, &t.xavier, XAVIER, MEMBER_PASSWORD)
        } else {
            (t.ada_id, &t.ada, ADMIN_EMAIL, ADMIN_PASSWORD)
        };
        let row = saved.iter().find(|row| row.0 == removed).unwrap().clone();
        diesel::insert_into(users::table)
            .values((
                users::id.eq(row.0),
                users::workspace_id.eq(row.1),
                users::name.eq(row.2),
                users::email.eq(row.3),
                users::password_hash.eq(row.4),
                users::role.eq(row.5),
                users::api_access.eq(row.6),
                users::created_at.eq(keydesk::db::now()),
            ))
            .execute(&mut *t.ada.db_conn())
            .unwrap();
        let login = browser.log_in(email, password).await;
        assert_eq!(
            login.status(),
            StatusCode::SEE_OTHER,
            "round {round}: {email} back"
        );
    }
    eprintln!(
        "{ROUNDS}/{ROUNDS} rounds kept one admin; {late} refused requests arrived after their sender was removed"
    );
}

/// The answer to a request whose sender's sessions had already ended: the login page,
/// or the CSRF refusal when the session (and its token) was gone before the form was read.
fn sender_gone(r: &Response) -> bool {
    (r.status() == StatusCode::SEE_OTHER && location(r) == "/login")
        || r.status() == StatusCode::FORBIDDEN
}

async fn one_key_deleted_from_two_instances_at_once_is_audited_once(app: TestApp) {
    app.set_up().await;
    let second = spawn_on(app.db.shared(), app.backend, |_| {}).await;
    let login = second.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    for round in 0..ROUNDS / 2 {
        let name = format!("Race {round}");
        app.create_key(&name).await;
        let id = app.key_id(&name).await;
        let path = format!("/settings/integrations/keys/{id}/delete");
        let (first_page, second_page) = tokio::join!(app.get_html(&path), second.get_html(&path));
        let (a, b) = tokio::join!(
            app.submit(&first_page, &path, &[]),
            second.submit(&second_page, &path, &[])
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::SEE_OTHER, StatusCode::NOT_FOUND],
            "round {round}: one deletion, and the other finds nothing to delete"
        );
        let entries: i64 = audit_events::table
            .filter(audit_events::action.eq("key.deleted"))
            .filter(audit_events::subject.like(format!("{name} (%")))
            .count()
            .get_result(&mut *app.db_conn())
            .unwrap();
        assert_eq!(entries, 1, "round {round}: one deletion, one audit entry");
    }
}

async fn parallel_guesses_on_two_instances_get_no_more_than_the_limit_of_checks(app: TestApp) {
    app.set_up().await;
    let second = spawn_on(app.db.shared(), app.backend, |_| {}).await;
    let first = app
        .other_browser()
        .log_in(ADMIN_EMAIL, "wrong password 0")
        .await;
    assert_eq!(first.status(), StatusCode::UNAUTHORIZED);

    let responses = guess_in_parallel(&[&app, &second], ADMIN_EMAIL, "wrong password 1", 24).await;

    assert_eq!(
        (
            count(&responses, StatusCode::UNAUTHORIZED),
            count(&responses, StatusCode::TOO_MANY_REQUESTS)
        ),
        (4, 20),
        "1 failure + 24 guesses over two instances: only 4 more reach the password check"
    );
}

/// A member generates a key while an admin turns their API access off with "Disable
/// them", both sent at once: whichever the database serializes first, no key of the
/// member works afterwards (made and then disabled, or refused).
async fn a_key_generated_while_access_is_turned_off_never_works(app: TestApp) {
    app.set_up().await;
    app.add_member("Mia Member", "mia@example.com", "member", true)
        .await;
    let mia = app.log_in_as("mia@example.com").await;
    let mia_id = app.member_id("mia@example.com").await;
    let access = format!("/settings/team/members/{mia_id}/api-access");
    let (mut made, mut refused) = (0, 0);
    for round in 0..ROUNDS {
        let (form, team) = tokio::join!(
            mia.get_html("/settings/integrations/keys/new"),
            app.get_html("/settings/team")
        );
        let token = form_token(&form);
        let name = format!("Mia {round}");
        let fields = [("name", name.as_str()), ("form_token", token.as_str())];
        let (generated, turned_off) = tokio::join!(
            mia.submit(&form, "/settings/integrations/keys", &fields),
            app.submit(&team, &access, &[("enabled", "false"), ("keys", "disable")]),
        );
        assert_eq!(turned_off.status(), StatusCode::SEE_OTHER, "round {round}");
        match generated.status() {
            StatusCode::OK => {
                let key = revealed_key(&generated.text().await.unwrap());
                assert_eq!(
                    app.team_status(&key).await,
                    StatusCode::UNAUTHORIZED,
                    "round {round}: a key made before the change was disabled by it"
                );
                made += 1;
            }
            StatusCode::FORBIDDEN => refused += 1,
            other => panic!("round {round}: Generate answered {other}"),
        }
        let team = app.get_html("/settings/team").await;
        let restored = app.submit(&team, &access, &[("enabled", "true")]).await;
        assert_eq!(restored.status(), StatusCode::SEE_OTHER, "round {round}");
    }
    eprintln!(
        "{ROUNDS}/{ROUNDS} rounds left no working key ({made} made then disabled, {refused} refused)"
    );
}

//! An upgrade keeps history as it happened: audit entries written by earlier releases read
//! as what they recorded, and sessions from before devices were recorded show as such and
//! can each be signed out. Each test seeds a database as the earlier release left it, then
//! starts the server on it, which runs the newer migrations.

use std::collections::HashMap;

use reqwest::StatusCode;

use crate::helpers::*;

/// The migrations this release adds for the history it keeps: held back while seeding.
const NEWER: &[&str] = &[
    "2026-12-07-041732_audit_member_joined",
    "2026-12-07-041733_session_handles_backfilled",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_entries_and_sessions_read_as_what_happened_after_the_upgrade_on_sqlite() {
    old_entries_and_sessions_read_as_what_happened_after_the_upgrade(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_entries_and_sessions_read_as_what_happened_after_the_upgrade_on_postgres() {
    old_entries_and_sessions_read_as_what_happened_after_the_upgrade(Backend::Postgres).await;
}

/// The table row of the page that mentions `needle`.
fn row_with<'a>(page: &'a str, needle: &str) -> &'a str {
    page.split("<tr")
        .find(|row| row.contains(needle))
        .unwrap_or_else(|| panic!("a row with {needle}"))
}

async fn old_entries_and_sessions_read_as_what_happened_after_the_upgrade(backend: Backend) {
    use keydesk::models::audit::{self, Action, Actor};
    use keydesk::models::{session, user};

    let Some(db) = create_test_db(backend) else {
        return;
    };
    db.migrate_all_but(NEWER);
    {
        let mut conn = db.connect();
        let hash = keydesk::auth::password::hash(ADMIN_PASSWORD).unwrap();
        let (workspace_id, ada_id) = keydesk::use_cases::workspace::create_with_admin(
            &mut conn,
            &keydesk::use_cases::workspace::NewWorkspace {
                workspace_name: WORKSPACE,
                admin_name: ADMIN_NAME,
                admin_email: ADMIN_EMAIL,
                password_hash: &hash,
                ip: "127.0.0.1",
            },
            true,
        )
        .unwrap();
        // The first release: Ada created Mo with a password.
        let ada = Actor {
            workspace_id,
            user_id: Some(ada_id),
            name: audit::person_label(ADMIN_NAME, ADMIN_EMAIL),
            ip: "127.0.0.1".into(),
        };
        audit::record(
            &mut conn,
            &ada,
            Action::MemberAdded,
            "Mo Member <mo@example.com>",
            "Member, API access off",
        )
        .unwrap();
        // The invitation release: Bob joined from Ada's link, under the same code.
        let bob_id = user::insert(
            &mut conn,
            &user::NewUser {
                workspace_id,
                name: "Bob Joiner",
                email: "bob@example.com",
                password_hash: &hash,
                role: keydesk::domain::Role::Member,
                api_access: true,
            },
        )
        .unwrap();
        let bob = Actor {
            workspace_id,
            user_id: Some(bob_id),
            name: audit::person_label("Bob Joiner", "bob@example.com"),
            ip: "127.0.0.2".into(),
        };
        audit::record(
            &mut conn,
            &bob,
            Action::MemberAdded,
            "Bob Joiner <bob@example.com>",
            "Member, API access on; invited by Ada Lovelace",
        )
        .unwrap();
        // Ada logged in before devices were recorded: no handle, browser or address.
        let state: HashMap<String, String> =
            HashMap::from([("user_id".to_string(), ada_id.to_string())]);
        session::insert(
            &mut conn,
            "a-session-from-before-devices",
            Some(ada_id),
            &serde_json::to_string(&state).unwrap(),
            &session::Origin::default(),
            keydesk::db::now() + time::Duration::days(1),
        )
        .unwrap();
    }

    let app = spawn_on(db, backend, |_| {}).await;
    let login = app.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);

    let audit = html_unescape(&app.get_html("/settings/audit").await);
    let added = row_with(&audit, "Mo Member <mo@example.com>");
    assert!(
        added.contains("<strong>Member added</strong>"),
        "Ada added Mo: {added}"
    );
    let joined = row_with(&audit, "Bob Joiner <bob@example.com></td>");
    assert!(
        joined.contains("<strong>Member joined</strong>"),
        "Bob joined: {joined}"
    );

    let account = app.get_html("/account").await;
    let old = row_with(&account, "<strong>Unknown device</strong>");
    assert!(
        !old.contains("This session"),
        "the old session is another one"
    );
    assert!(old.contains(">unknown</td>"), "its address is unknown too");
    assert!(
        old.contains(">Sign out</button>"),
        "it has its own Sign out: {old}"
    );
    let marker = "action=\"";
    let start = old.find(marker).unwrap() + marker.len();
    let action = &old[start..start + old[start..].find('"').unwrap()];
    let signed_out = app.submit(&account, action, &[]).await;
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    let after = app.get_html("/account").await;
    assert_eq!(
        flash(&after).as_deref(),
        Some("The session on Unknown device was signed out.")
    );
    assert!(!after.contains("<strong>Unknown device</strong>"));
    let left = {
        use diesel::prelude::*;
        use keydesk::db::schema::sessions;
        sessions::table
            .filter(sessions::id.eq("a-session-from-before-devices"))
            .count()
            .get_result::<i64>(&mut *app.db_conn())
            .unwrap()
    };
    assert_eq!(left, 0, "that session ended");
}

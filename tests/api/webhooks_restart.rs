//! The outbox survives a crash: an event whose delivery is still pending when the real
//! binary is killed (SIGKILL) is delivered, signed, by the next instance on the database.

use std::net::TcpListener;
use std::time::Duration;

use diesel::prelude::*;
use keydesk::db::schema::hook_deliveries;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::webhooks::{add_hook, lead_added_then_unsubscribed, signature_is_valid};

const ALLOW_PRIVATE: &[(&str, &str)] = &[("KEYDESK_WEBHOOK_ALLOW_PRIVATE", "1")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    an_event_pending_at_a_crash_is_delivered_after_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    an_event_pending_at_a_crash_is_delivered_after_restart(Backend::Postgres).await;
}

fn pending(app: &TestApp) -> i64 {
    hook_deliveries::table
        .filter(hook_deliveries::state.eq("pending"))
        .count()
        .get_result(&mut app.db_conn())
        .unwrap()
}

async fn an_event_pending_at_a_crash_is_delivered_after_restart(backend: Backend) {
    let Some(mut app) = spawn_binary_with(backend, ALLOW_PRIVATE).await else {
        return;
    };
    // The receiver's port, closed for now: the first attempt cannot connect.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let key = app.set_up_with_key().await;
    let hook = add_hook(
        &app,
        &key,
        json!({"targetUrl": format!("http://127.0.0.1:{port}/ok"), "type": "leadAdded"}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_string();
    lead_added_then_unsubscribed(&app, &key, "grace@example.com").await;
    assert_eq!(pending(&app), 1, "the event waits in the outbox");

    app.kill();
    assert_eq!(pending(&app), 1, "still there after the crash");
    // Time passes: the retry is due.
    diesel::update(hook_deliveries::table)
        .set(hook_deliveries::next_attempt_at.eq(keydesk::db::now() - time::Duration::seconds(1)))
        .execute(&mut app.db_conn())
        .unwrap();
    let receiver = Receiver::start_on(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let _restarted = spawn_binary_on(app.db.shared(), backend, "127.0.0.1", ALLOW_PRIVATE).await;

    let received = receiver.wait_for(1, Duration::from_secs(15)).await;
    let body: Value = serde_json::from_str(&received[0].body).unwrap();
    assert_eq!(body["type"], "leadAdded");
    assert_eq!(body["leadEmail"], "grace@example.com");
    assert!(signature_is_valid(
        &secret,
        &received[0].headers["keydesk-signature"],
        &received[0].body
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 1, "delivered once");
    assert_eq!(pending(&app), 0);
}

//! The Integrations page: each key's state from the database, sorting, filtering.

use diesel::prelude::*;
use keydesk::db::now;
use keydesk::db::schema::{api_key_clients, api_key_usage, api_keys};
use time::{Duration, PrimitiveDateTime};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    the_list_shows_each_state_from_the_database,
    every_sort_order_follows_its_column_both_ways,
);

async fn the_list_shows_each_state_from_the_database(app: TestApp) {
    app.set_up().await;
    for name in [
        "Fresh", "Recent", "Dormant", "Ancient", "Expiring", "Expired", "Rotating", "Busy",
    ] {
        app.create_key(name).await;
    }
    let n = now();
    let mut conn = app.db_conn();
    let set = |conn: &mut keydesk::db::DbConnection,
               name: &str,
               created: PrimitiveDateTime,
               used: Option<PrimitiveDateTime>,
               expires: Option<PrimitiveDateTime>| {
        diesel::update(api_keys::table.filter(api_keys::name.eq(name)))
            .set((
                api_keys::created_at.eq(created),
                api_keys::last_used_at.eq(used),
                api_keys::last_used_ip.eq(used.map(|_| "203.0.113.9")),
                api_keys::last_used_agent.eq(used.map(|_| "Zapier/1.0")),
                api_keys::expires_at.eq(expires),
            ))
            .execute(conn)
            .unwrap();
    };
    set(
        &mut conn,
        "Recent",
        n - Duration::days(3),
        Some(n - Duration::minutes(5)),
        None,
    );
    set(
        &mut conn,
        "Dormant",
        n - Duration::days(120),
        Some(n - Duration::days(100)),
        None,
    );
    set(&mut conn, "Ancient", n - Duration::days(200), None, None);
    set(
        &mut conn,
        "Expiring",
        n - Duration::days(1),
        Some(n - Duration::hours(1)),
        Some(n + Duration::days(3)),
    );
    set(
        &mut conn,
        "Expired",
        n - Duration::days(40),
        Some(n - Duration::days(31)),
        Some(n - Duration::days(1)),
    );
    diesel::update(api_keys::table.filter(api_keys::name.eq("Rotating")))
        .set((
            api_keys::previous_hash.eq(Some(b"old-secret-digest".to_vec())),
            api_keys::previous_last4.eq(Some("OLD4")),
            api_keys::previous_expires_at.eq(Some(n + Duration::hours(5))),
        ))
        .execute(&mut *conn)
        .unwrap();
    let busy: i32 = api_keys::table
        .filter(api_keys::name.eq("Busy"))
        .select(api_keys::id)
        .first(&mut *conn)
        .unwrap();
    set(
        &mut conn,
        "Busy",
        n - Duration::days(10),
        Some(n - Duration::minutes(1)),
        None,
    );
    for (days_ago, requests) in [(0, 7_i64), (1, 3), (29, 2), (30, 100)] {
        diesel::insert_into(api_key_usage::table)
            .values((
                api_key_usage::key_id.eq(busy),
                api_key_usage::day.eq(n.date() - Duration::days(days_ago)),
                api_key_usage::requests.eq(requests),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    for (kind, value, first) in [
        ("agent", "Zapier/1.0", 9),
        ("agent", "python-requests/2.32", 2),
        ("ip", "198.51.100.1", 9),
        ("ip", "203.0.113.9", 1),
    ] {
        diesel::insert_into(api_key_clients::table)
            .values((
                api_key_clients::key_id.eq(busy),
                api_key_clients::kind.eq(kind),
                api_key_clients::value.eq(value),
                api_key_clients::first_seen.eq(n - Duration::days(first)),
                api_key_clients::last_seen.eq(n - Duration::minutes(1)),
            ))
            .execute(&mut *conn)
            .unwrap();
    }
    drop(conn);

    let html = app.get_html("/settings/integrations").await;
    let row = |name: &str| -> String {
        let start = html.find(&format!("<strong>{name}</strong>")).unwrap();
        let end = html[start..].find("</tr>").unwrap();
        html[start..start + end].to_string()
    };
    assert!(row("Fresh").contains("Never used"));
    assert!(
        !row("Fresh").contains("hint-badge"),
        "a fresh key has no hints"
    );
    assert!(
        row("Recent").contains("5 minutes ago")
            && row("Recent").contains("203.0.113.9")
            && row("Recent").contains("Zapier/1.0")
    );
    assert!(row("Dormant").contains(">Inactive<"));
    assert!(row("Ancient").contains(">Never used<") && row("Ancient").contains("entire key"));
    assert!(row("Ancient").contains(">Rotate<") && row("Ancient").contains("over 6 months old"));
    assert!(row("Expiring").contains(">Expires soon<"));
    assert!(row("Expired").contains(">Expired<") && row("Expired").contains("Regenerate it"));
    assert!(row("Rotating").contains(">Grace period<") && row("Rotating").contains("kd_…OLD4"));
    assert!(
        row("Busy").contains("<span class=\"usage-total\">12</span>"),
        "30-day total excludes older days"
    );
    assert!(row("Busy").contains("<svg class=\"usage-chart\""));
    assert!(row("Busy").contains(">Shared<") && row("Busy").contains("2 different tools"));
    assert!(row("Busy").contains(">New address<") && row("Busy").contains("203.0.113.9"));
    assert!(
        html.contains("class=\"banner\"") && html.contains("1 key expires within 7 days"),
        "expiry banner"
    );

    // Sorting and the expired key's audit entry.
    let by_name = app
        .get_html("/settings/integrations?sort=name&dir=asc")
        .await;
    assert!(
        by_name.find("<strong>Ancient</strong>").unwrap()
            < by_name.find("<strong>Rotating</strong>").unwrap()
    );
    let by_use = app
        .get_html("/settings/integrations?sort=last_used&dir=desc")
        .await;
    assert!(
        by_use.find("<strong>Busy</strong>").unwrap()
            < by_use.find("<strong>Dormant</strong>").unwrap()
    );
    assert!(
        app.get_html("/settings/audit")
            .await
            .contains("Key expired")
    );

    // The filter box appears from 11 keys on and filters without JS too.
    assert!(!html.contains("id=\"key-filter\""));
    for i in 0..3 {
        app.create_key(&format!("Extra {i}")).await;
    }
    let html = app.get_html("/settings/integrations").await;
    assert!(html.contains("id=\"key-filter\""));
    let filtered = app.get_html("/settings/integrations?q=extra").await;
    assert_eq!(filtered.matches("<tr id=\"key-").count(), 3);
}

/// Sets a key's creation and last use, which the UI cannot date back.
fn date_key(
    conn: &mut keydesk::db::DbConnection,
    name: &str,
    created: PrimitiveDateTime,
    used: Option<PrimitiveDateTime>,
) {
    let rows = diesel::update(api_keys::table.filter(api_keys::name.eq(name)))
        .set((
            api_keys::created_at.eq(created),
            api_keys::last_used_at.eq(used),
        ))
        .execute(conn)
        .unwrap();
    assert_eq!(rows, 1, "{name} exists");
}

async fn every_sort_order_follows_its_column_both_ways(app: TestApp) {
    // Created, name and last-used orders all disagree, and no order is another reversed,
    // so a sort key or direction that is ignored shows up as the wrong order.
    app.set_up().await;
    for name in ["Delta", "Alpha", "Charlie", "Bravo"] {
        app.create_key(name).await;
    }
    let n = now();
    {
        let mut conn = app.db_conn();
        date_key(&mut conn, "Alpha", n - Duration::days(1), None);
        date_key(
            &mut conn,
            "Bravo",
            n - Duration::days(3),
            Some(n - Duration::hours(1)),
        );
        date_key(
            &mut conn,
            "Charlie",
            n - Duration::days(4),
            Some(n - Duration::days(2)),
        );
        date_key(
            &mut conn,
            "Delta",
            n - Duration::days(2),
            Some(n - Duration::minutes(10)),
        );
    }
    let by_name = ["Alpha", "Bravo", "Charlie", "Delta"];
    let by_created = ["Charlie", "Bravo", "Delta", "Alpha"];
    // Alpha was never used: it sorts as the oldest.
    let by_last_used = ["Alpha", "Charlie", "Bravo", "Delta"];
    let reversed = |order: [&'static str; 4]| {
        let mut order = order;
        order.reverse();
        order
    };
    let cases = [
        ("?sort=name&dir=asc", by_name),
        ("?sort=name&dir=desc", reversed(by_name)),
        ("?sort=name", by_name),
        ("?sort=created&dir=asc", by_created),
        ("?sort=created&dir=desc", reversed(by_created)),
        ("?sort=created", reversed(by_created)),
        ("?sort=last_used&dir=asc", by_last_used),
        ("?sort=last_used&dir=desc", reversed(by_last_used)),
        ("?sort=last_used", reversed(by_last_used)),
        ("", reversed(by_created)),
    ];
    for (query, expected) in cases {
        let page = app
            .get_html(&format!("/settings/integrations{query}"))
            .await;
        assert_eq!(
            listed_keys(&page),
            expected,
            "/settings/integrations{query}"
        );
    }
}

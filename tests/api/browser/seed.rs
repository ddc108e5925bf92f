//! Keys written straight into the database, for lists longer than a test would click through.

use diesel::prelude::*;
use keydesk::db::schema::api_keys;
use time::Duration;

use crate::helpers::*;

/// Adds `count` keys named "{prefix} 001", "{prefix} 002", … to the workspace of the key
/// already named `existing`. Their creation times are shuffled (key i was created
/// (i × 7 mod count) hours ago), so sorting by name and by date give different orders.
pub fn seed_keys(app: &TestApp, existing: &str, prefix: &str, count: usize) {
    let mut conn = app.db_conn();
    let (workspace_id, created_by): (i32, Option<i32>) = api_keys::table
        .filter(api_keys::name.eq(existing))
        .select((api_keys::workspace_id, api_keys::created_by))
        .first(&mut *conn)
        .unwrap();
    let now = keydesk::db::now();
    conn.transaction(|conn| {
        for i in 1..=count {
            let name = format!("{prefix} {i:03}");
            let hours_ago = i64::try_from(i * 7 % count).unwrap();
            diesel::insert_into(api_keys::table)
                .values((
                    api_keys::workspace_id.eq(workspace_id),
                    api_keys::created_by.eq(created_by),
                    api_keys::created_by_name.eq(ADMIN_NAME),
                    api_keys::name_key.eq(name.to_lowercase()),
                    api_keys::name.eq(name),
                    api_keys::note.eq("Seeded for the list's paging"),
                    api_keys::key_hash.eq(format!("seed-{prefix}-{i}").into_bytes()),
                    api_keys::last4.eq("seed"),
                    api_keys::read_only.eq(false),
                    api_keys::allowed_ips.eq(""),
                    api_keys::expiry_logged.eq(false),
                    api_keys::created_at.eq(now - Duration::hours(hours_ago + 1)),
                ))
                .execute(conn)?;
        }
        diesel::QueryResult::Ok(())
    })
    .unwrap();
}

/// Moves a key's expiry into the past (or the near future).
pub fn set_expiry(app: &TestApp, name: &str, from_now: Duration) {
    diesel::update(api_keys::table.filter(api_keys::name.eq(name)))
        .set(api_keys::expires_at.eq(Some(keydesk::db::now() + from_now)))
        .execute(&mut *app.db_conn())
        .unwrap();
}

/// Marks a key as used a while ago from an address, as the usage recorder would.
pub fn set_last_used(app: &TestApp, name: &str, ago: Duration, agent: &str) {
    diesel::update(api_keys::table.filter(api_keys::name.eq(name)))
        .set((
            api_keys::last_used_at.eq(Some(keydesk::db::now() - ago)),
            api_keys::last_used_ip.eq(Some("203.0.113.9")),
            api_keys::last_used_agent.eq(Some(agent)),
        ))
        .execute(&mut *app.db_conn())
        .unwrap();
}

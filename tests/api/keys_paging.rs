//! The Integrations page in pages: sort and filter across every key, links that keep the
//! state, odd page numbers, the weight of a 1,000-key workspace, and a visible one-request bar.

use std::time::{Duration as StdDuration, Instant};

use diesel::prelude::*;
use keydesk::db::DbConnection;
use keydesk::db::now;
use keydesk::db::schema::{api_key_usage, api_keys, users};
use reqwest::{Method, StatusCode};
use time::Duration;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    sort_and_filter_apply_to_every_key_before_paging,
    the_pager_links_keep_the_sort_and_the_filter,
    odd_page_numbers_show_the_first_or_the_last_page,
    a_thousand_keys_weigh_under_300_kb_on_the_first_page,
    a_single_request_draws_a_visible_bar,
);

const KEYS: usize = 120;

/// Inserts keys straight into the table for the first admin: `(name, note, minutes old)`.
/// Returns their ids in the same order.
fn seed_keys(conn: &mut DbConnection, keys: &[(String, String, i64)]) -> Vec<i32> {
    let (workspace, user, user_name): (i32, i32, String) = users::table
        .order(users::id)
        .select((users::workspace_id, users::id, users::name))
        .first(conn)
        .unwrap();
    let n = now();
    conn.transaction(|conn| {
        keys.iter()
            .enumerate()
            .map(|(i, (name, note, minutes))| {
                diesel::insert_into(api_keys::table)
                    .values((
                        api_keys::workspace_id.eq(workspace),
                        api_keys::created_by.eq(user),
                        api_keys::created_by_name.eq(&user_name),
                        api_keys::name.eq(name),
                        api_keys::name_key.eq(name.to_lowercase()),
                        api_keys::note.eq(note),
                        api_keys::key_hash.eq(format!("seeded-digest-{i:018}").into_bytes()),
                        api_keys::last4.eq(format!("{:04}", i % 10_000)),
                        api_keys::read_only.eq(false),
                        api_keys::allowed_ips.eq(""),
                        api_keys::expiry_logged.eq(false),
                        api_keys::created_at.eq(n - Duration::minutes(*minutes)),
                    ))
                    .returning(api_keys::id)
                    .get_result(conn)
            })
            .collect::<QueryResult<Vec<i32>>>()
    })
    .unwrap()
}

/// 120 keys whose name order differs from their creation order: the i-th newest is named
/// `Key {7i mod 120}`, and the even-numbered names carry the note "billing".
fn seed_120(app: &TestApp) {
    let keys: Vec<(String, String, i64)> = (0..KEYS)
        .map(|i| {
            let number = i * 7 % KEYS;
            let note = if number.is_multiple_of(2) {
                "billing sync"
            } else {
                ""
            };
            (format!("Key {number:03}"), note.to_string(), i as i64 + 1)
        })
        .collect();
    seed_keys(&mut app.db_conn(), &keys);
}

fn names(numbers: impl IntoIterator<Item = usize>) -> Vec<String> {
    numbers.into_iter().map(|n| format!("Key {n:03}")).collect()
}

/// The pages' keys one after the other, for `query` (without `page`).
async fn all_pages(app: &TestApp, query: &str, pages: usize) -> Vec<String> {
    let mut listed = Vec::new();
    for page in 1..=pages {
        let html = app
            .get_html(&format!("/settings/integrations?{query}&page={page}"))
            .await;
        listed.extend(listed_keys(&html));
    }
    listed
}

/// The pager's links: (visible text, href, is current), hrefs unescaped.
fn pager_links(html: &str) -> Vec<(String, String, bool)> {
    let start = html
        .find("<nav class=\"pager\" aria-label=\"Pages\">")
        .expect("a pager");
    let nav = &html[start..start + html[start..].find("</nav>").unwrap()];
    nav.split("<a href=\"")
        .skip(1)
        .map(|link| {
            let href = html_unescape(&link[..link.find('"').unwrap()]);
            let tag_end = link.find('>').unwrap();
            let current = link[..tag_end].contains("aria-current=\"page\"");
            let text = &link[tag_end + 1..link.find("</a>").unwrap()];
            let text = text.replace("<span class=\"visually-hidden\">Page </span>", "");
            (text, href, current)
        })
        .collect()
}

async fn sort_and_filter_apply_to_every_key_before_paging(app: TestApp) {
    app.set_up().await;
    seed_120(&app);

    // Default order, newest first: 50, 50, 20.
    let first = app.get_html("/settings/integrations").await;
    let newest: Vec<String> = names((0..KEYS).map(|i| i * 7 % KEYS));
    assert_eq!(listed_keys(&first), newest[..50]);
    assert!(first.contains("Showing 1–50 of 120 keys"));
    let third = app.get_html("/settings/integrations?page=3").await;
    assert_eq!(listed_keys(&third), newest[100..]);
    assert!(third.contains("Showing 101–120 of 120 keys"));

    // By name, the order holds across page boundaries: the 51st name opens page 2.
    let by_name = app
        .get_html("/settings/integrations?sort=name&dir=asc&page=2")
        .await;
    assert_eq!(listed_keys(&by_name)[0], "Key 050");
    assert_eq!(
        all_pages(&app, "sort=name&dir=asc", 3).await,
        names(0..KEYS)
    );
    assert_eq!(
        all_pages(&app, "sort=name&dir=desc", 3).await,
        names((0..KEYS).rev())
    );

    // The filter narrows first (60 keys match), then the 60 are paged and sorted.
    let filtered = app
        .get_html("/settings/integrations?sort=name&dir=asc&q=Billing&page=1")
        .await;
    assert_eq!(listed_keys(&filtered).len(), 50);
    assert!(filtered.contains("Showing 1–50 of 60 keys"));
    let second = app
        .get_html("/settings/integrations?sort=name&dir=asc&q=Billing&page=2")
        .await;
    assert_eq!(listed_keys(&second), names((100..KEYS).step_by(2)));
    assert_eq!(
        all_pages(&app, "sort=name&dir=asc&q=billing", 2).await,
        names((0..KEYS).step_by(2))
    );
    // The header still counts every key.
    assert!(second.contains("<span class=\"count muted\">(120)</span>"));

    // The expiry banner looks at every key, not just the shown page: Key 001 is on page 3.
    diesel::update(api_keys::table.filter(api_keys::name.eq("Key 001")))
        .set(api_keys::expires_at.eq(Some(now() + Duration::days(3))))
        .execute(&mut *app.db_conn())
        .unwrap();
    let first = app.get_html("/settings/integrations").await;
    assert!(!listed_keys(&first).contains(&"Key 001".to_string()));
    let banner = &first[first.find("class=\"banner\"").expect("a banner")..];
    let banner = &banner[..banner.find("</div>").unwrap()];
    assert!(banner.contains("1 key expires within 7 days") && banner.contains("Key 001."));
}

async fn the_pager_links_keep_the_sort_and_the_filter(app: TestApp) {
    app.set_up().await;
    seed_120(&app);
    let base = "/settings/integrations?sort=name&dir=desc&q=billing";

    let second = app.get_html(&format!("{base}&page=2")).await;
    let links = pager_links(&second);
    let expected = [
        ("Previous", base.to_string(), false),
        ("1", base.to_string(), false),
        ("2", format!("{base}&page=2"), true),
    ];
    let got: Vec<(&str, String, bool)> = links
        .iter()
        .map(|(text, href, current)| (text.as_str(), href.clone(), *current))
        .collect();
    assert_eq!(got, expected, "page 2 of 2 has no Next");

    let first = app.get_html(base).await;
    let texts: Vec<String> = pager_links(&first).into_iter().map(|l| l.0).collect();
    assert_eq!(texts, ["1", "2", "Next"]);
    assert_eq!(pager_links(&first)[2].1, format!("{base}&page=2"));
    assert!(first.contains("rel=\"next\">Next</a>"));

    // Following "Next" by its href gives the next 10 keys, still filtered and sorted.
    let next = &pager_links(&first)[2].1;
    assert_eq!(
        listed_keys(&app.get_html(next).await),
        names((0..20).step_by(2).rev())
    );

    // Sorting by another column starts again on page 1, keeping the filter.
    assert!(html_unescape(&second).contains(
        "<a href=\"/settings/integrations?sort=created&dir=desc&q=billing\">Created</a>"
    ));
    // The filter form keeps the order but not the page: a new filter starts on page 1.
    assert!(!second.contains("name=\"page\""));
    assert!(second.contains("name=\"sort\" value=\"name\""));
    assert!(second.contains("name=\"dir\" value=\"desc\""));
}

async fn odd_page_numbers_show_the_first_or_the_last_page(app: TestApp) {
    app.set_up().await;
    seed_120(&app);
    let first = listed_keys(&app.get_html("/settings/integrations").await);
    let last = listed_keys(&app.get_html("/settings/integrations?page=3").await);
    assert_eq!(last.len(), 20);

    for (page, expected) in [
        ("abc", &first),
        ("0", &first),
        ("-1", &first),
        ("2.5", &first),
        ("%00", &first),
        ("", &first),
        ("4", &last),
        ("999", &last),
        ("99999999999999999999999999", &last),
    ] {
        let path = format!("/settings/integrations?page={page}");
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        assert_eq!(&listed_keys(&html), expected, "{path}");
    }
    let past_the_end = app.get_html("/settings/integrations?page=999").await;
    let current: Vec<String> = pager_links(&past_the_end)
        .into_iter()
        .filter(|l| l.2)
        .map(|l| l.0)
        .collect();
    assert_eq!(current, ["3"]);

    // A filter that matches nothing says so rather than showing an empty page 2.
    let none = app
        .get_html("/settings/integrations?q=nothing-like-this&page=2")
        .await;
    assert!(listed_keys(&none).is_empty());
    assert!(none.contains("No key matches “nothing-like-this”."));
}

async fn a_thousand_keys_weigh_under_300_kb_on_the_first_page(app: TestApp) {
    app.set_up().await;
    // Long names and notes, and the shown keys busy every day: the heaviest likely rows.
    let keys: Vec<(String, String, i64)> = (0..1000)
        .map(|i| {
            (
                format!("Customer data warehouse sync number {i:04}"),
                "Runs nightly from the reporting cluster in eu-west-1; owned by the data team"
                    .to_string(),
                i + 1,
            )
        })
        .collect();
    let ids = seed_keys(&mut app.db_conn(), &keys);
    let today = now().date();
    let mut conn = app.db_conn();
    conn.transaction(|conn| {
        for &id in &ids[..50] {
            for day in 0..30 {
                diesel::insert_into(api_key_usage::table)
                    .values((
                        api_key_usage::key_id.eq(id),
                        api_key_usage::day.eq(today - Duration::days(day)),
                        api_key_usage::requests.eq(1000 + day * 37),
                    ))
                    .execute(conn)?;
            }
        }
        QueryResult::Ok(())
    })
    .unwrap();
    drop(conn);

    let html = app.get_html("/settings/integrations").await;
    assert_eq!(listed_keys(&html).len(), 50);
    assert!(html.contains("Showing 1–50 of 1,000 keys"));
    assert!(
        html.len() < 300_000,
        "the first page is {} bytes of HTML",
        html.len()
    );
}

async fn a_single_request_draws_a_visible_bar(app: TestApp) {
    let key = app.set_up_with_key().await;
    let id: i32 = api_keys::table
        .select(api_keys::id)
        .first(&mut *app.db_conn())
        .unwrap();
    // A busy day a week ago sets the scale; today's one request must still show.
    diesel::insert_into(api_key_usage::table)
        .values((
            api_key_usage::key_id.eq(id),
            api_key_usage::day.eq(now().date() - Duration::days(7)),
            api_key_usage::requests.eq(10_000_i64),
        ))
        .execute(&mut *app.db_conn())
        .unwrap();

    let response = app
        .api(Method::GET, "/api/team")
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let started = Instant::now();
    let html = loop {
        let html = app.get_html("/settings/integrations").await;
        if html.contains("<span class=\"usage-total\">10001</span>") {
            break html;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(3),
            "the request reaches the page"
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    let chart_start = html.find("<svg class=\"usage-chart\"").unwrap();
    let chart = &html[chart_start..chart_start + html[chart_start..].find("</svg>").unwrap()];
    // Day 29 of the window (today) is the last bar, at x = 29 × 4; a week ago, x = 22 × 4.
    assert!(chart.contains("M88 24v-24h3v24z"), "{chart}");
    assert!(
        chart.contains("M116 24v-4h3v4z"),
        "one request is a 4-pixel bar: {chart}"
    );
    assert!(html.contains("requests<span class=\"visually-hidden\"> in the last 30 days"));
}

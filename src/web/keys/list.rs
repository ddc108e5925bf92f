//! The Integrations page: the "API keys" list with usage, hints and actions.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::{Duration, PrimitiveDateTime};

use super::sort::{Sort, SortLinks};
use super::usage_chart;
use crate::auth::Viewer;
use crate::domain::api_key::masked;
use crate::domain::hints::{self, Hint, KeyFacts};
use crate::domain::key_settings::{AccessLevel, AllowedIps};
use crate::domain::sighting::Sighting;
use crate::error::AppError;
use crate::format;
use crate::models::api_key::{self, ApiKey, ClientSighting};
use crate::models::user::{self, User};
use crate::startup::AppState;
use crate::templates::{PageContext, render};

/// Days shown in the usage chart.
const USAGE_DAYS: i64 = 30;
/// The filter box appears from this many keys on.
const FILTER_FROM: usize = 11;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    sort: Option<String>,
    dir: Option<String>,
    q: Option<String>,
}

pub struct LastUsed {
    pub relative: String,
    pub exact: String,
    pub iso: String,
    pub ip: String,
    pub agent: String,
}

pub struct KeyRow {
    pub id: i32,
    pub name: String,
    pub note: String,
    pub masked: String,
    pub access: &'static str,
    pub allowed_ips: String,
    pub created_date: String,
    pub created_exact: String,
    pub created_by: String,
    pub last_used: Option<LastUsed>,
    pub usage_total: i64,
    pub usage_svg: String,
    pub expires: String,
    pub expires_exact: String,
    pub expired: bool,
    pub grace: Option<String>,
    pub hints: Vec<Hint>,
}

#[derive(Template)]
#[template(path = "settings/integrations.html")]
struct IntegrationsTemplate {
    ctx: PageContext,
    admins: Vec<User>,
    rows: Vec<KeyRow>,
    total: usize,
    show_filter: bool,
    query: String,
    sort_links: SortLinks,
    expiring_soon: Vec<String>,
}

pub async fn integrations_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = PageContext::new(&viewer, "Integrations", "integrations")?;
    let workspace_id = viewer.user.workspace_id;
    let Ok(scope) = super::key_scope(&viewer) else {
        let admins = state
            .db(move |conn| Ok(user::admins_of(conn, workspace_id)?))
            .await?;
        return render(&IntegrationsTemplate {
            ctx,
            admins,
            rows: Vec::new(),
            total: 0,
            show_filter: false,
            query: String::new(),
            sort_links: SortLinks::new(Sort::default(), ""),
            expiring_soon: Vec::new(),
        });
    };

    let now = crate::db::now();
    let (keys, usage, clients) = state
        .db(move |conn| {
            api_key::log_expirations(conn, Some(workspace_id))?;
            // One snapshot: "Last used" and the usage counts come from the same flush.
            crate::db::read_snapshot(conn, |conn| {
                let keys = api_key::list(conn, scope)?;
                let since = now.date() - Duration::days(USAGE_DAYS - 1);
                let usage = api_key::usage_since(conn, workspace_id, since)?;
                let clients =
                    api_key::clients_seen_since(conn, workspace_id, now - Duration::days(60))?;
                Ok((keys, usage, clients))
            })
        })
        .await?;
    // Render against a time after the reads, so a use just recorded is never "in the future".
    let now = crate::db::now();

    let total = keys.len();
    let expiring_soon = keys
        .iter()
        .filter(|k| hints::expires_soon(k.expires_at, now))
        .map(|k| k.name.clone())
        .collect();
    let needle = query.q.as_deref().unwrap_or("").trim().to_lowercase();
    let mut keys: Vec<ApiKey> = keys
        .into_iter()
        .filter(|k| {
            needle.is_empty()
                || k.name.to_lowercase().contains(&needle)
                || k.note.to_lowercase().contains(&needle)
        })
        .collect();
    let sort = Sort::from_query(query.sort.as_deref(), query.dir.as_deref());
    sort.apply(&mut keys);

    let usage = daily_usage(&usage, now);
    let clients = group_clients(clients);
    let rows = keys
        .iter()
        .map(|k| {
            key_row(
                k,
                &usage,
                clients.get(&k.id).map(Vec::as_slice).unwrap_or(&[]),
                now,
            )
        })
        .collect();
    render(&IntegrationsTemplate {
        ctx,
        admins: Vec::new(),
        rows,
        total,
        show_filter: total >= FILTER_FROM,
        query: query.q.clone().unwrap_or_default(),
        sort_links: SortLinks::new(sort, &needle),
        expiring_soon,
    })
}

/// Per key: requests on each of the last 30 days, oldest first.
fn daily_usage(rows: &[(i32, time::Date, i64)], now: PrimitiveDateTime) -> HashMap<i32, Vec<i64>> {
    let first = now.date() - Duration::days(USAGE_DAYS - 1);
    let mut out: HashMap<i32, Vec<i64>> = HashMap::new();
    for &(key_id, day, requests) in rows {
        let index = (day - first).whole_days();
        if (0..USAGE_DAYS).contains(&index) {
            out.entry(key_id)
                .or_insert_with(|| vec![0; USAGE_DAYS as usize])[index as usize] += requests;
        }
    }
    out
}

/// Per key: the addresses and agents seen using it.
fn group_clients(rows: Vec<ClientSighting>) -> HashMap<i32, Vec<Sighting>> {
    let mut out: HashMap<i32, Vec<Sighting>> = HashMap::new();
    for row in rows {
        out.entry(row.key_id).or_default().push(Sighting {
            kind: row.kind,
            value: row.value,
            first_seen: row.first_seen,
            last_seen: row.last_seen,
        });
    }
    out
}

fn key_row(
    key: &ApiKey,
    usage: &HashMap<i32, Vec<i64>>,
    clients: &[Sighting],
    now: PrimitiveDateTime,
) -> KeyRow {
    let days = usage
        .get(&key.id)
        .cloned()
        .unwrap_or_else(|| vec![0; USAGE_DAYS as usize]);
    let (expires, expires_exact) = match key.expires_at {
        None => ("Never".to_string(), String::new()),
        Some(t) if t <= now => (format!("Expired {}", format::date(t)), format::exact(t)),
        Some(t) => (format::date(t), format::exact(t)),
    };
    KeyRow {
        id: key.id,
        name: key.name.clone(),
        note: key.note.clone(),
        masked: masked(&key.last4),
        access: AccessLevel::from_read_only(key.read_only).label(),
        allowed_ips: AllowedIps::from_stored(&key.allowed_ips).display(),
        created_date: format::date(key.created_at),
        created_exact: format::exact(key.created_at),
        created_by: key.created_by_name.clone(),
        last_used: key.last_used_at.map(|t| LastUsed {
            relative: format::relative(t, now),
            exact: format::exact(t),
            iso: format::iso(t),
            ip: key.last_used_ip.clone().unwrap_or_default(),
            agent: key.last_used_agent.clone().unwrap_or_default(),
        }),
        usage_total: days.iter().sum(),
        usage_svg: usage_chart::svg(&days),
        expires,
        expires_exact,
        expired: key.is_expired(now),
        grace: key.grace_until(now).map(|until| {
            format!(
                "The previous secret ({}) keeps working until {} ({}).",
                masked(key.previous_last4.as_deref().unwrap_or("????")),
                format::exact(until),
                format::relative(until, now)
            )
        }),
        hints: hints::hints(&key_facts(key), clients, now),
    }
}

/// What the hint rules need from a stored key.
fn key_facts(key: &ApiKey) -> KeyFacts<'_> {
    KeyFacts {
        expires_at: key.expires_at,
        last_used_at: key.last_used_at,
        last_used_ip: key.last_used_ip.as_deref(),
        secret_issued_at: key.secret_issued_at(),
    }
}

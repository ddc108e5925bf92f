//! One row of the keys table: what the page shows of a key, its usage and its hints.

use std::collections::{HashMap, HashSet};

use time::{Date, Duration, PrimitiveDateTime};

use super::usage_chart;
use crate::domain::api_key::masked;
use crate::domain::hints::{self, CreatorGone, Hint, KeyFacts};
use crate::domain::key_policy::KeyPolicy;
use crate::domain::key_settings::AllowedIps;
use crate::domain::sighting::Sighting;
use crate::format;
use crate::models::api_key::ApiKey;
use crate::models::key_client::ClientSighting;

/// Days shown in the usage chart.
const USAGE_DAYS: i64 = 30;

/// The first day of the usage chart.
pub fn usage_window_start(now: PrimitiveDateTime) -> Date {
    now.date() - Duration::days(USAGE_DAYS - 1)
}

/// The "Last used" cell: when, relative and exact, and from where.
pub struct LastUsed {
    pub relative: String,
    pub exact: String,
    pub iso: String,
    pub ip: String,
    pub agent: String,
}

/// A key as the table shows it: every value already formatted for the template.
pub struct KeyRow {
    pub id: i32,
    pub name: String,
    pub note: String,
    pub masked: String,
    pub access: String,
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
    pub disabled: bool,
    pub grace: Option<String>,
    pub hints: Vec<Hint>,
}

/// The members of the workspace who have no API access (any more): admins manage the
/// keys they created. A key whose creator was removed has no `created_by` at all.
#[derive(Debug, Default)]
pub struct Creators {
    pub without_access: HashSet<i32>,
}

impl Creators {
    fn gone<'a>(&self, key: &'a ApiKey) -> Option<CreatorGone<'a>> {
        match key.created_by {
            None => Some(CreatorGone::Removed(&key.created_by_name)),
            Some(id) if self.without_access.contains(&id) => {
                Some(CreatorGone::NoApiAccess(&key.created_by_name))
            }
            Some(_) => None,
        }
    }
}

/// The rows for `keys`, in their order, from the usage and sightings of the workspace.
pub fn key_rows(
    keys: &[ApiKey],
    usage: &[(i32, Date, i64)],
    clients: Vec<ClientSighting>,
    policy: &KeyPolicy,
    creators: &Creators,
    now: PrimitiveDateTime,
) -> Vec<KeyRow> {
    let usage = daily_usage(usage, now);
    let clients = group_clients(clients);
    keys.iter()
        .map(|k| {
            key_row(
                k,
                &usage,
                clients.get(&k.id).map(Vec::as_slice).unwrap_or(&[]),
                policy,
                creators,
                now,
            )
        })
        .collect()
}

/// Per key: requests on each of the last 30 days, oldest first.
fn daily_usage(rows: &[(i32, Date, i64)], now: PrimitiveDateTime) -> HashMap<i32, Vec<i64>> {
    let first = usage_window_start(now);
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
    policy: &KeyPolicy,
    creators: &Creators,
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
        access: key.grants().describe(),
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
        disabled: key.disabled_at.is_some(),
        grace: key.grace_until(now).map(|until| {
            format!(
                "The previous secret ({}) keeps working until {} ({}).",
                masked(key.previous_last4.as_deref().unwrap_or("????")),
                format::exact(until),
                format::relative(until, now)
            )
        }),
        hints: hints::hints(&key_facts(key, policy, creators), clients, now),
    }
}

/// What the hint rules need from a stored key.
fn key_facts<'a>(key: &'a ApiKey, policy: &KeyPolicy, creators: &Creators) -> KeyFacts<'a> {
    KeyFacts {
        expires_at: key.expires_at,
        last_used_at: key.last_used_at,
        last_used_ip: key.last_used_ip.as_deref(),
        secret_issued_at: key.secret_issued_at(),
        disabled: key
            .disabled_at
            .map(|at| (at, key.disabled_by_name.as_deref().unwrap_or("an admin"))),
        disabled_unused_days: key.disabled_unused_days,
        max_lifetime_days: policy.max_lifetime_days,
        creator_gone: creators.gone(key),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn daily_usage_fills_the_last_30_days_oldest_first() {
        let now = datetime!(2025-06-30 12:00:00);
        let rows = [
            (1, date!(2025 - 06 - 30), 5),
            (1, date!(2025 - 06 - 01), 2),
            (1, date!(2025 - 05 - 31), 99),
            (2, date!(2025 - 06 - 15), 1),
        ];
        let usage = daily_usage(&rows, now);
        let key1 = &usage[&1];
        assert_eq!(key1.len(), 30);
        assert_eq!((key1[0], key1[29]), (2, 5));
        assert_eq!(
            key1.iter().sum::<i64>(),
            7,
            "the day before the window is left out"
        );
        assert_eq!(usage[&2][14], 1);
    }
}

//! The Integrations page: the "API keys" list with usage, hints and actions.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use time::Duration;

use super::notice::NoticeForm;
use super::pager::{PageRequest, Pager};
use super::rows::{self, Creators, KeyRow};
use super::sort::{Sort, SortLinks};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::hints;
use crate::error::AppError;
use crate::models::api_key::{self, ApiKey};
use crate::models::user;
use crate::models::{key_client, key_policy, key_usage};
use crate::templates::{PageContext, SettingsTab, render};

/// The filter box appears from this many keys on.
const FILTER_FROM: usize = 11;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    sort: Option<String>,
    dir: Option<String>,
    q: Option<String>,
    /// A string, not a number: a garbage value shows the first page instead of a 400.
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/integrations.html")]
struct IntegrationsTemplate {
    ctx: PageContext,
    rows: Vec<KeyRow>,
    total: usize,
    show_filter: bool,
    query: String,
    sort_links: SortLinks,
    /// Kept by the filter form, so a new filter keeps the order (and starts on page 1).
    sort: Sort,
    pager: Pager,
    expiring_soon: Vec<String>,
    webhooks: Vec<crate::web::webhooks::HookRow>,
}

pub async fn integrations_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let Ok(scope) = super::key_scope(&viewer) else {
        return super::notice::notice_page(&state, &viewer, NoticeForm::default()).await;
    };
    let ctx = PageContext::new(&viewer, "Integrations", SettingsTab::Integrations)?;
    let workspace_id = viewer.user.workspace_id;

    let now = crate::db::now();
    let (keys, usage, clients, policy, creators) = state
        .db(move |conn| {
            crate::use_cases::key_expiry::log_expirations(conn, Some(workspace_id))?;
            // One snapshot: "Last used" and the usage counts come from the same flush.
            crate::db::read_snapshot(conn, |conn| {
                let keys = api_key::list(conn, scope)?;
                let since = rows::usage_window_start(now);
                let usage = key_usage::usage_since(conn, workspace_id, since)?;
                let clients =
                    key_client::clients_seen_since(conn, workspace_id, now - Duration::days(60))?;
                // Only admins see others' keys, so only they need to know whose access ended.
                let creators = match scope.only_created_by {
                    Some(_) => Creators::default(),
                    None => Creators {
                        without_access: user::list_in_workspace(conn, workspace_id)?
                            .into_iter()
                            .filter(|u| !u.can_use_api_keys())
                            .map(|u| u.id)
                            .collect(),
                    },
                };
                let policy = key_policy::of(conn, workspace_id)?;
                Ok((keys, usage, clients, policy, creators))
            })
        })
        .await?;
    let webhooks = crate::web::webhooks::rows(&state, &viewer).await?;
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
    // Only the shown page is turned into rows: hints and charts cost per key.
    let pager = Pager::new(
        PageRequest::from_query(query.page.as_deref()),
        keys.len(),
        sort,
        &needle,
    );
    let rows = rows::key_rows(
        &keys[pager.range()],
        &usage,
        clients,
        &policy,
        &creators,
        now,
    );
    render(&IntegrationsTemplate {
        ctx,
        rows,
        total,
        show_filter: total >= FILTER_FROM,
        query: query.q.clone().unwrap_or_default(),
        sort_links: SortLinks::new(sort, &needle),
        sort,
        pager,
        expiring_soon,
        webhooks,
    })
}

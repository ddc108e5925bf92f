//! Leads: a person (by email) in a campaign, with their variables.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::{campaigns, leads};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leads)]
pub struct Lead {
    pub id: i32,
    pub public_id: String,
    pub workspace_id: i32,
    pub campaign_id: i32,
    pub email: String,
    /// A JSON object of string values.
    pub variables: String,
    pub state: String,
    pub is_paused: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// The campaign a lead is shown with.
#[derive(Debug, Clone, Queryable)]
pub struct LeadCampaign {
    pub public_id: String,
    pub name: String,
    pub status: String,
}

pub fn insert(
    conn: &mut DbConnection,
    workspace_id: i32,
    campaign_id: i32,
    email: &str,
    variables: &str,
) -> QueryResult<Lead> {
    let public_id = super::public_id("lea");
    let now = crate::db::now();
    diesel::insert_into(leads::table)
        .values((
            leads::public_id.eq(&public_id),
            leads::workspace_id.eq(workspace_id),
            leads::campaign_id.eq(campaign_id),
            leads::email.eq(email),
            leads::variables.eq(variables),
            leads::state.eq("scanned"),
            leads::is_paused.eq(false),
            leads::created_at.eq(now),
            leads::updated_at.eq(now),
        ))
        .execute(conn)?;
    leads::table
        .filter(leads::public_id.eq(&public_id))
        .select(Lead::as_select())
        .first(conn)
}

pub fn find_in_campaign(
    conn: &mut DbConnection,
    campaign_id: i32,
    email: &str,
) -> QueryResult<Option<Lead>> {
    leads::table
        .filter(leads::campaign_id.eq(campaign_id))
        .filter(leads::email.eq(email))
        .select(Lead::as_select())
        .first(conn)
        .optional()
}

/// Every lead with this email in the workspace, newest first, with its campaign.
pub fn find_by_email(
    conn: &mut DbConnection,
    workspace_id: i32,
    email: &str,
) -> QueryResult<Vec<(Lead, LeadCampaign)>> {
    leads::table
        .inner_join(campaigns::table)
        .filter(leads::workspace_id.eq(workspace_id))
        .filter(leads::email.eq(email))
        .order((leads::created_at.desc(), leads::id.desc()))
        .select((
            Lead::as_select(),
            (campaigns::public_id, campaigns::name, campaigns::status),
        ))
        .load(conn)
}

pub fn in_other_campaign(
    conn: &mut DbConnection,
    workspace_id: i32,
    campaign_id: i32,
    email: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        leads::table
            .filter(leads::workspace_id.eq(workspace_id))
            .filter(leads::email.eq(email))
            .filter(leads::campaign_id.ne(campaign_id)),
    ))
    .get_result(conn)
}

/// Stops the lead in this campaign (lemlist's DELETE without `action=remove`).
pub fn unsubscribe(conn: &mut DbConnection, lead_id: i32) -> QueryResult<usize> {
    diesel::update(leads::table.find(lead_id))
        .set((
            leads::state.eq("emailsUnsubscribed"),
            leads::is_paused.eq(true),
            leads::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, lead_id: i32) -> QueryResult<usize> {
    diesel::delete(leads::table.find(lead_id)).execute(conn)
}

/// The leads a pause or resume names: by public id (`lea_…`) or by email, in one
/// campaign or in all of the workspace's, with their campaigns.
pub fn find_by_id_or_email(
    conn: &mut DbConnection,
    workspace_id: i32,
    id_or_email: &str,
    campaign_id: Option<i32>,
) -> QueryResult<Vec<(Lead, LeadCampaign)>> {
    let mut query = leads::table
        .inner_join(campaigns::table)
        .filter(leads::workspace_id.eq(workspace_id))
        .into_boxed();
    query = if id_or_email.starts_with("lea_") {
        query.filter(leads::public_id.eq(id_or_email.to_string()))
    } else {
        query.filter(leads::email.eq(id_or_email.to_string()))
    };
    if let Some(campaign_id) = campaign_id {
        query = query.filter(leads::campaign_id.eq(campaign_id));
    }
    query
        .order((leads::created_at.desc(), leads::id.desc()))
        .select((
            Lead::as_select(),
            (campaigns::public_id, campaigns::name, campaigns::status),
        ))
        .load(conn)
}

/// Every lead of the workspace an unsubscribe covers: the email itself, or with a
/// value written `@domain`, every email of that domain.
pub fn covered_by(
    conn: &mut DbConnection,
    workspace_id: i32,
    value: &str,
) -> QueryResult<Vec<(Lead, LeadCampaign)>> {
    let mut query = leads::table
        .inner_join(campaigns::table)
        .filter(leads::workspace_id.eq(workspace_id))
        .into_boxed();
    query = if value.starts_with('@') {
        // Emails are stored lower-cased; the domain part is compared as a suffix.
        let escaped = value
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query.filter(leads::email.like(format!("%{escaped}")).escape('\\'))
    } else {
        query.filter(leads::email.eq(value.to_string()))
    };
    query
        .order(leads::id.asc())
        .select((
            Lead::as_select(),
            (campaigns::public_id, campaigns::name, campaigns::status),
        ))
        .load(conn)
}

/// Pauses (`true`) or resumes (`false`) a lead in its campaign.
pub fn set_paused(conn: &mut DbConnection, lead_id: i32, paused: bool) -> QueryResult<usize> {
    diesel::update(leads::table.find(lead_id))
        .set((
            leads::is_paused.eq(paused),
            leads::updated_at.eq(crate::db::now()),
        ))
        .execute(conn)
}

/// How many of a campaign's leads, created within the window, are in each condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadCounts {
    pub total: i64,
    /// Neither paused nor stopped: waiting for the campaign to reach them.
    pub waiting: i64,
    pub paused: i64,
    /// Unsubscribed from the campaign: their sequence is over.
    pub stopped: i64,
}

pub fn counts(
    conn: &mut DbConnection,
    campaign_id: i32,
    from: Option<PrimitiveDateTime>,
    until: Option<PrimitiveDateTime>,
) -> QueryResult<LeadCounts> {
    let window = || {
        let mut query = leads::table
            .filter(leads::campaign_id.eq(campaign_id))
            .into_boxed();
        if let Some(from) = from {
            query = query.filter(leads::created_at.ge(from));
        }
        if let Some(until) = until {
            query = query.filter(leads::created_at.le(until));
        }
        query
    };
    let total = window().count().get_result(conn)?;
    let stopped = window()
        .filter(leads::state.eq(STOPPED))
        .count()
        .get_result(conn)?;
    let paused = window()
        .filter(leads::state.ne(STOPPED))
        .filter(leads::is_paused.eq(true))
        .count()
        .get_result(conn)?;
    Ok(LeadCounts {
        total,
        waiting: total - stopped - paused,
        paused,
        stopped,
    })
}

/// The state of a lead unsubscribed from its campaign.
pub const STOPPED: &str = "emailsUnsubscribed";

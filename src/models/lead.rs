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

//! Activities: what happened to leads, newest first.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::activities;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = activities)]
pub struct Activity {
    pub id: i32,
    pub public_id: String,
    pub workspace_id: i32,
    pub kind: String,
    pub campaign_public_id: Option<String>,
    pub campaign_name: Option<String>,
    pub lead_public_id: Option<String>,
    pub lead_email: Option<String>,
    pub lead_first_name: Option<String>,
    pub lead_last_name: Option<String>,
    pub lead_company_name: Option<String>,
    pub created_at: PrimitiveDateTime,
}

/// What an activity is about.
#[derive(Default)]
pub struct Subject<'a> {
    pub campaign_public_id: Option<&'a str>,
    pub campaign_name: Option<&'a str>,
    pub lead_public_id: Option<&'a str>,
    pub lead_email: Option<&'a str>,
    pub lead_first_name: Option<&'a str>,
    pub lead_last_name: Option<&'a str>,
    pub lead_company_name: Option<&'a str>,
}

pub fn record(
    conn: &mut DbConnection,
    workspace_id: i32,
    kind: &str,
    subject: &Subject<'_>,
) -> QueryResult<Activity> {
    let id = diesel::insert_into(activities::table)
        .values((
            activities::public_id.eq(super::public_id("act")),
            activities::workspace_id.eq(workspace_id),
            activities::kind.eq(kind),
            activities::campaign_public_id.eq(subject.campaign_public_id),
            activities::campaign_name.eq(subject.campaign_name),
            activities::lead_public_id.eq(subject.lead_public_id),
            activities::lead_email.eq(subject.lead_email),
            activities::lead_first_name.eq(subject.lead_first_name),
            activities::lead_last_name.eq(subject.lead_last_name),
            activities::lead_company_name.eq(subject.lead_company_name),
            activities::created_at.eq(crate::db::now()),
        ))
        .returning(activities::id)
        .get_result::<i32>(conn)?;
    activities::table
        .find(id)
        .select(Activity::as_select())
        .first(conn)
}

pub struct ActivityFilter<'a> {
    pub kind: Option<&'a str>,
    pub campaign_public_id: Option<&'a str>,
    pub lead_public_id: Option<&'a str>,
    pub offset: i64,
    pub limit: i64,
}

pub fn list(
    conn: &mut DbConnection,
    workspace_id: i32,
    filter: &ActivityFilter<'_>,
) -> QueryResult<Vec<Activity>> {
    let mut query = activities::table
        .filter(activities::workspace_id.eq(workspace_id))
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(activities::kind.eq(kind.to_string()));
    }
    if let Some(campaign) = filter.campaign_public_id {
        query = query.filter(activities::campaign_public_id.eq(campaign.to_string()));
    }
    if let Some(lead) = filter.lead_public_id {
        query = query.filter(activities::lead_public_id.eq(lead.to_string()));
    }
    query
        .order(activities::id.desc())
        .offset(filter.offset)
        .limit(filter.limit)
        .select(Activity::as_select())
        .load(conn)
}

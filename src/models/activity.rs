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
    /// The member (usr_…) whose key made it; none when the key's creator has left.
    pub created_by: Option<String>,
    /// The lead's variables when it happened, a JSON object of strings.
    pub variables: Option<String>,
    /// The lead's first activity of this type (by lead id, else by email).
    pub is_first: bool,
}

/// What an activity is about, and who made it.
#[derive(Default)]
pub struct Subject<'a> {
    pub campaign_public_id: Option<&'a str>,
    pub campaign_name: Option<&'a str>,
    pub lead_public_id: Option<&'a str>,
    pub lead_email: Option<&'a str>,
    pub lead_first_name: Option<&'a str>,
    pub lead_last_name: Option<&'a str>,
    pub lead_company_name: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub variables: Option<&'a str>,
}

pub fn record(
    conn: &mut DbConnection,
    workspace_id: i32,
    kind: &str,
    subject: &Subject<'_>,
) -> QueryResult<i32> {
    let is_first = !seen_before(conn, workspace_id, kind, subject)?;
    diesel::insert_into(activities::table)
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
            activities::created_by.eq(subject.created_by),
            activities::variables.eq(subject.variables),
            activities::is_first.eq(is_first),
        ))
        .returning(activities::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Activity> {
    activities::table
        .find(id)
        .select(Activity::as_select())
        .first(conn)
}

/// Whether the subject's lead (or, without a lead, its email) already has an activity
/// of this type.
fn seen_before(
    conn: &mut DbConnection,
    workspace_id: i32,
    kind: &str,
    subject: &Subject<'_>,
) -> QueryResult<bool> {
    let same_type = activities::workspace_id
        .eq(workspace_id)
        .and(activities::kind.eq(kind.to_string()));
    match (subject.lead_public_id, subject.lead_email) {
        (Some(lead), _) => diesel::select(diesel::dsl::exists(
            activities::table
                .filter(same_type)
                .filter(activities::lead_public_id.eq(lead.to_string())),
        ))
        .get_result(conn),
        (None, Some(email)) => diesel::select(diesel::dsl::exists(
            activities::table
                .filter(same_type)
                .filter(activities::lead_public_id.is_null())
                .filter(activities::lead_email.eq(email.to_string())),
        ))
        .get_result(conn),
        (None, None) => Ok(false),
    }
}

pub struct ActivityFilter<'a> {
    pub kind: Option<&'a str>,
    pub campaign_public_id: Option<&'a str>,
    pub lead_public_id: Option<&'a str>,
    pub is_first: Option<bool>,
    /// Created at or after.
    pub from: Option<PrimitiveDateTime>,
    /// Created at or before.
    pub until: Option<PrimitiveDateTime>,
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
    if let Some(is_first) = filter.is_first {
        query = query.filter(activities::is_first.eq(is_first));
    }
    if let Some(from) = filter.from {
        query = query.filter(activities::created_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(activities::created_at.le(until));
    }
    query
        .order(activities::id.desc())
        .offset(filter.offset)
        .limit(filter.limit)
        .select(Activity::as_select())
        .load(conn)
}

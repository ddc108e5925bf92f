//! Campaigns served by the API.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::campaigns;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: i32,
    pub public_id: String,
    pub workspace_id: i32,
    pub name: String,
    pub status: String,
    pub timezone: String,
    pub created_by: String,
    pub created_at: PrimitiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    workspace_id: i32,
    name: &str,
    timezone: &str,
    created_by: &str,
) -> QueryResult<Campaign> {
    let public_id = super::public_id("cam");
    diesel::insert_into(campaigns::table)
        .values((
            campaigns::public_id.eq(&public_id),
            campaigns::workspace_id.eq(workspace_id),
            campaigns::name.eq(name),
            campaigns::status.eq("draft"),
            campaigns::timezone.eq(timezone),
            campaigns::created_by.eq(created_by),
            campaigns::created_at.eq(crate::db::now()),
        ))
        .execute(conn)?;
    find(conn, workspace_id, &public_id)?.ok_or(diesel::result::Error::NotFound)
}

/// A campaign of the workspace by its public id; other workspaces' ids are not found.
pub fn find(
    conn: &mut DbConnection,
    workspace_id: i32,
    public_id: &str,
) -> QueryResult<Option<Campaign>> {
    campaigns::table
        .filter(campaigns::workspace_id.eq(workspace_id))
        .filter(campaigns::public_id.eq(public_id))
        .select(Campaign::as_select())
        .first(conn)
        .optional()
}

pub struct CampaignFilter<'a> {
    pub status: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub newest_first: bool,
    pub offset: i64,
    pub limit: i64,
}

pub fn list(
    conn: &mut DbConnection,
    workspace_id: i32,
    filter: &CampaignFilter<'_>,
) -> QueryResult<Vec<Campaign>> {
    let mut query = campaigns::table
        .filter(campaigns::workspace_id.eq(workspace_id))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(campaigns::status.eq(status.to_string()));
    }
    if let Some(created_by) = filter.created_by {
        query = query.filter(campaigns::created_by.eq(created_by.to_string()));
    }
    query = if filter.newest_first {
        query.order((campaigns::created_at.desc(), campaigns::id.desc()))
    } else {
        query.order((campaigns::created_at.asc(), campaigns::id.asc()))
    };
    query
        .offset(filter.offset)
        .limit(filter.limit)
        .select(Campaign::as_select())
        .load(conn)
}

/// How many campaigns `list` pages through with this filter (offset and limit aside).
pub fn count(
    conn: &mut DbConnection,
    workspace_id: i32,
    filter: &CampaignFilter<'_>,
) -> QueryResult<i64> {
    let mut query = campaigns::table
        .filter(campaigns::workspace_id.eq(workspace_id))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(campaigns::status.eq(status.to_string()));
    }
    if let Some(created_by) = filter.created_by {
        query = query.filter(campaigns::created_by.eq(created_by.to_string()));
    }
    query.count().get_result(conn)
}

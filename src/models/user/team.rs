//! The API's view of a workspace: its team (lemlist's "team"), read by workspace or
//! found together with the key of the request that asks for it.

use diesel::prelude::*;
use time::PrimitiveDateTime;

use crate::db::DbConnection;
use crate::db::schema::{api_keys, users, workspaces};
use crate::domain::Role;
use crate::models::api_key::{FoundWith, KeyGate, each_digest};

/// A member as the API's team shows them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct TeamMember {
    pub id: i32,
    pub name: String,
    pub email: String,
    #[diesel(deserialize_as = String)]
    pub role: Role,
}

/// A workspace as the API's team shows it: its own columns and its members, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: i32,
    pub name: String,
    pub created_at: PrimitiveDateTime,
    pub members: Vec<TeamMember>,
}

/// A workspace's columns beside one of its members (none only for a workspace without any).
type TeamRow = (i32, String, PrimitiveDateTime, Option<TeamMember>);

impl Team {
    /// Gathers the rows of a workspace left-joined to its members; `None` without rows.
    fn gather(rows: impl IntoIterator<Item = TeamRow>) -> Option<Self> {
        let mut rows = rows.into_iter();
        let (id, name, created_at, first) = rows.next()?;
        let members = first
            .into_iter()
            .chain(rows.filter_map(|row| row.3))
            .collect();
        Some(Self {
            id,
            name,
            created_at,
            members,
        })
    }
}

/// The workspace's team, in one query. On the concrete connection, as both reads of the
/// team are: `GET /api/team` is the API's busiest read (see `db::on_backend`).
pub fn team(conn: &mut DbConnection, workspace_id: i32) -> QueryResult<Team> {
    let rows: Vec<TeamRow> = crate::db::on_backend!(conn, |c| {
        workspaces::table
            .left_join(users::table)
            .filter(workspaces::id.eq(workspace_id))
            .order((users::name.nullable().asc(), users::id.nullable().asc()))
            .select((
                workspaces::id,
                workspaces::name,
                workspaces::created_at,
                Option::<TeamMember>::as_select(),
            ))
            .load(c)?
    });
    Team::gather(rows).ok_or(diesel::result::Error::NotFound)
}

/// The key whose current secret has this digest, with its workspace's team, in one
/// statement. `None` when no key's current secret has it (an old secret, or none:
/// `api_key::gate_by_digest` tells which).
fn team_with_key(conn: &mut DbConnection, key_hash: &[u8]) -> QueryResult<Option<(KeyGate, Team)>> {
    let rows: Vec<(KeyGate, TeamRow)> = crate::db::on_backend!(conn, |c| {
        api_keys::table
            .inner_join(workspaces::table)
            .left_join(users::table.on(users::workspace_id.eq(api_keys::workspace_id)))
            .filter(api_keys::key_hash.eq(key_hash))
            .order((users::name.nullable().asc(), users::id.nullable().asc()))
            .select((
                KeyGate::as_select(),
                (
                    workspaces::id,
                    workspaces::name,
                    workspaces::created_at,
                    Option::<TeamMember>::as_select(),
                ),
            ))
            .load(c)?
    });
    let mut rows = rows.into_iter();
    let Some((key, first)) = rows.next() else {
        return Ok(None);
    };
    let team = Team::gather(std::iter::once(first).chain(rows.map(|(_, team)| team)));
    Ok(team.map(|team| (key, team)))
}

/// Each key whose current secret's digest is among `key_hashes`, with that digest and
/// its workspace's team: the API's gate and `GET /api/team` for several requests at
/// once. On PostgreSQL that is one statement, one round trip whatever the number of
/// digests; on SQLite, where a statement costs no round trip, one cached lookup per
/// digest. A digest no key's current secret has is left out.
pub fn teams_with_keys(
    conn: &mut DbConnection,
    key_hashes: &[&[u8]],
) -> QueryResult<FoundWith<Team>> {
    let c = match conn {
        DbConnection::Postgresql(c) => c,
        DbConnection::Sqlite(_) => {
            let found = each_digest(conn, key_hashes, team_with_key)?;
            return Ok(found
                .into_iter()
                .map(|(hash, (key, team))| (hash, key, team))
                .collect());
        }
    };
    let Some((first, rest)) = key_hashes.split_first() else {
        return Ok(Vec::new());
    };
    // `key_hash = $1 OR key_hash = $2 …`, one parameter per digest, rather than
    // `key_hash = ANY($1)`: with the number of digests in its text, the statement's
    // generic plan is as cheap as a plan made for the values, so PostgreSQL keeps it
    // instead of planning again on every execution (which cost more than the rest of
    // the statement).
    let mut query = api_keys::table
        .inner_join(workspaces::table)
        .left_join(users::table.on(users::workspace_id.eq(api_keys::workspace_id)))
        .filter(api_keys::key_hash.eq(*first))
        .order((
            api_keys::id.asc(),
            users::name.nullable().asc(),
            users::id.nullable().asc(),
        ))
        .select((
            api_keys::key_hash,
            KeyGate::as_select(),
            (
                workspaces::id,
                workspaces::name,
                workspaces::created_at,
                Option::<TeamMember>::as_select(),
            ),
        ))
        .into_boxed();
    for hash in rest {
        query = query.or_filter(api_keys::key_hash.eq(*hash));
    }
    let rows: Vec<(Vec<u8>, KeyGate, TeamRow)> = query.load(c)?;
    // Each key's rows are together (ordered by key first): one team per run of rows.
    let mut found: Vec<(Vec<u8>, KeyGate, Vec<TeamRow>)> = Vec::new();
    for (hash, key, row) in rows {
        match found.last_mut() {
            Some((last, _, team)) if *last == hash => team.push(row),
            _ => found.push((hash, key, vec![row])),
        }
    }
    Ok(found
        .into_iter()
        .filter_map(|(hash, key, rows)| Some((hash, key, Team::gather(rows)?)))
        .collect())
}

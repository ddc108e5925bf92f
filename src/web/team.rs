//! Settings → Team (admins): the page listing members, access requests and pending
//! invitations. What an admin does to a member lives in `team_members`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::models::access_request;
use crate::models::api_key;
use crate::models::invitation;
use crate::models::user::{self, User};
use crate::templates::{PageContext, SettingsTab, render_with_status};
use crate::web::form::FieldErrors;
use crate::web::team_requests::{DeclineTyped, RequestRow, request_rows};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings/team", web::get().to(team_page))
        .configure(crate::web::team_members::routes)
        .configure(crate::web::team_requests::routes);
}

/// "Invite member": no password is ever chosen for someone else.
#[derive(Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) api_access: bool,
}

#[derive(Template)]
#[template(path = "settings/team.html")]
struct TeamTemplate<'a> {
    ctx: PageContext,
    me: i32,
    members: Vec<User>,
    /// Members who created keys that still exist: removing them asks about the keys.
    with_keys: Vec<i32>,
    requests: Vec<RequestRow>,
    invitations: Vec<InvitationRow>,
    /// A refused "Decline", shown again beside its request with what was typed.
    decline: Option<DeclineTyped>,
    form: &'a MemberForm,
    errors: FieldErrors,
    action_error: Option<String>,
    /// "Require two-factor authentication" is on for the workspace.
    require_two_factor: bool,
}

/// A pending invitation as the Team page lists it.
struct InvitationRow {
    id: i32,
    email: String,
    role: &'static str,
    api_access: bool,
    invited_by: String,
    expires: String,
    expires_exact: String,
    /// Its inviter is no longer an admin here, so its link grants nothing.
    void: bool,
}

impl TeamTemplate<'_> {
    fn has_keys(&self, member_id: &i32) -> bool {
        self.with_keys.contains(member_id)
    }

    /// The refused "Decline" of request `id`, if that is the one being shown again.
    fn decline_for(&self, id: &i32) -> Option<&DeclineTyped> {
        self.decline.as_ref().filter(|d| d.id == *id)
    }
}

pub(crate) async fn render_team(
    state: &AppState,
    viewer: &Viewer,
    form: &MemberForm,
    errors: FieldErrors,
    action_error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_team_with(state, viewer, form, errors, action_error, None, status).await
}

/// The Team page, with a refused "Decline" form shown again if there is one.
pub(crate) async fn render_team_with(
    state: &AppState,
    viewer: &Viewer,
    form: &MemberForm,
    errors: FieldErrors,
    action_error: Option<String>,
    decline: Option<DeclineTyped>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let workspace_id = viewer.user.workspace_id;
    let now = crate::db::now();
    let (members, with_keys, pending, invited) = state
        .db(move |conn| {
            crate::db::read_snapshot(conn, |conn| {
                let members = user::list_in_workspace(conn, workspace_id)?;
                let with_keys = api_key::creators_in_workspace(conn, workspace_id)?;
                let pending = access_request::pending_in_workspace(conn, workspace_id)?;
                let invited = invitation::pending_in_workspace(conn, workspace_id, now)?;
                Ok((members, with_keys, pending, invited))
            })
        })
        .await?;
    let invitations = invited
        .into_iter()
        .map(|i| InvitationRow {
            void: !i
                .invited_by
                .is_some_and(|by| members.iter().any(|m| m.id == by && m.is_admin())),
            id: i.id,
            email: i.email,
            role: i.role.label(),
            api_access: i.api_access,
            invited_by: i.invited_by_name,
            expires: crate::format::relative(i.expires_at, now),
            expires_exact: crate::format::exact(i.expires_at),
        })
        .collect();
    let template = TeamTemplate {
        ctx: PageContext::new(viewer, "Team", SettingsTab::Team)?,
        me: viewer.user.id,
        members,
        with_keys,
        requests: request_rows(pending, now),
        invitations,
        decline,
        form,
        errors,
        action_error,
        require_two_factor: viewer.two_factor_required,
    };
    render_with_status(&template, status)
}

async fn team_page(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    render_team(
        &state,
        &viewer,
        &MemberForm::default(),
        FieldErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

//! "Disable" (after a confirmation) and "Enable": a key kept but refused meanwhile, the
//! safe way to learn whether anything still uses it before deleting it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{key_scope, visible_key};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::masked;
use crate::error::AppError;
use crate::models::api_key;
use crate::models::audit::{self, Action, key_label};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::permitted;

#[derive(Template)]
#[template(path = "keys/disable.html")]
struct DisableTemplate {
    ctx: PageContext,
    id: i32,
    name: String,
    masked: String,
}

pub async fn disable_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(&state, &viewer, id.into_inner()).await?;
    if key.disabled_at.is_some() {
        return Ok(see_other("/settings/integrations"));
    }
    render_with_status(
        &DisableTemplate {
            ctx: PageContext::new(&viewer, "Disable key", SettingsTab::Integrations)?,
            id: key.id,
            name: key.name,
            masked: masked(&key.last4),
        },
        StatusCode::OK,
    )
}

pub async fn disable_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let name = switch(&state, &viewer, id.into_inner(), true).await?;
    viewer.session.set_flash(format!(
        "Disabled \"{name}\". Integrations using it are refused until you enable it."
    ))?;
    Ok(see_other("/settings/integrations"))
}

pub async fn enable_key(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let name = switch(&state, &viewer, id.into_inner(), false).await?;
    viewer.session.set_flash(format!(
        "Enabled \"{name}\". Integrations using it work again."
    ))?;
    Ok(see_other("/settings/integrations"))
}

/// Disables or enables a key this person may manage, with its audit entry. A key
/// already in that state changes nothing and writes no entry.
async fn switch(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
    disable: bool,
) -> Result<String, AppError> {
    let scope = key_scope(viewer)?;
    let user_id = viewer.user.id;
    let actor = viewer.actor();
    let by = viewer.user.name.clone();
    state
        .db(move |conn| {
            Ok(permitted::keys(
                conn,
                scope.workspace_id,
                user_id,
                |conn, scope| -> Result<Option<String>, diesel::result::Error> {
                    let Some(key) = api_key::find_visible(conn, scope, id)? else {
                        return Ok(None);
                    };
                    let now = crate::db::now();
                    let change = disable.then_some((by.as_str(), now));
                    if api_key::set_disabled(conn, key.id, change)? == 1 {
                        let (action, detail) = if disable {
                            (
                                Action::KeyDisabled,
                                "Integrations using it are refused until it is enabled",
                            )
                        } else {
                            (Action::KeyEnabled, "Integrations using it work again")
                        };
                        audit::record(
                            conn,
                            &actor,
                            action,
                            &key_label(&key.name, &key.last4),
                            detail,
                        )?;
                    }
                    Ok(Some(key.name))
                },
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?
        .ok_or(AppError::NotFound)
}

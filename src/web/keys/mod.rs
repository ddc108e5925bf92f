//! Settings → Integrations: the API keys section and everything done to a key.

mod access;
mod check;
mod create;
mod disable;
mod list;
mod manage;
mod notice;
mod pager;
mod policy;
mod regenerate;
mod reveal;
mod rows;
mod sort;
mod usage_chart;

use actix_web::web;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::models::api_key::KeyScope;
use crate::web::confirm_access::{self as confirmed, describe};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/settings/integrations",
        web::get().to(list::integrations_page),
    )
    .route(
        "/settings/integrations/keys/new",
        web::get().to(create::new_key_page),
    )
    .service(confirmed::post(
        "/settings/integrations/keys",
        describe::generate_key,
        web::post().to(create::create_key),
    ))
    .route(
        "/settings/integrations/keys/{id}/rename",
        web::get().to(manage::rename_page),
    )
    .route(
        "/settings/integrations/keys/{id}/rename",
        web::post().to(manage::rename_key),
    )
    .route(
        "/settings/integrations/keys/{id}/access",
        web::get().to(access::access_page),
    )
    .service(confirmed::post(
        "/settings/integrations/keys/{id}/access",
        describe::change_key_access,
        web::post().to(access::change_access),
    ))
    .route(
        "/settings/integrations/keys/{id}/disable",
        web::get().to(disable::disable_page),
    )
    .service(confirmed::post(
        "/settings/integrations/keys/{id}/disable",
        describe::disable_key,
        web::post().to(disable::disable_key),
    ))
    .service(confirmed::post(
        "/settings/integrations/keys/{id}/enable",
        describe::enable_key,
        web::post().to(disable::enable_key),
    ))
    .route(
        "/settings/integrations/keys/{id}/delete",
        web::get().to(manage::delete_page),
    )
    .service(confirmed::post(
        "/settings/integrations/keys/{id}/delete",
        describe::delete_key,
        web::post().to(manage::delete_key),
    ))
    .route(
        "/settings/integrations/keys/{id}/regenerate",
        web::get().to(regenerate::regenerate_page),
    )
    .service(confirmed::post(
        "/settings/integrations/keys/{id}/regenerate",
        describe::regenerate_key,
        web::post().to(regenerate::regenerate_key),
    ))
    .route(
        "/settings/integrations/policy",
        web::get().to(policy::policy_page),
    )
    .service(confirmed::post(
        "/settings/integrations/policy",
        describe::save_key_policy,
        web::post().to(policy::save_policy),
    ))
    .route(
        "/settings/integrations/access-request",
        web::post().to(notice::ask_for_access),
    )
    .route(
        "/settings/integrations/check",
        web::get().to(check::check_page),
    )
    .route(
        "/settings/integrations/check",
        web::post().to(check::check_key),
    );
}

/// A key this person may manage; any other id is not found.
async fn visible_key(
    state: &AppState,
    viewer: &Viewer,
    id: i32,
) -> Result<crate::models::api_key::ApiKey, AppError> {
    let scope = key_scope(viewer)?;
    state
        .db(move |conn| Ok(crate::models::api_key::find_visible(conn, scope, id)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// The keys this person may manage; 403 for members without API access.
fn key_scope(viewer: &Viewer) -> Result<KeyScope, AppError> {
    if !viewer.user.can_use_api_keys() {
        return Err(AppError::Forbidden);
    }
    Ok(KeyScope {
        workspace_id: viewer.user.workspace_id,
        only_created_by: (!viewer.user.is_admin()).then_some(viewer.user.id),
    })
}

//! Settings → Integrations: the API keys section, or the permission notice.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::Viewer;
use crate::error::AppError;
use crate::models::user::{self, User};
use crate::startup::AppState;
use crate::templates::{PageContext, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/settings",
        web::get().to(|| async { see_other("/settings/integrations") }),
    )
    .route("/settings/integrations", web::get().to(integrations_page));
}

#[derive(Template)]
#[template(path = "settings/integrations.html")]
struct IntegrationsTemplate {
    ctx: PageContext,
    admins: Vec<User>,
}

async fn integrations_page(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let admins = if viewer.user.can_use_api_keys() {
        Vec::new()
    } else {
        let workspace_id = viewer.user.workspace_id;
        state
            .db(move |conn| Ok(user::admins_of(conn, workspace_id)?))
            .await?
    };
    let template = IntegrationsTemplate {
        ctx: PageContext::new(&viewer, "Integrations", "integrations")?,
        admins,
    };
    render(&template)
}

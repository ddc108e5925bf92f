//! A key's access on the forms ("Generate" and "Edit access"), and "Edit access" itself:
//! change what a key may do; effective on its next request, audited with before and after.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{key_scope, visible_key};
use crate::app::AppState;
use crate::auth::Viewer;
use crate::domain::api_key::masked;
use crate::domain::key_access::KeyAccess;
use crate::domain::scopes::{Level, Resource, Scopes};
use crate::error::AppError;
use crate::models::api_key::{self, ApiKey};
use crate::models::audit::{self, Action, key_label};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::permitted;
use crate::web::form::FieldErrors;

/// One radio of a resource's choice.
pub struct LevelOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One resource's fieldset under "Custom": its legend, radios and message.
pub struct ResourceChoice {
    pub label: &'static str,
    pub field: &'static str,
    pub options: Vec<LevelOption>,
    pub error: Option<String>,
}

/// The fieldsets for every resource, with what was typed (`fields`) checked; a value the
/// form does not offer leaves the resource's radios unchecked, and its message beside it.
pub fn resource_choices(
    fields: &BTreeMap<String, String>,
    errors: &FieldErrors,
) -> Vec<ResourceChoice> {
    Resource::ALL
        .into_iter()
        .map(|resource| {
            let chosen = fields
                .get(resource.field())
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .unwrap_or("none");
            ResourceChoice {
                label: resource.label(),
                field: resource.field(),
                options: Level::ALL
                    .into_iter()
                    .map(|level| LevelOption {
                        value: level.as_str(),
                        label: level.label(),
                        checked: level.as_str() == chosen,
                    })
                    .collect(),
                error: errors.get(resource.field()).map(str::to_string),
            }
        })
        .collect()
}

/// The form fields that show `access`: the access choice, and each resource's level.
pub fn fields_of(access: Scopes) -> (String, BTreeMap<String, String>) {
    let levels = match access {
        Scopes::Custom(_) => Resource::ALL
            .into_iter()
            .map(|r| (r.field().to_string(), access.level(r).as_str().to_string()))
            .collect(),
        _ => BTreeMap::new(),
    };
    (access.access_value().to_string(), levels)
}

/// The key's access from the submitted fields (the access choice, the levels and the
/// "Verify keys" box), or the messages beside the fields at fault.
pub fn parse_access(
    access: &str,
    fields: &BTreeMap<String, String>,
    verify_keys: &str,
    errors: &mut FieldErrors,
) -> Option<KeyAccess> {
    let verify_keys = errors.check(
        KeyAccess::VERIFY_FIELD,
        KeyAccess::parse_verify(verify_keys),
    );
    let parsed = Scopes::parse(access, fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    match KeyAccess::from_choices(parsed, verify_keys.unwrap_or(false)) {
        Ok(access) => verify_keys.map(|_| access),
        Err(e) => {
            errors.add(e.field(), e.to_string());
            None
        }
    }
}

#[derive(Default, Deserialize)]
pub struct AccessForm {
    #[serde(default)]
    access: String,
    /// The "Verify keys" checkbox: "on" when ticked, absent otherwise.
    #[serde(default)]
    verify_keys: String,
    /// `scope_<resource>` levels (and any other field, such as the CSRF token).
    #[serde(flatten)]
    levels: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "keys/access.html")]
struct AccessTemplate<'a> {
    ctx: PageContext,
    id: i32,
    name: &'a str,
    masked: String,
    current: String,
    access: &'a str,
    verify_keys: bool,
    choices: Vec<ResourceChoice>,
    errors: FieldErrors,
}

fn render_access(
    viewer: &Viewer,
    key: &ApiKey,
    form: &AccessForm,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with_status(
        &AccessTemplate {
            ctx: PageContext::new(viewer, "Edit access", SettingsTab::Integrations)?,
            id: key.id,
            name: &key.name,
            masked: masked(&key.last4),
            current: key.grants().describe(),
            access: &form.access,
            verify_keys: KeyAccess::parse_verify(&form.verify_keys).unwrap_or(false),
            choices: resource_choices(&form.levels, &errors),
            errors,
        },
        status,
    )
}

pub async fn access_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(&state, &viewer, id.into_inner()).await?;
    let (access, levels) = fields_of(key.access());
    let verify_keys = if key.verify_keys { "on" } else { "" }.to_string();
    let form = AccessForm {
        access,
        verify_keys,
        levels,
    };
    render_access(&viewer, &key, &form, FieldErrors::default(), StatusCode::OK)
}

/// What "Save access" did.
enum Changed {
    /// The key is gone, or was never this person's to manage.
    NotFound,
    /// The access chosen is the one the key has: no write, no audit entry.
    Nothing,
    Access {
        name: String,
    },
}

pub async fn change_access(
    state: web::Data<AppState>,
    viewer: Viewer,
    id: web::Path<i32>,
    web::Form(form): web::Form<AccessForm>,
) -> Result<HttpResponse, AppError> {
    let key = visible_key(&state, &viewer, id.into_inner()).await?;
    let mut errors = FieldErrors::default();
    let Some(access) = parse_access(&form.access, &form.levels, &form.verify_keys, &mut errors)
    else {
        return render_access(
            &viewer,
            &key,
            &form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let scope = key_scope(&viewer)?;
    let user_id = viewer.user.id;
    let actor = viewer.actor();
    let key_id = key.id;
    let outcome = state
        .db(move |conn| {
            Ok(permitted::keys(
                conn,
                scope.workspace_id,
                user_id,
                |conn, scope| -> Result<Changed, diesel::result::Error> {
                    let Some(key) = api_key::find_visible(conn, scope, key_id)? else {
                        return Ok(Changed::NotFound);
                    };
                    let before = key.grants();
                    if before == access {
                        return Ok(Changed::Nothing);
                    }
                    api_key::set_access(conn, key.id, access)?;
                    audit::record(
                        conn,
                        &actor,
                        Action::KeyAccessChanged,
                        &key_label(&key.name, &key.last4),
                        &format!(
                            "Before: {}. After: {}.",
                            before.describe(),
                            access.describe()
                        ),
                    )?;
                    Ok(Changed::Access { name: key.name })
                },
            )?)
        })
        .await?
        .ok_or(AppError::Forbidden)?;
    match outcome {
        Changed::NotFound => return Err(AppError::NotFound),
        Changed::Nothing => {}
        Changed::Access { name } => viewer.session.set_flash(format!(
            "Changed the access of \"{name}\" to \"{}\". It applies from the key's next request.",
            access.describe()
        ))?,
    }
    Ok(see_other("/settings/integrations"))
}

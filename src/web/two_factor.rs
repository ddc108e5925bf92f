//! "Two-factor authentication" (`/account/two-factor`): set up with a QR code and a
//! confirming code, recovery codes shown once, regenerate them, turn it off.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, RETRY_AFTER};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Viewer;
use crate::auth::session::PendingTotpSetup;
use crate::domain::totp::{self, TotpSecret};
use crate::error::AppError;
use crate::models::{recovery_code, user};
use crate::templates::{PageContext, SettingsTab, render_with_status, see_other};
use crate::use_cases::two_factor::{self as use_case, Enabled};
use crate::web::confirm_access::{self as confirmed, describe};
use crate::web::form::FieldErrors;

pub const PATH: &str = "/account/two-factor";
/// "Set up": the QR code, the secret, and the "Authentication code" that confirms them.
const SETUP_PATH: &str = "/account/two-factor/setup";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(PATH, web::get().to(page))
        .service(confirmed::get(
            SETUP_PATH,
            describe::open_two_factor_setup,
            web::get().to(setup_page),
        ))
        .service(confirmed::post(
            "/account/two-factor/enable",
            describe::turn_on_two_factor,
            web::post().to(enable),
        ))
        .service(confirmed::post(
            "/account/two-factor/recovery-codes",
            describe::new_recovery_codes,
            web::post().to(regenerate),
        ))
        // Turning it off asks for the password and a code in its own form.
        .route("/account/two-factor/disable", web::post().to(disable))
        .service(confirmed::post(
            "/settings/team/two-factor",
            describe::require_two_factor,
            web::post().to(set_two_factor_requirement),
        ));
}

const TITLE: &str = "Two-factor authentication";

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorTemplate {
    ctx: PageContext,
    enabled: bool,
    /// Showing the QR code and the confirming field (while off).
    setting_up: bool,
    /// The workspace requires it and it is not on yet: nothing else is reachable.
    required: bool,
    /// While off: the QR code (inline SVG) and the secret, grouped for typing.
    qr_svg: String,
    secret: String,
    recovery_left: i64,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryCodesTemplate {
    ctx: PageContext,
    codes: Vec<String>,
    fresh_setup: bool,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn page(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    render_page(
        &state,
        &viewer,
        false,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn setup_page(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    render_page(
        &state,
        &viewer,
        true,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The secret this session is setting up, created on first view; a new one once
/// two-factor authentication was turned on or off since (`changes` is the count now).
fn pending_secret(viewer: &Viewer, changes: i32) -> Result<TotpSecret, AppError> {
    if let Some(secret) = viewer
        .session
        .pending_totp_setup()
        .filter(|p| p.shown_at_change == changes)
        .and_then(|p| TotpSecret::from_stored(&p.secret))
    {
        return Ok(secret);
    }
    let secret = TotpSecret::generate();
    viewer.session.set_pending_totp_setup(&PendingTotpSetup {
        secret: secret.as_base32().to_string(),
        shown_at_change: changes,
    })?;
    Ok(secret)
}

async fn render_page(
    state: &AppState,
    viewer: &Viewer,
    setting_up: bool,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let user_id = viewer.user.id;
    let (enabled, recovery_left, changes) = state
        .db(move |conn| {
            let enabled = user::two_factor(conn, user_id)?.is_some();
            let left = recovery_code::count_unused(conn, user_id)?;
            Ok((enabled, left, user::totp_changes(conn, user_id)?))
        })
        .await?;
    let setting_up = setting_up && !enabled;
    let (qr_svg, secret) = if !setting_up {
        (String::new(), String::new())
    } else {
        let secret = pending_secret(viewer, changes)?;
        let svg = secret
            .qr_svg(&viewer.user.email)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("QR code")))?;
        (svg, secret.grouped())
    };
    let template = TwoFactorTemplate {
        ctx: PageContext::new(viewer, TITLE, SettingsTab::Account)?,
        enabled,
        setting_up,
        required: viewer.two_factor_required && !enabled,
        qr_svg,
        secret,
        recovery_left,
        errors,
    };
    no_store(render_with_status(&template, status)?)
}

/// Pages that show a secret or recovery codes are never cached.
fn no_store(mut response: HttpResponse) -> Result<HttpResponse, AppError> {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn render_codes(
    viewer: &Viewer,
    codes: Vec<String>,
    fresh_setup: bool,
) -> Result<HttpResponse, AppError> {
    let template = RecoveryCodesTemplate {
        ctx: PageContext::new(viewer, "Recovery codes", SettingsTab::Account)?,
        codes,
        fresh_setup,
    };
    no_store(render_with_status(&template, StatusCode::OK)?)
}

async fn enable(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some((pending, secret)) = viewer.session.pending_totp_setup().and_then(|p| {
        let secret = TotpSecret::from_stored(&p.secret)?;
        Some((p, secret))
    }) else {
        return Ok(see_other(SETUP_PATH));
    };
    let mut errors = FieldErrors::default();
    let Some(step) = secret.verify(&form.code, totp::unix_now()) else {
        let message = if form.code.trim().is_empty() {
            "Enter the 6-digit code your authenticator app shows."
        } else {
            "That code is not right. Check that the app was set up with this QR code or secret, and that your device's clock is correct."
        };
        errors.add("code", message);
        return render_page(
            &state,
            &viewer,
            true,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let codes = totp::new_recovery_codes();
    let actor = viewer.actor();
    let user_id = viewer.user.id;
    let (stored_secret, stored_codes) = (secret.clone(), codes.clone());
    let shown_at_change = pending.shown_at_change;
    let outcome = state
        .db(move |conn| {
            Ok(use_case::enable(
                conn,
                &actor,
                user_id,
                &stored_secret,
                step,
                &stored_codes,
                shown_at_change,
            )?)
        })
        .await?;
    viewer.session.clear_pending_totp_setup();
    match outcome {
        Enabled::TurnedOn => render_codes(&viewer, codes, true),
        Enabled::AlreadyOn => {
            errors.add(
                "form",
                "Two-factor authentication is already on: it was turned on in another session. Nothing was changed; the authenticator app and recovery codes set up there keep working.",
            );
            render_page(&state, &viewer, false, errors, StatusCode::CONFLICT).await
        }
        Enabled::ChangedSinceShown => {
            errors.add(
                "code",
                "Two-factor authentication was turned on or off in another session since this QR code was shown, so it no longer works. Scan this new QR code (or type its secret), then enter the code the app shows.",
            );
            render_page(&state, &viewer, true, errors, StatusCode::CONFLICT).await
        }
    }
}

/// New recovery codes, under confirmed access (password and code within the window).
async fn regenerate(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    let codes = totp::new_recovery_codes();
    let actor = viewer.actor();
    let user_id = viewer.user.id;
    let stored = codes.clone();
    let replaced = state
        .db(move |conn| {
            Ok(use_case::regenerate_recovery_codes(
                conn, &actor, user_id, &stored,
            )?)
        })
        .await?;
    if !replaced {
        return Ok(see_other(PATH));
    }
    render_codes(&viewer, codes, false)
}

/// "Turn off": the password and a code, checked and throttled as on "Confirm access".
async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<DisableForm>,
) -> Result<HttpResponse, AppError> {
    let user_id = viewer.user.id;
    let attempt = confirmed::Attempt::of(&req);
    let checked = confirmed::check(&state, user_id, attempt, form.password, form.code).await?;
    if let confirmed::Checked::Refused {
        errors,
        retry_after,
        status,
    } = checked
    {
        let mut shown = FieldErrors::default();
        if let Some(message) = errors.get("form").or(errors.get("confirm_password")) {
            shown.add("disable_password", message);
        }
        if let Some(message) = errors.get("confirm_code") {
            shown.add("disable_code", message);
        }
        let status = if status == StatusCode::TOO_MANY_REQUESTS {
            status
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let mut response = render_page(&state, &viewer, false, shown, status).await?;
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        return Ok(response);
    }
    let actor = viewer.actor();
    state
        .db(move |conn| Ok(use_case::disable(conn, &actor, user_id)?))
        .await?;
    viewer
        .session
        .set_flash("Two-factor authentication is off.")?;
    Ok(see_other(PATH))
}

#[derive(Deserialize)]
pub struct RequirementForm {
    #[serde(default)]
    require: bool,
}

/// "Require two-factor authentication" for every member of the workspace (audited).
async fn set_two_factor_requirement(
    state: web::Data<AppState>,
    viewer: Viewer,
    web::Form(form): web::Form<RequirementForm>,
) -> Result<HttpResponse, AppError> {
    viewer.require_admin()?;
    let actor = viewer.actor();
    let on = form.require;
    state
        .db(move |conn| Ok(use_case::set_requirement(conn, &actor, on)?))
        .await?
        .ok_or(AppError::Forbidden)?;
    viewer.session.set_flash(if on {
        "Two-factor authentication is now required for everyone in the workspace."
    } else {
        "Two-factor authentication is no longer required."
    })?;
    Ok(see_other("/settings/team"))
}

//! "Key policy": the admins' page (audited, bad input refused beside its field), the
//! lifetime enforced on Generate and Regenerate, the required note on Generate and Rename,
//! and existing keys beyond the lifetime flagged (time driven through the database, never
//! by sleeping). The job that disables unused keys is in `keys_policy_job`.

use diesel::prelude::*;
use keydesk::db::schema::api_keys;
use reqwest::StatusCode;
use time::{Duration, PrimitiveDateTime};

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(
    the_key_policy_page_is_for_admins_and_saving_it_is_audited,
    a_policy_outside_the_choices_is_refused_beside_its_field_and_nothing_typed_is_lost,
    generate_requires_an_expiry_within_the_lifetime_in_the_form_and_on_direct_posts,
    regenerate_gives_a_key_beyond_the_lifetime_an_expiry_within_it,
    a_note_is_required_on_generate_and_rename_when_the_policy_says_so,
);

const POLICY: &str = "/settings/integrations/policy";

/// Saves the policy through its page as the logged-in admin; answers 303.
/// Requests: `GET /settings/integrations/policy`, `POST /settings/integrations/policy`.
pub(crate) async fn save_policy(app: &TestApp, lifetime: &str, unused: &str, require_note: bool) {
    let page = app.get_html(POLICY).await;
    let mut fields = vec![("max_lifetime", lifetime), ("disable_unused", unused)];
    if require_note {
        fields.push(("require_note", "true"));
    }
    let response = app.submit(&page, POLICY, &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "saving the policy"
    );
}

/// Sets a key's timestamps as if time had passed.
pub(crate) fn age_key(
    app: &TestApp,
    id: i32,
    created: PrimitiveDateTime,
    last_used: Option<PrimitiveDateTime>,
) {
    let mut conn = app.db_conn();
    diesel::update(api_keys::table.find(id))
        .set((
            api_keys::created_at.eq(created),
            api_keys::last_used_at.eq(last_used),
        ))
        .execute(&mut *conn)
        .unwrap();
}

pub(crate) fn run_job(app: &TestApp) -> usize {
    let mut conn = app.db_conn();
    keydesk::use_cases::key_policy::disable_unused(&mut conn, keydesk::db::now()).unwrap()
}

pub(crate) fn disabled_ids(app: &TestApp) -> Vec<i32> {
    let mut conn = app.db_conn();
    api_keys::table
        .filter(api_keys::disabled_at.is_not_null())
        .order(api_keys::id)
        .select(api_keys::id)
        .load(&mut *conn)
        .unwrap()
}

/// The `<option>` values of the select named `name` on `html`, and the selected one.
fn options(html: &str, name: &str) -> (Vec<String>, Option<String>) {
    let start = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no select {name}"));
    let end = start + html[start..].find("</select>").unwrap();
    let mut values = Vec::new();
    let mut selected = None;
    for part in html[start..end].split("<option value=\"").skip(1) {
        let value = part[..part.find('"').unwrap()].to_string();
        if part[..part.find('>').unwrap()].contains("selected") {
            selected = Some(value.clone());
        }
        values.push(value);
    }
    (values, selected)
}

async fn the_key_policy_page_is_for_admins_and_saving_it_is_audited(app: TestApp) {
    app.set_up().await;
    let list = app.get_html("/settings/integrations").await;
    assert!(list.contains(&format!("href=\"{POLICY}\">Key policy</a>")));
    let page = app.get_html(POLICY).await;
    for label in [
        "Maximum key lifetime",
        "Disable keys unused for",
        "Require a note on every key",
        "Save policy",
    ] {
        assert!(page.contains(label), "{label}");
    }
    assert_eq!(options(&page, "max_lifetime").1.as_deref(), Some("none"));
    assert_eq!(options(&page, "disable_unused").1.as_deref(), Some("off"));

    app.add_member("Carol Keys", "carol@example.com", "member", true)
        .await;
    let carol = app.log_in_as("carol@example.com").await;
    let her_list = carol.get_html("/settings/integrations").await;
    assert!(her_list.contains(">Generate</a>"), "she sees her keys");
    assert!(!her_list.contains(">Key policy</a>"), "but no policy link");
    assert_not_allowed(carol.get(POLICY).await, "a member opens the policy").await;
    let refused = carol
        .submit(
            &her_list,
            POLICY,
            &[("max_lifetime", "none"), ("disable_unused", "off")],
        )
        .await;
    assert_not_allowed(refused, "a member posts a policy").await;

    let forged = app
        .client
        .post(app.url(POLICY))
        .form(&[("max_lifetime", "30"), ("disable_unused", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");
    assert!(forged.text().await.unwrap().contains("Form expired"));
    let page = app.get_html(POLICY).await;
    assert_eq!(options(&page, "max_lifetime").1.as_deref(), Some("none"));

    save_policy(&app, "90", "30", true).await;
    let page = app.get_html(POLICY).await;
    assert_eq!(flash(&page).as_deref(), Some("Key policy saved."));
    assert_eq!(options(&page, "max_lifetime").1.as_deref(), Some("90"));
    assert_eq!(options(&page, "disable_unused").1.as_deref(), Some("30"));
    assert!(
        page.contains("value=\"true\" checked"),
        "the box stays ticked"
    );
    assert!(page.contains(&format!("Last changed by {ADMIN_NAME} on ")));

    save_policy(&app, "90", "off", true).await;
    let audit = html_unescape(&app.get_html("/settings/audit").await);
    assert_eq!(audit.matches("Key policy changed").count(), 2);
    assert!(audit.contains(
        "Maximum key lifetime: No limit → 90 days; Disable keys unused for: Off → 30 days; Require a note on every key: No → Yes"
    ));
    assert!(audit.contains("Disable keys unused for: 30 days → Off"));
    assert!(!audit.contains("Maximum key lifetime: 90 days → 90 days"));
}

async fn a_policy_outside_the_choices_is_refused_beside_its_field_and_nothing_typed_is_lost(
    app: TestApp,
) {
    app.set_up().await;
    let page = app.get_html(POLICY).await;
    let response = app
        .submit(
            &page,
            POLICY,
            &[
                ("max_lifetime", "60"),
                ("disable_unused", "90"),
                ("require_note", "true"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&response.text().await.unwrap());
    assert!(html.contains(
        "<p class=\"field-error\" id=\"policy-lifetime-error\">Choose a maximum key lifetime from the list: no limit, 30, 90, 180 or 365 days.</p>"
    ));
    assert_eq!(
        options(&html, "disable_unused").1.as_deref(),
        Some("90"),
        "kept"
    );
    assert!(html.contains("value=\"true\" checked"), "kept");

    let response = app
        .submit(
            &page,
            POLICY,
            &[("max_lifetime", "365"), ("disable_unused", "7")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"policy-unused-error\">Choose when unused keys are disabled"));
    assert_eq!(options(&html, "max_lifetime").1.as_deref(), Some("365"));

    // Nothing was stored or audited.
    let page = app.get_html(POLICY).await;
    assert_eq!(options(&page, "max_lifetime").1.as_deref(), Some("none"));
    assert!(
        !app.get_html("/settings/audit")
            .await
            .contains("Key policy changed")
    );
}

async fn generate_requires_an_expiry_within_the_lifetime_in_the_form_and_on_direct_posts(
    app: TestApp,
) {
    app.set_up().await;
    save_policy(&app, "90", "off", false).await;
    let rule = "Your workspace's key policy requires keys to expire within 90 days.";

    let form = app.get_html("/settings/integrations/keys/new").await;
    assert!(html_unescape(&form).contains(rule), "said up front");
    let (values, selected) = options(&form, "expiry");
    assert_eq!(
        values,
        ["30", "60", "90"],
        "Never and 1 year are not offered"
    );
    assert_eq!(selected.as_deref(), Some("90"));

    for refused in ["never", "365"] {
        let response = app
            .submit(
                &form,
                "/settings/integrations/keys",
                &[
                    ("name", "Forever"),
                    ("note", "Clay table"),
                    ("expiry", refused),
                    ("form_token", &form_token(&form)),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{refused}"
        );
        let html = html_unescape(&response.text().await.unwrap());
        assert!(
            html.contains(&format!(
                "<p class=\"field-error\" id=\"key-expiry-error\">{rule}</p>"
            )),
            "{refused}: beside the expiry field"
        );
        assert!(html.contains("value=\"Forever\"") && html.contains("value=\"Clay table\""));
    }
    assert_eq!(
        listed_keys(&app.get_html("/settings/integrations").await).len(),
        0
    );

    app.create_key_with("Quarterly", &[("expiry", "90")]).await;
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(listed_keys(&list), ["Quarterly"]);
    assert!(!list.contains(">Beyond policy<"));

    // With 365 days, the year is allowed again.
    save_policy(&app, "365", "off", false).await;
    let form = app.get_html("/settings/integrations/keys/new").await;
    assert_eq!(options(&form, "expiry").0, ["30", "60", "90", "365"]);
}

async fn regenerate_gives_a_key_beyond_the_lifetime_an_expiry_within_it(app: TestApp) {
    app.set_up().await;
    let old = app.create_key("Old").await;
    let id = app.key_id("Old").await;
    let regenerate = format!("/settings/integrations/keys/{id}/regenerate");
    let page = app.get_html(&regenerate).await;
    assert!(
        !page.contains("name=\"expiry\""),
        "no policy, no expiry choice"
    );

    save_policy(&app, "30", "off", false).await;
    let list = html_unescape(&app.get_html("/settings/integrations").await);
    assert!(
        list.contains(">Beyond policy<"),
        "a key that never expires is flagged"
    );
    assert!(list.contains("Never expires, but the key policy allows keys at most 30 days"));
    assert_eq!(
        app.team_status(&old).await,
        StatusCode::OK,
        "flagged, still working"
    );

    let page = app.get_html(&regenerate).await;
    assert_eq!(
        options(&page, "expiry"),
        (vec!["30".to_string()], Some("30".to_string()))
    );
    assert!(html_unescape(&page).contains("requires keys to expire within 30 days"));
    // An older form without the field, and a forged "never": both refused, nothing rotated.
    for fields in [vec![], vec![("expiry", "never")], vec![("expiry", "60")]] {
        let mut fields = fields;
        let token = form_token(&page);
        fields.push(("form_token", &token));
        let response = app.submit(&page, &regenerate, &fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        let html = html_unescape(&response.text().await.unwrap());
        assert!(html.contains(
            "id=\"key-expiry-error\">Your workspace's key policy requires keys to expire within 30 days."
        ));
    }
    assert_eq!(app.team_status(&old).await, StatusCode::OK, "not rotated");

    let token = form_token(&page);
    let response = app
        .submit(
            &page,
            &regenerate,
            &[("expiry", "30"), ("form_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let new = revealed_key(&response.text().await.unwrap());
    assert_eq!(app.team_status(&new).await, StatusCode::OK);
    let (days, expires, rotated): (
        Option<i32>,
        Option<PrimitiveDateTime>,
        Option<PrimitiveDateTime>,
    ) = {
        let mut conn = app.db_conn();
        api_keys::table
            .find(id)
            .select((
                api_keys::expires_in_days,
                api_keys::expires_at,
                api_keys::rotated_at,
            ))
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(days, Some(30));
    assert_eq!(expires, rotated.map(|t| t + Duration::days(30)));
    let list = app.get_html("/settings/integrations").await;
    assert!(!list.contains(">Beyond policy<"), "within the policy now");
    let audit = app.get_html("/settings/audit").await;
    assert!(audit.contains("now expires 30 days after regenerating"));
}

async fn a_note_is_required_on_generate_and_rename_when_the_policy_says_so(app: TestApp) {
    app.set_up().await;
    app.create_key("Before").await;
    save_policy(&app, "none", "off", true).await;
    let message =
        "Your workspace's key policy requires a note on every key: say where the key is used.";

    let form = app.get_html("/settings/integrations/keys/new").await;
    assert!(form.contains("required by the key policy"), "said up front");
    let response = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[
                ("name", "No note"),
                ("note", "   "),
                ("allowed_ips", "203.0.113.7"),
                ("form_token", &form_token(&form)),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&response.text().await.unwrap());
    assert!(html.contains(&format!(
        "<p class=\"field-error\" id=\"key-note-error\">{message}</p>"
    )));
    assert!(
        html.contains("value=\"No note\"") && html.contains("203.0.113.7"),
        "kept"
    );
    app.create_key_with("With note", &[("note", "Zapier zap 12")])
        .await;

    let id = app.key_id("Before").await;
    let rename = format!("/settings/integrations/keys/{id}/rename");
    let page = app.get_html(&rename).await;
    let response = app
        .submit(&page, &rename, &[("name", "Renamed"), ("note", "")])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = html_unescape(&response.text().await.unwrap());
    assert!(html.contains(&format!("id=\"key-note-error\">{message}</p>")));
    assert!(html.contains("value=\"Renamed\""), "kept");
    let response = app
        .submit(&page, &rename, &[("name", "Renamed"), ("note", "CRM sync")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(listed_keys(&list).len(), 2);
    assert!(list.contains("Renamed") && list.contains("CRM sync"));
}

//! Invisible formatting characters (a right-to-left override) cannot disguise a key's name.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(a_key_name_with_a_right_to_left_override_is_refused_beside_the_field_and_kept);

async fn a_key_name_with_a_right_to_left_override_is_refused_beside_the_field_and_kept(
    app: TestApp,
) {
    app.set_up().await;
    // Displays as "Stripeexe.png" while it is "Stripe", U+202E, "gnp.exe".
    let disguised = "Stripe\u{202E}gnp.exe";
    let form = app.get_html("/settings/integrations/keys/new").await;
    let token = form_token(&form);
    let response = app
        .submit(
            &form,
            "/settings/integrations/keys",
            &[
                ("name", disguised),
                ("note", "billing sync"),
                ("form_token", &token),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(
            "<p class=\"field-error\" id=\"key-name-error\">Remove the invisible character \
             U+202E (right-to-left override) at position 7.</p>"
        ),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"{disguised}\"")),
        "name kept"
    );
    assert!(html.contains("value=\"billing sync\""), "note kept");
    assert!(!html.contains("value=\"kd_"), "no key was made");
    let list = app.get_html("/settings/integrations").await;
    assert_eq!(list.matches("<tr id=\"key-").count(), 0, "no key exists");
}

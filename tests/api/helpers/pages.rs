//! Reading the server's answers: hidden fields, ids, flash messages and error pages.

use reqwest::{Response, StatusCode};

/// The value of the hidden `csrf_token` field in a page.
pub fn csrf_token(html: &str) -> String {
    hidden_field(html, "csrf_token").expect("the page has a CSRF token")
}

/// The hidden one-time `form_token` of a page.
pub fn form_token(html: &str) -> String {
    hidden_field(html, "form_token").expect("the page has a form token")
}

/// The setup code a setup page carries hidden (opened from the printed link), if any.
pub fn hidden_setup_code(html: &str) -> Option<String> {
    hidden_field(html, "setup_code")
        .filter(|_| html.contains("type=\"hidden\" name=\"setup_code\""))
}

fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// The `Location` header of a redirect ("" if there is none).
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The plaintext key shown on a reveal page.
pub fn revealed_key(html: &str) -> String {
    let marker = "value=\"kd_";
    let start = html.find(marker).expect("the page shows a key") + "value=\"".len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].to_string()
}

/// The path (`/invite/<token>`) of the link shown once on the invitation page.
pub fn invite_path_on(html: &str) -> String {
    let marker = "id=\"invite-link\"";
    let field = html.find(marker).expect("the page shows an invite link");
    let start = html[field..].find("value=\"").unwrap() + field + "value=\"".len();
    let end = html[start..].find('"').unwrap();
    let link = &html[start..start + end];
    let path = link.find("/invite/").expect("an /invite/ link");
    link[path..].to_string()
}

/// The id of a key by name on the Integrations page, from its `id="key-N"` row.
pub fn key_id_on(html: &str, name: &str) -> i32 {
    let at = html
        .find(&format!("<strong>{name}</strong>"))
        .unwrap_or_else(|| panic!("{name} is listed"));
    let marker = "id=\"key-";
    let start = html[..at].rfind(marker).unwrap() + marker.len();
    let end = html[start..].find('"').unwrap();
    html[start..start + end].parse().unwrap()
}

/// The names of the keys on the Integrations page, in the order of their rows.
pub fn listed_keys(html: &str) -> Vec<String> {
    html.split("<tr id=\"key-")
        .skip(1)
        .map(|row| {
            let start = row.find("<strong>").expect("a key row names its key") + "<strong>".len();
            let end = row[start..].find("</strong>").unwrap();
            row[start..start + end].to_string()
        })
        .collect()
}

/// The id of a member on the Team page (`id="member-N"`).
pub fn member_id_on(html: &str, email: &str) -> i32 {
    let cell = format!("<small class=\"muted\">{email}</small>");
    let at = html
        .find(&cell)
        .unwrap_or_else(|| panic!("{email} is on the Team page"));
    let before = &html[..at];
    let marker = "id=\"member-";
    let start = before.rfind(marker).unwrap() + marker.len();
    let end = before[start..].find('"').unwrap();
    before[start..start + end].parse().unwrap()
}

/// The flash message a page shows once after an action ("Saved …"), unescaped.
pub fn flash(html: &str) -> Option<String> {
    let marker = "<p class=\"flash\" role=\"status\">";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find("</p>")?;
    Some(html_unescape(&html[start..start + end]))
}

/// Text of an HTML page as written, entities decoded.
pub fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// Asserts that `response` is the permission page (403 "Not allowed"), not another 403
/// such as an expired form ("Form expired").
pub async fn assert_not_allowed(response: Response, what: &str) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<h1>Not allowed</h1>")
            && html
                .contains("Your account does not have permission for this. Ask a workspace admin."),
        "{what}: the permission page, not {html}"
    );
    assert!(!html.contains("Form expired"), "{what}");
}

//! No key reaches the real binary's log, whatever carries it: any query parameter, once
//! or twice percent-encoded, the path, a header, Basic auth, a login form, an error.

use reqwest::Method;

use crate::helpers::*;
use crate::on_both_databases;

on_both_databases!(in_a_child_process: a_key_sent_in_any_form_never_reaches_the_log);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_never_reaches_the_log_even_at_debug_level() {
    let app = spawn_binary_with(Backend::Sqlite, &[("RUST_LOG", "debug")])
        .await
        .expect("SQLite is always available");
    a_key_sent_in_any_form_never_reaches_the_log(app).await;
}

/// Every key-shaped token (`kd_` and 38 letters or digits), as the issue defines a leak.
fn leaked_keys(logs: &str) -> Vec<String> {
    regex::Regex::new("kd_[0-9A-Za-z]{38}")
        .unwrap()
        .find_iter(logs)
        .map(|m| m.as_str().to_string())
        .collect()
}

async fn a_key_sent_in_any_form_never_reaches_the_log(app: TestApp) {
    let key = app.set_up_with_key().await;
    let body = &key[3..];
    let api = |path: &str| app.api(Method::GET, path);

    // (request, what its access-log line says)
    let cases = [
        (
            api(&format!("/api/team?%61ccess_token={key}")),
            "target=/api/team?access_token=[redacted] status=200",
        ),
        (
            api(&format!("/api/team?access_token%20={key}")),
            "target=/api/team?access_token =[redacted] status=401",
        ),
        (
            api(&format!("/api/team?%2561ccess_token={key}")),
            "target=/api/team?access_token=[redacted] status=401",
        ),
        (
            api(&format!("/api/team?q=kd%255F{body}")),
            "target=/api/team?q=kd_[redacted] status=401",
        ),
        (
            api(&format!("/api/team?q=%6B%64%5F{body}")),
            "target=/api/team?q=kd_[redacted] status=401",
        ),
        (
            api(&format!("/api/{key}")),
            "target=/api/kd_[redacted] status=",
        ),
        (
            api(&format!("/api/kd%5F{body}")),
            "target=/api/kd_[redacted] status=",
        ),
        (
            api(&format!("/settings/{key}")),
            "target=/settings/kd_[redacted] status=",
        ),
        (
            api(&format!("/settings/audit?page={key}")),
            "target=/settings/audit?page=kd_[redacted] status=",
        ),
        (
            api("/api/team?case=header").header("X-Api-Key", &key),
            "target=/api/team?case=header status=401",
        ),
        (
            api("/api/team?case=garbled").header("Authorization", format!("Token {key}")),
            "target=/api/team?case=garbled status=401",
        ),
        (
            api("/api/team?case=basic-user").basic_auth(&key, None::<&str>),
            "target=/api/team?case=basic-user status=200",
        ),
    ];
    for (request, logged) in cases {
        request.send().await.unwrap();
        app.logs_containing(logged).await;
    }
    let refused = app.other_browser().log_in(&key, "not the password").await;
    assert!(refused.status().is_client_error(), "the key is no email");
    let logs = app
        .logs_containing("method=POST target=/login status=")
        .await;

    assert_eq!(leaked_keys(&logs), Vec::<String>::new(), "{logs}");
    assert!(
        !logs.contains(&body[..16]),
        "no part of the key is logged:\n{logs}"
    );
    assert_eq!(
        keydesk::redact::redact_keys(&logs),
        logs,
        "no percent-encoded key is logged"
    );
    // Each line: the request, its answer, the client and the time to the microsecond.
    let line = regex::Regex::new(
        r"(?m) request method=GET target=/api/team\?case=basic-user status=200 peer=127\.0\.0\.1 ms=\d+\.\d{3}$",
    )
    .unwrap();
    assert!(line.is_match(&logs), "{logs}");
}

on_both_databases!(in_a_child_process: invite_and_reset_tokens_never_reach_the_log);

/// The tokens of one-time links are secrets too: the access log prints `[redacted]`.
async fn invite_and_reset_tokens_never_reach_the_log(app: TestApp) {
    app.set_up().await;
    let invite = app.invite("bob@example.com", "member", false).await;
    let invite_token = invite.trim_start_matches("/invite/").to_string();
    let bob = app.other_browser();
    bob.get(&invite).await;
    bob.get(&format!("/invite/{}", &invite_token[..40])).await;
    bob.get(&format!("/reset/{invite_token}?again=1")).await;
    let logs = app
        .logs_containing("target=/reset/[redacted]?again=1 status=404")
        .await;
    assert!(
        logs.contains("target=/invite/[redacted] status=200"),
        "{logs}"
    );
    assert!(
        !logs.contains(&invite_token[..16]),
        "no part of the token is logged:\n{logs}"
    );
}

on_both_databases!(in_a_child_process: link_tokens_never_reach_the_log_under_any_path);

/// A token is masked by its shape (64 hex digits, or most of them), wherever a browser
/// or a tool puts it: another path, a doubled slash, another case, the query string.
async fn link_tokens_never_reach_the_log_under_any_path(app: TestApp) {
    app.set_up().await;
    let invite = app.invite("bob@example.com", "member", false).await;
    let token = invite.trim_start_matches("/invite/").to_string();
    let upper = token.to_uppercase();
    let bob = app.other_browser();
    // (what is sent, what its access-log line says)
    let cases = [
        (
            format!("/{token}"),
            "target=/[redacted] status=404".to_string(),
        ),
        (
            format!("/invite//{token}"),
            "target=/invite//[redacted] status=".into(),
        ),
        (
            format!("/Invite/{token}"),
            "target=/Invite/[redacted] status=404".into(),
        ),
        (
            format!("/RESET/{upper}"),
            "target=/RESET/[redacted] status=404".into(),
        ),
        (
            format!("/%49nvite/{token}?case=encoded"),
            "target=/Invite/[redacted]?case=encoded status=404".into(),
        ),
        (
            format!("/join/{}", &token[..40]),
            "target=/join/[redacted] status=404".into(),
        ),
        (
            format!("/login?next=/invite/{token}"),
            "target=/login?next=/invite/[redacted] status=".into(),
        ),
        (
            format!("/settings/integrations?t={token}"),
            "target=/settings/integrations?t=[redacted] status=".into(),
        ),
    ];
    for (path, logged) in &cases {
        bob.get(path).await;
        app.logs_containing(logged).await;
    }
    let logs = app.logs();
    for part in [&token[..16], &token[24..40], &token[48..], &upper[..16]] {
        assert!(
            !logs.contains(part),
            "no part of the token is logged:\n{logs}"
        );
    }
}

on_both_databases!(in_a_child_process: a_key_sent_for_verification_never_reaches_the_log);

/// `POST /api/keys/verify` carries a key in its body, valid or not, well-formed or not,
/// in the right field or not: none of it is logged, not even in a 400's message.
async fn a_key_sent_for_verification_never_reaches_the_log(app: TestApp) {
    app.set_up().await;
    let gateway = app
        .create_key_with("Gateway", &[("verify_keys", "true")])
        .await;
    let key = app.create_key("Verified").await;
    let mut typo = key.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    let bodies = [
        (format!("{{\"key\": \"{key}\"}}"), "status=200"),
        (format!("{{\"key\": \"{typo}\"}}"), "status=200"),
        (format!("{{\"key\": \"{}\"}}", &key[..30]), "status=200"),
        (format!("{{\"token\": \"{key}\"}}"), "status=400"),
        (
            format!("{{\"key\": \"{key}\", \"ip\": \"{key}\"}}"),
            "status=400",
        ),
        (format!("{{\"key\": \"{key}\""), "status=400"),
    ];
    for (i, (body, status)) in bodies.into_iter().enumerate() {
        let response = app
            .api(Method::POST, &format!("/api/keys/verify?case={i}"))
            .basic_auth("", Some(&gateway))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let logged = format!("target=/api/keys/verify?case={i} {status}");
        assert_eq!(
            response.status().as_u16().to_string(),
            status.trim_start_matches("status="),
            "{logged}"
        );
        app.logs_containing(&logged).await;
    }
    let logs = app.logs();
    assert_eq!(leaked_keys(&logs), Vec::<String>::new(), "{logs}");
    for secret in [&key, &typo, &gateway] {
        assert!(
            !logs.contains(&secret[3..19]),
            "no part of a key is logged:\n{logs}"
        );
    }
}

//! How the every-page check reaches each page (a plain address, or the clicks that lead
//! to a refusal, a reveal or a question), and the loop that checks each page in every
//! browser at both widths.

use fantoccini::Locator;

use super::actions::*;
use super::audit::Findings;
use super::session::{Browser, DESKTOP, PHONE};
use crate::helpers::*;

/// How a browser reaches a page.
pub(super) enum Visit<'a> {
    Get(String),
    /// Generate → a name (the theme's name appended) → Create Key: the reveal.
    CreateKey(&'a str),
    /// The key's Regenerate page → "Regenerate": the new secret.
    Regenerate(i32),
    /// Check a key, with this text pasted.
    Check(String),
    /// Integrations with the key list collapsed (opened again afterwards).
    Collapsed,
    /// Generate → "Custom" with every resource left at None → Create Key: the refusal.
    CustomRefused,
    /// Team → this member's "API access" switch: the question about the keys they created.
    AskAboutKeys(i32),
    /// Two-factor setup with a wrong code: the refusal beside the field.
    WrongTwoFactorCode,
    /// Two-factor setup (from scratch) for this person, confirmed: the recovery codes.
    TurnOnTwoFactor(&'a str),
    /// Logged out, then this person's password: the login's code step.
    LoginCode(&'a str, &'a str),
    /// Team → "Invite member" for `<name>-<theme>@example.com`: the link shown once.
    Invite(&'a str),
}

async fn visit(b: &Browser, app: &TestApp, how: &Visit<'_>) {
    match how {
        Visit::Get(path) => b.goto(&app.url(path)).await.unwrap(),
        Visit::CreateKey(name) => {
            b.goto(&app.url("/settings/integrations/keys/new"))
                .await
                .unwrap();
            fill(b, "#key-name", &format!("{name} {}", b.theme.name())).await;
            click_text(b, "Create Key").await;
            element(b, Locator::Css("#new-key")).await;
        }
        Visit::Regenerate(id) => {
            b.goto(&app.url(&format!("/settings/integrations/keys/{id}/regenerate")))
                .await
                .unwrap();
            click(b, "main form button[type='submit']").await;
            element(b, Locator::Css("#new-key")).await;
        }
        Visit::Check(text) => {
            b.goto(&app.url("/settings/integrations/check"))
                .await
                .unwrap();
            fill(b, "#check-key", text).await;
            click_text(b, "Check").await;
            element(b, Locator::Css("main [role='status']")).await;
        }
        Visit::CustomRefused => {
            b.goto(&app.url("/settings/integrations/keys/new"))
                .await
                .unwrap();
            fill(b, "#key-name", &format!("Nothing {}", b.theme.name())).await;
            click(b, "#access-custom").await;
            click_text(b, "Create Key").await;
            element(b, Locator::Css("#scopes-error")).await;
        }
        Visit::Collapsed => {
            b.goto(&app.url("/settings/integrations")).await.unwrap();
            click(b, "details.collapsible > summary").await;
            let list = element(b, Locator::Css("details.collapsible")).await;
            assert_eq!(list.attr("open").await.unwrap(), None, "the list collapses");
        }
        Visit::WrongTwoFactorCode => {
            b.goto(&app.url("/account/two-factor/setup")).await.unwrap();
            fill(b, "#code", "000000").await;
            click_text(b, "Turn on").await;
            element(b, Locator::Css("#code-error")).await;
        }
        Visit::TurnOnTwoFactor(email) => {
            crate::two_factor::reset_two_factor(app, email);
            b.goto(&app.url("/account/two-factor/setup")).await.unwrap();
            let secret = element(b, Locator::Css("#totp-secret"))
                .await
                .text()
                .await
                .unwrap();
            let code = crate::two_factor::code_at(&secret, crate::two_factor::unix_now());
            fill(b, "#code", &code).await;
            click_text(b, "Turn on").await;
            element(b, Locator::Css("#codes-title")).await;
        }
        Visit::LoginCode(email, password) => {
            b.delete_all_cookies().await.unwrap();
            b.goto(&app.url("/login")).await.unwrap();
            fill(b, "#email", email).await;
            fill(b, "#password", password).await;
            click_text(b, "Log in").await;
            element(b, Locator::Css("#code")).await;
        }
        Visit::Invite(name) => {
            b.goto(&app.url("/settings/team")).await.unwrap();
            fill(
                b,
                "#member-email",
                &format!("{name}-{}@example.com", b.theme.name()),
            )
            .await;
            click_text(b, "Invite member").await;
            element(b, Locator::Css("#invite-link")).await;
        }
        Visit::AskAboutKeys(member_id) => {
            b.goto(&app.url("/settings/team")).await.unwrap();
            click(b, &format!("#member-{member_id} button[role='switch']")).await;
            element(b, Locator::Css("#leaver-title")).await;
        }
    }
}

/// Shows each page in each browser, checks it at both widths, then goes back to desktop.
/// Page by page, so that what one browser creates appears in the next page, not this one.
pub(super) async fn check_pages(
    browsers: &[Browser],
    app: &TestApp,
    findings: &mut Findings,
    pages: &[(&str, Visit<'_>)],
) {
    for (label, how) in pages {
        for b in browsers {
            visit(b, app, how).await;
            for width in [DESKTOP, PHONE] {
                b.set_width(width).await;
                findings.check(b, label, width).await;
            }
            b.set_width(DESKTOP).await;
            if let Visit::Collapsed = how {
                // The list remembers being collapsed: open it for the pages after this one.
                click(b, "details.collapsible > summary").await;
            }
        }
    }
}

//! What a user does in the browser: find, fill, click, press keys, read the page.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::helpers::*;

/// Every lookup waits for its element: after a click the next page may still be loading.
pub async fn element(c: &Client, locator: Locator<'_>) -> Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("element {locator:?}: {e}"))
}

pub async fn fill(c: &Client, css: &str, text: &str) {
    let field = element(c, Locator::Css(css)).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

pub async fn click(c: &Client, css: &str) {
    element(c, Locator::Css(css))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// `text` as an XPath string literal, whichever quotes it contains.
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// The XPath of a link or button whose visible text is exactly `text`.
pub fn link_or_button(text: &str) -> String {
    format!(
        "//*[self::a or self::button][normalize-space(.)={}]",
        xpath_literal(text)
    )
}

pub async fn click_text(c: &Client, text: &str) {
    element(c, Locator::XPath(&link_or_button(text)))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {text:?}: {e}"));
}

/// Clicks the link or button named `text` inside `scope` (a key's row or card).
pub async fn click_text_in(scope: &Element, text: &str) {
    let xpath = format!(".{}", link_or_button(text));
    scope
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("{text:?} in its row: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the page shows `text`, then returns the page's text.
pub async fn wait_for_text(c: &Client, text: &str) -> String {
    let xpath = format!("//*[contains(normalize-space(.), {})]", xpath_literal(text));
    element(c, Locator::XPath(&xpath)).await;
    body_text(c).await
}

pub async fn body_text(c: &Client) -> String {
    element(c, Locator::Css("body")).await.text().await.unwrap()
}

/// The row (or phone card) of the key named `name` in the list.
pub async fn key_row(c: &Client, name: &str) -> Element {
    let xpath = format!(
        "//*[starts-with(@id, 'key-')][.//strong[normalize-space(.)={}]]",
        xpath_literal(name)
    );
    element(c, Locator::XPath(&xpath)).await
}

/// The names of the keys the list shows (visible rows only), in order.
pub async fn visible_key_names(c: &Client) -> Vec<String> {
    let rows = c
        .find_all(Locator::Css("[id^='key-'] strong:first-of-type"))
        .await
        .unwrap();
    let mut names = Vec::new();
    for row in rows {
        if row.is_displayed().await.unwrap() {
            names.push(row.text().await.unwrap());
        }
    }
    names
}

/// Logs in through the form (the browser must be logged out).
pub async fn log_in(c: &Client, app: &TestApp, email: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#email", email).await;
    fill(c, "#password", password).await;
    click_text(c, "Log in").await;
    element(c, Locator::Css("summary[aria-label*='Profile']")).await;
}

/// Presses one key in whatever element has the focus.
pub async fn press(c: &Client, key: Key) {
    let focused = c.active_element().await.unwrap();
    focused
        .send_keys(&char::from(key).to_string())
        .await
        .unwrap();
}

/// A short description of the focused element: tag, id, and its text or value.
pub async fn focused(c: &Client) -> String {
    c.execute(
        "const e = document.activeElement; \
         return e ? `${e.tagName.toLowerCase()}#${e.id} ${(e.innerText || e.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60)}` : 'none';",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap()
    .to_string()
}

/// Presses Tab until the focused element matches `css` (at most 60 times), as a keyboard
/// user would; fails with every element passed on the way.
pub async fn tab_to(c: &Client, css: &str) {
    tab_until(c, "document.activeElement.matches(arguments[0])", css).await;
}

/// Presses Tab until the focused element's visible text is `name`.
pub async fn tab_to_named(c: &Client, name: &str) {
    tab_until(
        c,
        "(document.activeElement.innerText || '').trim() === arguments[0]",
        name,
    )
    .await;
}

async fn tab_until(c: &Client, condition: &str, arg: &str) {
    let script = format!("return {condition};");
    let mut passed = Vec::new();
    for _ in 0..60 {
        press(c, Key::Tab).await;
        let here = c.execute(&script, vec![arg.into()]).await.unwrap();
        if here.as_bool() == Some(true) {
            return;
        }
        passed.push(focused(c).await);
    }
    panic!("Tab never reached {arg}; it went through {passed:#?}");
}

/// Waits up to 10 s until the page's address contains `fragment`.
pub async fn wait_for_address_containing(c: &Client, fragment: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = c.current_url().await.unwrap();
        if url.as_str().contains(fragment) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{url} never contained {fragment}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits up to 3 s until the element's text is `expected`.
pub async fn wait_for_element_text(e: &Element, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let text = e.text().await.unwrap();
        if text == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {expected:?}, the element says {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The relative luminance (0 black … 1 white) of the page's background colour.
pub async fn background_luminance(c: &Client) -> f64 {
    let rgb = c
        .execute(
            "for (const e of [document.body, document.documentElement]) { \
               const bg = getComputedStyle(e).backgroundColor; \
               const m = bg.match(/[\\d.]+/g); \
               if (m && !(m.length === 4 && Number(m[3]) === 0)) return m.slice(0, 3).map(Number); \
             } \
             return [255, 255, 255];",
            vec![],
        )
        .await
        .unwrap();
    let c: Vec<f64> = rgb
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() / 255.0)
        .collect();
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

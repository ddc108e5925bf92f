//! Checks run on whatever page a browser shows: axe-core's serious and critical
//! violations, and (on a phone) anything that would make the page scroll sideways.

use std::sync::OnceLock;

use fantoccini::Client;
use serde::Deserialize;

use super::session::{Browser, PHONE};

fn axe_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js")
}

/// Whether axe-core is installed (`npm ci` at the repository root; `.ci/run` does it).
/// When it is not, says so, and fails under `KEYDESK_REQUIRE_ALL_SUITES=1`.
pub fn axe_installed() -> bool {
    if axe_path().exists() {
        return true;
    }
    assert!(
        !crate::helpers::require_all_suites(),
        "KEYDESK_REQUIRE_ALL_SUITES=1 but {} is missing: run `npm ci` at the repository root",
        axe_path().display()
    );
    eprintln!(
        "accessibility checks skipped: run `npm ci` at the repository root to install axe-core"
    );
    false
}

/// axe-core's source, installed from npm by `.ci/run` (`npm ci`) into `node_modules`.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        std::fs::read_to_string(axe_path()).unwrap_or_else(|e| {
            panic!(
                "{}: {e}. The accessibility checks need axe-core: run `npm ci` at the repository root",
                axe_path().display()
            )
        })
    })
}

/// One rule axe-core found broken, and where.
#[derive(Debug, Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub targets: Vec<String>,
}

impl Violation {
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

/// Runs axe-core on the current page and returns every violation. The script is injected
/// through WebDriver, which the page's CSP (no inline scripts) does not govern.
pub async fn axe_violations(c: &Client) -> Vec<Violation> {
    let loaded = c
        .execute(
            &format!("{}\n;return typeof window.axe;", axe_source()),
            vec![],
        )
        .await
        .expect("axe-core is injected");
    assert_eq!(
        loaded.as_str(),
        Some("object"),
        "axe-core loaded in the page"
    );
    let result = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done(r.violations.map((v) => ({
                 id: v.id, impact: v.impact, help: v.help,
                 targets: v.nodes.map((n) => n.target.join(' ')),
               }))))
               .catch((e) => done({ error: String(e) }));",
            vec![],
        )
        .await
        .expect("axe.run answers");
    if let Some(error) = result.get("error") {
        panic!("axe.run failed: {error}");
    }
    serde_json::from_value(result).unwrap()
}

/// Why a phone-width page would scroll sideways: the document wider than the viewport, and
/// each visible element whose right edge passes it (outermost offenders only, at most 15).
pub async fn sideways_overflow(c: &Client) -> Vec<String> {
    let found = c
        .execute(
            r#"const vw = window.innerWidth;
               const doc = document.documentElement;
               const out = [];
               if (doc.scrollWidth !== vw) out.push(`document is ${doc.scrollWidth}px wide in a ${vw}px viewport`);
               const clippedBy = (el) => {
                 for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
                   const o = getComputedStyle(a).overflowX;
                   if ((o === 'hidden' || o === 'clip') && a.getBoundingClientRect().right <= vw + 0.5) return true;
                 }
                 return false;
               };
               const offenders = new Set();
               for (const el of document.body.querySelectorAll('*')) {
                 if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
                 const r = el.getBoundingClientRect();
                 if (r.width === 0 || r.height === 0) continue;
                 if (r.right <= vw + 0.5 || clippedBy(el)) continue;
                 offenders.add(el);
                 if (el.parentElement && offenders.has(el.parentElement)) continue;
                 const cls = el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '';
                 const id = el.id ? '#' + el.id : '';
                 const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
                 out.push(`<${el.tagName.toLowerCase()}${id}${cls}> "${text}" ends at ${Math.round(r.right)}px`);
               }
               return out.slice(0, 16);"#,
            vec![],
        )
        .await
        .expect("the overflow check runs");
    serde_json::from_value(found).unwrap()
}

/// Problems found across many pages, reported together at the end.
#[derive(Default)]
pub struct Findings {
    problems: Vec<String>,
    pages: usize,
}

impl Findings {
    /// Checks the page `browser` shows, at its current width: axe-core's serious and critical
    /// violations, and at phone width sideways scrolling.
    pub async fn check(&mut self, browser: &Browser, page: &str, width: u32) {
        self.pages += 1;
        let place = format!("{page} at {width} px, {}", browser.theme.name());
        for v in axe_violations(browser).await {
            if v.is_serious() {
                self.problems.push(format!(
                    "{place}: axe {} ({}): {}; at {}",
                    v.id,
                    v.impact.as_deref().unwrap_or("?"),
                    v.help,
                    v.targets.join(", ")
                ));
            }
        }
        if width == PHONE {
            for offender in sideways_overflow(browser).await {
                self.problems
                    .push(format!("{place}: scrolls sideways: {offender}"));
            }
        }
    }

    /// Fails with every problem found, if any.
    pub fn assert_none(&self) {
        assert!(
            self.problems.is_empty(),
            "{} problems on {} page views:\n{}",
            self.problems.len(),
            self.pages,
            self.problems.join("\n")
        );
    }
}

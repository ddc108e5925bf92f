//! Rebuilds when a migration is added or edited (`embed_migrations!` reads the migrations
//! folders at compile time, which cargo does not otherwise watch), and records the commit
//! the binary is built from for `keydesk --version` and the schema-version refusal.
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rustc-env=KEYDESK_COMMIT={}", commit());
    // A new commit changes HEAD (detached) or the branch's ref; both are cheap to watch.
    // Only files that exist: cargo reruns a build script whose watched file is missing.
    for path in ["HEAD", "packed-refs"]
        .into_iter()
        .map(String::from)
        .chain(git(&["symbolic-ref", "-q", "HEAD"]))
        .filter_map(|name| git(&["rev-parse", "--git-path", &name]))
        .map(PathBuf::from)
        .filter(|path| path.exists())
    {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The short commit id, or "unknown" when built without git or outside a repository
/// (a packaged source).
fn commit() -> String {
    git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into())
}

/// What `git args` prints, trimmed; `None` if git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

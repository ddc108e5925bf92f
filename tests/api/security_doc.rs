//! SECURITY.md's promises point at tests: every `file::test_name` it names must exist.

use std::path::Path;

/// Every backticked `module::name` in the text whose module is a file of this test binary.
fn named_tests(doc: &str, dir: &Path) -> Vec<(String, String)> {
    doc.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|span| span.split_once("::"))
        .filter(|(module, name)| {
            !name.contains("::")
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && dir.join(format!("{module}.rs")).exists()
        })
        .map(|(module, name)| (module.to_string(), name.to_string()))
        .collect()
}

#[test]
fn every_test_security_md_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("SECURITY.md")).expect("SECURITY.md exists");
    let dir = root.join("tests/api");
    let named = named_tests(&doc, &dir);
    assert!(
        named.len() >= 30,
        "SECURITY.md names its tests ({} found)",
        named.len()
    );
    for (module, name) in named {
        let source = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
        assert!(
            source.contains(&format!("fn {name}(")),
            "SECURITY.md names {module}::{name}, which tests/api/{module}.rs does not define"
        );
    }
}

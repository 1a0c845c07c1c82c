//! The layers of the design guide, kept by a test (a new file cannot break them unseen):
//! the faces (`src/cli`, `src/tui`) name nothing of `directory` or `store` (they go through
//! `ops`); the store is opened, and SQLite used, only under `src/store/` and in the context's
//! one accessor (`Ctx::store` in `src/ops/mod.rs`).

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("reading src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The file's code before its unit tests.
fn code(p: &Path) -> String {
    let s = std::fs::read_to_string(p).expect("reading a source file");
    match s.find("#[cfg(test)]") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_faces_go_through_ops_only() {
    let mut bad = Vec::new();
    for face in ["cli", "tui"] {
        let mut all = Vec::new();
        files(&src().join(face), &mut all);
        for f in all {
            let c = code(&f);
            for word in [
                "crate::directory",
                "crate::store",
                "rusqlite",
                "Store::open",
            ] {
                if c.contains(word) {
                    bad.push(format!("{} names {word}", f.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_store_is_opened_only_by_the_store_and_the_context() {
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut bad = Vec::new();
    for f in all {
        let rel = f
            .strip_prefix(src())
            .expect("under src")
            .to_string_lossy()
            .to_string();
        if rel.starts_with("store/") {
            continue;
        }
        let c = code(&f);
        let opens = c.matches("Store::open(").count();
        let sql = c.matches("rusqlite").count();
        let allowed = usize::from(rel == "ops/mod.rs");
        if opens > allowed || sql > 0 {
            bad.push(format!("{rel}: Store::open ×{opens}, rusqlite ×{sql}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Flavour knowledge lives in `directory/` only: the services never name a flavour's
/// account-control attributes (they ask the directory what a change means, whether an entry is
/// locked) nor build its policy DNs (issue 21, item 6).
#[test]
fn flavour_attributes_stay_in_the_directory() {
    let mut all = Vec::new();
    files(&src().join("ops"), &mut all);
    let mut bad = Vec::new();
    for f in all {
        let c = code(&f).to_lowercase();
        for word in [
            "useraccountcontrol",
            "pwdaccountlockedtime",
            "ad::pso_dn",
            "openldap::policy_dn",
        ] {
            if c.contains(word) {
                bad.push(format!("{} names {word}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

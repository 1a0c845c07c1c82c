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

/// The code of a file without its comment lines (doc comments may name what a face shows;
/// the code may not).
fn code_only(p: &Path) -> String {
    code(p)
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The TUI's ground floor (issue 21, item 7): widgets, dialogs, the keymap, the theme, text
/// input and the ground value they draw with stand below the shell and the tabs. They name
/// nothing of `tabs`, `shell`, `app` or `work` (dialogs carry a tab's purpose as a type
/// parameter; the keymap is given the tabs' key tables), so the TUI is no import loop.
#[test]
fn the_tui_ground_floor_names_no_tab_and_no_shell() {
    let tui = src().join("tui");
    let mut all = Vec::new();
    files(&tui.join("widgets"), &mut all);
    files(&tui.join("dialogs"), &mut all);
    for f in ["ground.rs", "keymap.rs", "theme.rs", "input.rs"] {
        all.push(tui.join(f));
    }
    let mut bad = Vec::new();
    for f in all {
        let c = code_only(&f);
        for word in [
            "tabs::", "::tabs", "shell::", "::shell", "app::", "::app", "work::", "::work", "Shell",
        ] {
            if c.contains(word) {
                bad.push(format!("{} names {word}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The services give facts; the faces word them. Nothing under `src/ops` or `src/domain`
/// names a TUI tab or a key to press (the report's "Passwords tab (2)" is the TUI's words,
/// and the CLI's own): issue 21, item 7.
#[test]
fn ops_and_domain_name_no_tui_tab_or_key() {
    let mut all = Vec::new();
    files(&src().join("ops"), &mut all);
    files(&src().join("domain"), &mut all);
    let mut bad = Vec::new();
    for f in all {
        let c = code_only(&f);
        for tab in [
            "Accounts",
            "Passwords",
            "Log",
            "Leavers",
            "Inventory",
            "Filtering",
            "Report",
            "Sync",
        ] {
            for word in [format!("{tab} tab"), format!("{} tab", tab.to_lowercase())] {
                if c.contains(&word) {
                    bad.push(format!("{} names the {word}", f.display()));
                }
            }
        }
        let lower = c.to_lowercase();
        for word in [
            "press ", "ctrl-", "(esc)", "(enter)", "esc:", "enter:", "tab (",
        ] {
            if lower.contains(word) {
                bad.push(format!("{} names a key: {word:?}", f.display()));
            }
        }
        // Nor, in what it says (its string literals; doc comments may), a face's dialog: a
        // refusal carries the facts (the OUs there are), and each face words them.
        for lit in literals(&code(&f)) {
            let lower = lit.to_lowercase();
            if lit.contains("TUI") || lower.contains("dialog") || lower.contains("tab (") {
                bad.push(format!("{} says {lit:?}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The string literals of Rust code (plain and raw), outside comments.
fn literals(code: &str) -> Vec<String> {
    let b: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            '/' if b.get(i + 1) == Some(&'/') => {
                while i < b.len() && b[i] != '\n' {
                    i += 1;
                }
            }
            '/' if b.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
            }
            // A char literal ('"', '\'', 'x'); a lifetime ('a) is left as it is.
            '\'' if b.get(i + 1) == Some(&'\\') => {
                i += 2;
                while i < b.len() && b[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if b.get(i + 2) == Some(&'\'') => i += 3,
            'r' if (b.get(i + 1) == Some(&'"') || b.get(i + 1) == Some(&'#'))
                && (i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_')) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let start = j + 1;
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut k = start;
                while k < b.len() && !b[k..].starts_with(&close) {
                    k += 1;
                }
                out.push(b[start..k.min(b.len())].iter().collect());
                i = k + close.len();
            }
            '"' => {
                let mut k = i + 1;
                let mut lit = String::new();
                while k < b.len() && b[k] != '"' {
                    if b[k] == '\\' {
                        k += 1;
                    }
                    if let Some(c) = b.get(k) {
                        lit.push(*c);
                    }
                    k += 1;
                }
                out.push(lit);
                i = k + 1;
            }
            _ => i += 1,
        }
    }
    out
}

#[test]
fn string_literals_are_found_outside_comments() {
    let code = r##"
        // "not this"
        let a = "one \"TUI\" dialog"; /* "nor this" */
        let c = '"';
        let d = r#"raw "two""#;
        fn f<'a>(x: &'a str) -> &'a str { "three" }
    "##;
    assert_eq!(
        literals(code),
        ["one \"TUI\" dialog", "raw \"two\"", "three"]
    );
}

/// One command type per feature, owned by ops (issue 21, item 1): no `enum Change` of the TUI's
/// own under `src/tui` (the accounts' is `ops::change::Change`).
#[test]
fn the_tui_has_no_change_type_of_its_own() {
    let mut all = Vec::new();
    files(&src().join("tui"), &mut all);
    let bad: Vec<String> = all
        .iter()
        .filter(|f| {
            let code = code_only(f);
            code.match_indices("enum Change").any(|(i, m)| {
                // `enum Changed` (what a tab is told) is not a change type.
                !code[i + m.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// One journal runner (issue 21, item 4): outside the store, only `ops/runner.rs` writes the
/// journal (begins, closes, plans a run's steps, records a settled outcome: `record_settled`,
/// the one place), and the old engines (`run_journalled`, `journalled_step`) are gone.
#[test]
fn only_the_runner_writes_the_journal() {
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
        let c = code_only(&f);
        for word in ["run_journalled", "journalled_step"] {
            if c.contains(word) {
                bad.push(format!("{rel} names {word}"));
            }
        }
        if rel == "ops/runner.rs" {
            continue;
        }
        for write in [
            ".journal_begin",
            ".journal_close",
            ".journal_settle(",
            ".journal_plan(",
            ".journal_add_step(",
            ".journal_finish(",
            ".journal_retry_step(",
        ] {
            if c.contains(write) {
                bad.push(format!("{rel} writes the journal ({write})"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

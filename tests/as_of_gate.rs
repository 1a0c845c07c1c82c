//! `--as-of` is for reports and dry runs. This walks the whole clap tree with the one
//! classification in `tests/changing/mod.rs` (a subcommand not classified fails the test, so a
//! new command cannot miss the gate). Every changing one is run under `--as-of` against a real
//! slapd with a store that holds one of everything; each must exit 2 with the gate's words, and
//! the directory and the store must be byte-for-byte as they were.

mod changing;
mod common;
mod support;

const GATE_WORDS: &str = "--as-of is for reports and dry runs";

#[test]
fn every_changing_command_is_refused_under_as_of_and_changes_nothing() {
    changing::walk_changing(
        "--as-of",
        |_, args| {
            let mut all: Vec<String> = vec!["--as-of".into(), "2027-03-01".into()];
            all.extend(args.iter().cloned());
            all
        },
        |r| {
            (r.code != 2 || !r.stderr.contains(GATE_WORDS))
                .then(|| format!("exit {} (want 2 with {GATE_WORDS:?})", r.code))
        },
    );
}

/// `init` writes a configuration, never under --as-of.
#[test]
fn init_is_refused_under_as_of() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let target = tmp.path().join("schooltech.toml");
    let r = common::run(
        &[
            "--config",
            target.to_str().expect("utf-8"),
            "--as-of",
            "2027-03-01",
            "init",
            "--url",
            "ldap://127.0.0.1:1",
            "--yes",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert!(r.stderr.contains(GATE_WORDS), "{}", r.stderr);
    assert!(!target.exists());
}

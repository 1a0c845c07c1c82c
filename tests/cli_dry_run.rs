//! `--dry-run` (`-n`) changes nothing (issue 26, item 2). This walks the whole clap tree with the
//! one classification in `tests/changing/mod.rs` (a subcommand not classified fails the test):
//! every changing one is run with `--dry-run` against a real slapd with a store that holds one of
//! everything; each must exit 0 (or 1: a preview that would be refused), say "dry run", and the
//! directory and the store must be byte-for-byte as they were.

mod changing;
mod common;
mod support;

#[test]
fn every_changing_command_changes_nothing_under_dry_run() {
    changing::walk_changing(
        "--dry-run",
        |i, args| {
            // Both spellings, before and after the subcommand.
            let mut all: Vec<String> = args.to_vec();
            if i % 2 == 0 {
                all.insert(0, "--dry-run".into());
            } else {
                all.push("-n".into());
            }
            all
        },
        |r| {
            let said = format!("{}{}", r.stdout, r.stderr).to_lowercase();
            (r.code > 1 || !said.contains("dry run")).then(|| {
                format!(
                    "exit {} (want 0, or 1 for a refused preview, with \"dry run\")",
                    r.code
                )
            })
        },
    );
}

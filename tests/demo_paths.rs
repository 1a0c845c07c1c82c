//! The demo writes nothing outside its own temporary folder (issue 26, item 1): a password
//! reset and an import with HOME and the default paths leave /var/lib/schooltech as it was (it
//! used to get a real handout in /var/lib/schooltech/handouts, which then broke test-deb.sh),
//! and the import says where its handout went.

mod common;

use std::path::Path;

fn listing(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        out.push(d.display().to_string());
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p.display().to_string());
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_demo_reset_and_import_write_nothing_outside_the_demo_folder() {
    let var = Path::new("/var/lib/schooltech");
    let before = var.exists().then(|| listing(var));
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("intake.csv");
    std::fs::write(
        &csv,
        "First Name,Last Name,Role,Form,MIS ID\nŁukasz,Wójcik,pupil,7A,D1\n",
    )
    .unwrap();
    let env = [("HOME", home.path().to_str().unwrap())];

    let list = common::run_env(
        &[
            "--demo", "accounts", "list", "--role", "pupil", "--format", "json",
        ],
        None,
        &env,
    )
    .ok()
    .json();
    let user = list[0]["username"].as_str().unwrap().to_string();
    common::run_env(
        &[
            "--demo",
            "accounts",
            "reset-password",
            &user,
            "--generate",
            "--show-password",
        ],
        None,
        &env,
    )
    .ok();

    let r = common::run_env(
        &[
            "--demo",
            "accounts",
            "import",
            csv.to_str().unwrap(),
            "--apply",
        ],
        None,
        &env,
    )
    .ok();
    let all = format!("{}\n{}", r.stdout, r.stderr);
    let line = all
        .lines()
        .find(|l| l.contains("handout sheets"))
        .unwrap_or_else(|| panic!("the import says where its handout went: {all}"));
    let tmp = std::env::temp_dir();
    assert!(
        line.contains(&format!("{}/schooltech-demo-", tmp.display()))
            || line.contains("/schooltech-demo-"),
        "the handout goes to the demo's temporary folder: {line}"
    );
    assert!(!line.contains("/var/lib/schooltech"), "{line}");

    // Nothing new under /var/lib/schooltech (or it is still absent), nor in HOME but the CSV.
    let after = var.exists().then(|| listing(var));
    assert_eq!(before, after, "the demo wrote under /var/lib/schooltech");
    assert_eq!(listing(home.path()).len(), 2, "{:?}", listing(home.path()));
}

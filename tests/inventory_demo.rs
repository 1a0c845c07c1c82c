//! The demo school's inventory: `schooltech --demo inventory …` shows every category and status,
//! an overdue loan, a loan to a disabled account, an open audit round and a batch that cannot close.

mod common;

use common::run;

#[test]
fn the_demo_has_an_inventory_of_its_own() {
    let list = run(&["--demo", "inventory", "list", "--format", "json"], None)
        .ok()
        .json();
    let rows = list.as_array().expect("array");
    for cat in [
        "laptop", "desktop", "tablet", "phone", "printer", "network", "server", "display",
        "storage", "other",
    ] {
        assert!(rows.iter().any(|r| r["category"] == cat), "category {cat}");
    }
    for st in [
        "in-stock",
        "deployed",
        "on-loan",
        "in-repair",
        "lost",
        "retired",
    ] {
        assert!(rows.iter().any(|r| r["status"] == st), "status {st}");
    }
    let overdue = run(&["--demo", "inventory", "loans", "--overdue"], None);
    assert_eq!(overdue.code, 1);
    assert!(overdue.stdout.contains("jsmith"), "{}", overdue.stdout);
    let boakes = run(
        &["--demo", "inventory", "list", "--loaned-to", "boakes"],
        None,
    )
    .ok();
    assert!(boakes.stdout.contains("DA-LAP-003"), "{}", boakes.stdout);
    let audit = run(&["--demo", "inventory", "audit", "report"], None);
    assert!(
        audit.stdout.contains("OLD-0042") && audit.stdout.contains("(open)"),
        "{}",
        audit.stdout
    );
    let batch = run(
        &["--demo", "inventory", "disposal", "show", "WEEE-DEMO-1"],
        None,
    );
    assert_eq!(batch.code, 1, "the demo batch lacks paperwork");
    assert!(
        batch.stdout.contains("DA-STO-002 holds data"),
        "{}",
        batch.stdout
    );
    // A loan to a demo user is checked against the demo directory.
    let l = run(
        &[
            "--demo",
            "inventory",
            "loan",
            "DA-LAP-004",
            "--to",
            "boakes",
        ],
        None,
    );
    assert_eq!(l.code, 2);
    assert!(l.stderr.contains("disabled"), "{}", l.stderr);
    run(
        &[
            "--demo",
            "inventory",
            "loan",
            "DA-LAP-004",
            "--to",
            "spatel",
        ],
        None,
    )
    .ok();
}

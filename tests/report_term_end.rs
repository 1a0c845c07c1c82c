//! The daily report timer (issue 26, item 8): `report termly --if-term-end` writes the report
//! only on the last day of a term of `[report] terms`, and exits 0 quietly on any other day. The
//! day is fixed with `--as-of` (the demo's terms: Autumn 2026 ends on 18 December 2026).

mod common;

#[test]
fn the_report_is_written_only_on_a_terms_last_day() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("termly.json");
    let args = |day: &'static str| {
        vec![
            "--demo".to_string(),
            "--as-of".into(),
            day.into(),
            "report".into(),
            "termly".into(),
            "--if-term-end".into(),
            "--format".into(),
            "json".into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let run = |day: &'static str| {
        let a = args(day);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        common::run(&a, None)
    };

    let r = run("2026-12-17");
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(!out.exists(), "no report the day before a term's last day");
    assert!(
        r.stdout.is_empty() && r.stderr.is_empty(),
        "quiet: {} {}",
        r.stdout,
        r.stderr
    );

    let r = run("2026-12-18");
    assert!(r.code == 0 || r.code == 1, "{} {}", r.stdout, r.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        json.to_string().contains("Autumn 2026"),
        "the report covers the term that ends that day"
    );

    // It cannot be combined with a chosen period.
    let r = common::run(
        &[
            "--demo",
            "report",
            "termly",
            "--if-term-end",
            "--term",
            "Autumn 2026",
        ],
        None,
    );
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
}

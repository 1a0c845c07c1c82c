//! A whole term of the equipment register from the command line, against a real Samba AD DC (and
//! the loan checks against a real slapd too): add assets, loan and return with the directory
//! check, labels read back by a barcode reader, an audit round with unknown and moved tags, a
//! disposal batch with its paperwork, and the refusals from the issue's "bad input" list.

mod common;
mod support;

use common::{st, Run};
use std::path::Path;
use support::TestServer;

fn inv(cfg: &Path, args: &[&str]) -> Run {
    inv_on(cfg, "2026-09-07", args)
}

/// `schooltech inventory ARGS` run on `day`: the binary's clock is fixed at noon that day
/// (`$SCHOOLTECH_TEST_NOW`, debug builds), so what it writes is dated that day; `--as-of` only
/// judges and never dates what is written.
fn inv_on(cfg: &Path, day: &str, args: &[&str]) -> Run {
    let mut all = vec!["--config", cfg.to_str().expect("utf-8 path"), "inventory"];
    all.extend_from_slice(args);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_schooltech"))
        .args(&all)
        .env_remove("SCHOOLTECH_CONFIG")
        .env_remove("SCHOOLTECH_BIND_PASSWORD")
        .env("NO_COLOR", "1")
        .env("SCHOOLTECH_TEST_NOW", format!("{day}T12:00:00Z"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("starting schooltech");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn refused(r: &Run, code: i32, text: &str) {
    assert_eq!(
        r.code, code,
        "exit code: stdout={} stderr={}",
        r.stdout, r.stderr
    );
    assert!(
        r.stderr.contains(text),
        "wanted {text:?} in stderr={}",
        r.stderr
    );
}

fn tool(name: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn a_whole_term_on_samba() {
    let server = TestServer::samba();
    let cfg = server.write_config();
    let dir = server.dir.clone();

    // September: the new laptops arrive.
    for (tag, serial, cat, room) in [
        ("HA000011", "SN-1", "laptop", "Room 1"),
        ("HA000012", "SN-2", "laptop", "Room 1"),
        ("HA000013", "SN-3", "desktop", "Room 2"),
        ("HA000014", "SN-4", "display", "Room 2"),
        ("HA001234", "SN-5", "tablet", "Library"),
    ] {
        inv(
            &cfg,
            &[
                "add",
                tag,
                "--serial",
                serial,
                "--category",
                cat,
                "--manufacturer",
                "Dell",
                "--model",
                "Latitude 5440",
                "--room",
                room,
                "--price",
                "£1,299.00",
            ],
        )
        .ok();
    }
    refused(
        &inv(&cfg, &["add", "ha000011", "--category", "laptop"]),
        2,
        "already used by HA000011",
    );
    refused(
        &inv(
            &cfg,
            &[
                "add",
                "HB1",
                "--category",
                "laptop",
                "--serial",
                "sn-1",
                "--manufacturer",
                "dell",
            ],
        ),
        2,
        "already registered as asset HA000011",
    );
    refused(
        &inv(
            &cfg,
            &["add", "HB2", "--category", "laptop", "--price", "1299,00"],
        ),
        2,
        "decimal comma",
    );
    let show = inv(&cfg, &["show", "HA000011", "--format", "json"])
        .ok()
        .json();
    assert_eq!(show["asset"]["price_pence"], 129_900);
    assert_eq!(show["asset"]["data_bearing"], true);

    // Loans are checked against the directory.
    let l = inv(
        &cfg,
        &[
            "loan",
            "HA000011",
            "--to",
            "sarah.roberts",
            "--due",
            "2026-10-16",
            "--agreement",
        ],
    )
    .ok();
    assert!(
        l.stdout.contains("Sarah Roberts") && l.stdout.contains("LOAN AGREEMENT"),
        "{}",
        l.stdout
    );
    assert!(l.stdout.contains("Signed (borrower)"));
    refused(
        &inv(&cfg, &["loan", "HA000012", "--to", "nobody.here"]),
        2,
        "no account named \"nobody.here\"",
    );
    refused(
        &inv(&cfg, &["loan", "HA000012", "--to", "jo.thompson"]),
        2,
        "disabled",
    );
    refused(
        &inv(&cfg, &["loan", "HA000012", "--to", "ali.roberts"]),
        2,
        "expired",
    );
    refused(
        &inv(&cfg, &["loan", "HA000011", "--to", "peter.o'brien"]),
        2,
        "already on loan",
    );
    inv(
        &cfg,
        &[
            "loan",
            "HA000012",
            "--to",
            "peter.o'brien",
            "--due",
            "2026-12-18",
        ],
    )
    .ok();
    refused(
        &inv(&cfg, &["status", "HA000012", "retired"]),
        2,
        "return it first",
    );
    let mine = inv(
        &cfg,
        &["list", "--loaned-to", "sarah.roberts", "--format", "json"],
    )
    .ok()
    .json();
    assert_eq!(mine.as_array().map(|a| a.len()), Some(1));

    // October: one loan is overdue.
    let overdue = inv_on(
        &cfg,
        "2026-10-20",
        &["list", "--overdue", "--format", "json"],
    )
    .ok()
    .json();
    let tags: Vec<&str> = overdue
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["tag"].as_str())
        .collect();
    assert_eq!(tags, ["HA000011"]);
    assert_eq!(inv_on(&cfg, "2026-10-20", &["loans", "--overdue"]).code, 1);
    let enc = inv(&cfg, &["encryption", "--format", "json"]);
    assert_eq!(enc.code, 1, "unencrypted laptops on loan");
    inv(&cfg, &["edit", "HA000011", "--encrypted", "yes"]).ok();
    inv_on(
        &cfg,
        "2026-10-21",
        &["return", "HA000011", "--condition", "scuffed lid"],
    )
    .ok();
    let hist = inv(&cfg, &["history", "HA000011", "--format", "json"])
        .ok()
        .json();
    let h = hist.as_array().unwrap();
    assert!(h
        .iter()
        .any(|r| r["field"] == "encrypted" && r["old"] == "unknown" && r["new"] == "yes"));
    assert!(h
        .iter()
        .any(|r| r["field"] == "status" && r["old"] == "on-loan" && r["new"] == "in-stock"));

    // Labels: a barcode reader reads the tags back from the PDF.
    let pdf = dir.join("labels.pdf");
    inv(
        &cfg,
        &[
            "labels",
            "--tags",
            "HA000011,HA001234",
            "--out",
            pdf.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(
        tool("pdftoppm") && tool("zbarimg"),
        "run scripts/install-deps.sh (poppler-utils, zbar-tools)"
    );
    let png = dir.join("labels");
    let ok = std::process::Command::new("pdftoppm")
        .args([
            "-r",
            "300",
            "-png",
            pdf.to_str().unwrap(),
            png.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    let read = std::process::Command::new("zbarimg")
        .args(["-q", dir.join("labels-1.png").to_str().unwrap()])
        .output()
        .unwrap();
    let read = String::from_utf8_lossy(&read.stdout);
    assert!(
        read.contains("CODE-128:HA000011") && read.contains("CODE-128:HA001234"),
        "{read}"
    );
    refused(
        &inv(
            &cfg,
            &["labels", "--tags", "NOPE1", "--out", pdf.to_str().unwrap()],
        ),
        2,
        "no asset with tag NOPE1",
    );

    // November: the termly audit.
    inv_on(
        &cfg,
        "2026-11-16",
        &["audit", "start", "--name", "Autumn 2026"],
    )
    .ok();
    refused(
        &inv_on(&cfg, "2026-11-16", &["audit", "start", "--name", "Again"]),
        2,
        "still open",
    );
    let s = inv_on(
        &cfg,
        "2026-11-16",
        &["audit", "scan", "HA000011", "--room", "Room 1"],
    )
    .ok();
    assert!(s.stdout.starts_with("seen"), "{}", s.stdout);
    let m = inv_on(
        &cfg,
        "2026-11-16",
        &["audit", "scan", "ha000013", "--room", "Room 1"],
    )
    .ok();
    assert!(
        m.stdout.contains("MOVED") && m.stdout.contains("Room 2"),
        "{}",
        m.stdout
    );
    let u = inv_on(
        &cfg,
        "2026-11-16",
        &["audit", "scan", "ZZ404404", "--room", "Room 1"],
    );
    assert_eq!(u.code, 1);
    assert!(u.stdout.contains("UNKNOWN  ZZ404404"), "{}", u.stdout);
    let tags = dir.join("scans.txt");
    std::fs::write(&tags, "HA000012\r\nHA000011\r\n\r\n").unwrap();
    let f = inv_on(
        &cfg,
        "2026-11-16",
        &[
            "audit",
            "scan",
            "--file",
            tags.to_str().unwrap(),
            "--room",
            "Room 1",
        ],
    )
    .ok();
    assert!(f.stdout.contains("already  HA000011"), "{}", f.stdout);
    inv_on(&cfg, "2026-11-17", &["audit", "close"]).ok();
    let rep = inv_on(&cfg, "2026-11-17", &["audit", "report"]);
    assert_eq!(rep.code, 1, "something to look at");
    for want in [
        "HA000014",
        "HA001234",
        "ZZ404404",
        "registered Room 2, found in Room 1",
    ] {
        assert!(rep.stdout.contains(want), "{want} in {}", rep.stdout);
    }
    let j = inv_on(&cfg, "2026-11-17", &["audit", "report", "--format", "json"]).json();
    assert_eq!(j["not_seen"].as_array().unwrap().len(), 2);
    assert_eq!(j["unknown"][0][0], "ZZ404404");

    // December: the old display and desktop go to the recycler.
    refused(
        &inv(
            &cfg,
            &[
                "disposal",
                "new",
                "WEEE-2026-1",
                "--carrier",
                "Green IT",
                "--registration",
                "CBDU12x",
            ],
        ),
        2,
        "CBDU or CBDL followed by digits",
    );
    inv(
        &cfg,
        &[
            "disposal",
            "new",
            "WEEE-2026-1",
            "--carrier",
            "Green IT Recycling",
            "--registration",
            "CBDU123456",
        ],
    )
    .ok();
    refused(
        &inv(&cfg, &["disposal", "add", "WEEE-2026-1", "HA000012"]),
        2,
        "on loan to peter.o'brien",
    );
    refused(
        &inv(
            &cfg,
            &[
                "disposal",
                "add",
                "WEEE-2026-1",
                "HA000014",
                "--code",
                "17 01 01",
            ],
        ),
        2,
        "List of Waste",
    );
    inv(
        &cfg,
        &["disposal", "add", "WEEE-2026-1", "HA000013", "HA000014"],
    )
    .ok();
    let v = inv(
        &cfg,
        &["disposal", "show", "WEEE-2026-1", "--format", "json"],
    );
    assert_eq!(v.code, 1);
    let missing = v.json()["missing"].to_string();
    assert!(missing.contains("HA000013 holds data"), "{missing}");
    refused(
        &inv(
            &cfg,
            &[
                "disposal",
                "close",
                "WEEE-2026-1",
                "--signed-off-by",
                "J Head",
            ],
        ),
        2,
        "HA000013 holds data and has no sanitisation record",
    );
    inv(
        &cfg,
        &[
            "disposal",
            "sanitised",
            "WEEE-2026-1",
            "HA000013",
            "--method",
            "destroy",
            "--certificate",
            "DC-889",
            "--verified-by",
            "A Technician",
        ],
    )
    .ok();
    // Collected and closed on the day (issue 23: a batch cannot close on 7 Sep as collected
    // on 4 Dec, a day still to come).
    inv_on(
        &cfg,
        "2026-12-07",
        &[
            "disposal",
            "edit",
            "WEEE-2026-1",
            "--collected",
            "04/12/2026",
            "--transfer-note",
            "WTN-2026-77",
        ],
    )
    .ok();
    inv_on(
        &cfg,
        "2026-12-07",
        &[
            "disposal",
            "close",
            "WEEE-2026-1",
            "--signed-off-by",
            "J Head",
        ],
    )
    .ok();
    refused(
        &inv(
            &cfg,
            &[
                "disposal",
                "edit",
                "WEEE-2026-1",
                "--transfer-note",
                "forged",
            ],
        ),
        2,
        "closed",
    );
    refused(&inv(&cfg, &["status", "HA000013", "in-stock"]), 2, "final");
    let r = inv(&cfg, &["disposal", "report", "--year", "2026"]).ok();
    assert!(
        r.stdout.contains("WTN-2026-77") && r.stdout.contains("keep until 4 Dec 2028"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("DC-889"), "{}", r.stdout);

    // Import: one bad row and nothing is imported; export -> import -> export is lossless.
    let before = inv(&cfg, &["export", "--format", "csv"]).ok().stdout;
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "tag,category,serial,manufacturer\nNEW1,laptop,X1,HP\nNEW2,toaster,X2,HP\nNEW3,laptop,SN-1,Dell\n").unwrap();
    let r = inv(&cfg, &["import", bad.to_str().unwrap(), "--apply"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 3, column category"), "{}", r.stderr);
    assert!(r.stderr.contains("line 4, column serial"), "{}", r.stderr);
    assert!(
        r.stderr.contains("already registered as asset HA000011"),
        "{}",
        r.stderr
    );
    assert_eq!(
        inv(&cfg, &["export", "--format", "csv"]).ok().stdout,
        before,
        "nothing changed"
    );
    let out1 = dir.join("out1.csv");
    std::fs::write(&out1, &before).unwrap();
    let cfg2 = dir.join("second.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let db = dir.join("schooltech.db");
    std::fs::write(
        &cfg2,
        text.replace(
            db.to_str().unwrap(),
            dir.join("second.db").to_str().unwrap(),
        ),
    )
    .unwrap();
    inv(&cfg2, &["import", out1.to_str().unwrap(), "--apply"]).ok();
    assert_eq!(
        inv(&cfg2, &["export", "--format", "csv"]).ok().stdout,
        before
    );

    // Every change is in the action log, and the chain holds.
    let log = st(&cfg, &["log", "show", "--format", "json"], None);
    if log.code == 0 {
        let text = log.stdout;
        for action in [
            "asset.add",
            "asset.loan",
            "asset.return",
            "audit.scan",
            "disposal.close",
        ] {
            assert!(text.contains(action), "{action} logged");
        }
        // Each row is dated by the clock it was written on (not by an --as-of).
        let rows: serde_json::Value = serde_json::from_str(&text).unwrap();
        let at = |action: &str| {
            rows.as_array()
                .unwrap()
                .iter()
                .filter(|r| r["action"] == action)
                .map(|r| r["at"].as_str().unwrap_or("").to_string())
                .next_back()
                .unwrap_or_default()
        };
        assert_eq!(at("asset.add"), "2026-09-07T12:00:00Z", "{text}");
        assert_eq!(at("audit.scan"), "2026-11-16T12:00:00Z", "{text}");
    }
    st(&cfg, &["log", "verify"], None).ok();
}

#[test]
fn loans_are_checked_against_openldap_too() {
    let server = TestServer::slapd();
    let cfg = server.write_config();
    inv(&cfg, &["add", "OL-1", "--category", "laptop"]).ok();
    refused(
        &inv(&cfg, &["loan", "OL-1", "--to", "no.such.person"]),
        2,
        "no account named",
    );
    refused(
        &inv(&cfg, &["loan", "OL-1", "--to", "jo.thompson"]),
        2,
        "disabled",
    );
    inv(&cfg, &["loan", "OL-1", "--to", "say.quote"]).ok();
    let j = inv(&cfg, &["list", "--loaned", "--format", "json"])
        .ok()
        .json();
    assert_eq!(j[0]["loaned_to"], "say.quote");
}

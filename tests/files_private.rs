//! Files with personal data are written 0600 whatever the umask, and the configuration and the
//! bind password file are refused when another user could change them (issue 23, part 5).

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Runs the binary under `umask 000`, so a file it creates without care comes out 0666.
fn run_umask0(args: &[&str]) -> (i32, String) {
    let bin = env!("CARGO_BIN_EXE_schooltech");
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(bin)
        .args(args)
        .env_remove("SCHOOLTECH_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn personal_data_files_are_0600_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let sheets = dir.path().join("7B-aup.txt");
    let report = dir.path().join("autumn.html");
    let old = dir.path().join("old-report.txt");
    std::fs::write(&old, "x").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    for (args, file) in [
        (
            vec![
                "--demo",
                "aup",
                "sheets",
                "--missing",
                "--out",
                sheets.to_str().unwrap(),
            ],
            &sheets,
        ),
        (
            vec![
                "--demo",
                "report",
                "termly",
                "--format",
                "html",
                "--out",
                report.to_str().unwrap(),
            ],
            &report,
        ),
        (
            vec!["--demo", "report", "termly", "--out", old.to_str().unwrap()],
            &old,
        ),
    ] {
        let (code, err) = run_umask0(&args);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
        assert!(file.exists(), "{args:?} wrote nothing: {err}");
        assert_eq!(mode(file), 0o600, "{args:?}");
    }
}

/// A config for a directory that is never reached (the check comes first).
fn config(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let pw = dir.join("bind.pw");
    std::fs::write(&pw, "secret\n").unwrap();
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = dir.join("schooltech.toml");
    std::fs::write(
        &cfg,
        format!(
            "[directory]\nurl = \"ldap://127.0.0.1:9\"\nflavour = \"openldap\"\nbind_dn = \"cn=admin,dc=x\"\nbase_dn = \"dc=x\"\nbind_password_file = \"{}\"\n\n[store]\npath = \"{}\"\n",
            pw.display(),
            dir.join("schooltech.db").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    (cfg, pw)
}

#[test]
fn a_config_or_password_file_others_could_change_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (cfg, pw) = config(dir.path());
    let cfg_s = cfg.to_str().unwrap();
    // As written: accepted (the inventory needs no directory).
    let ok = common::st(&cfg, &["inventory", "list", "--format", "json"], None);
    assert_eq!(ok.code, 0, "{}", ok.stderr);

    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = common::st(&cfg, &["inventory", "list"], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("chmod go-w '{cfg_s}'")),
        "{}",
        r.stderr
    );
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();

    // Owned by another user (nobody): only root can make that happen, so only root checks it.
    let me = std::fs::metadata(dir.path()).unwrap().uid();
    if me == 0 {
        let chown = |p: &Path, uid: &str| {
            assert!(Command::new("chown")
                .args([uid, p.to_str().unwrap()])
                .status()
                .unwrap()
                .success());
        };
        chown(&cfg, "65534");
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o666)).unwrap();
        let r = common::st(&cfg, &["inventory", "list"], None);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("chown 0 '{cfg_s}' && chmod go-w '{cfg_s}'")),
            "{}",
            r.stderr
        );
        chown(&cfg, "0");
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();

        // The bind password file, read when the directory is first needed.
        chown(&pw, "65534");
        let r = common::st(&cfg, &["accounts", "list"], None);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("chown 0 '{}'", pw.display())),
            "{}",
            r.stderr
        );
    } else {
        eprintln!("not root: the owner checks are left to a run as root");
    }
}

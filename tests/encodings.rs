//! The one CSV reader decides the encoding (issue 23, part 8): a legacy Windows-1252 file is
//! read as such and the summary says so; a UTF-8 file with one stray byte is refused naming
//! its line and byte, never decoded wholly as Windows-1252 (which mangles every accented name).

mod common;

use common::run;

fn import(bytes: &[u8]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("intake.csv");
    std::fs::write(&csv, bytes).unwrap();
    run(
        &["--demo", "accounts", "import", csv.to_str().unwrap()],
        None,
    )
}

#[test]
fn a_legacy_windows_1252_file_is_read_and_said_so() {
    let r = import(b"First Name,Last Name,Role,Form,MIS ID\nRen\xE9e,M\xFCller,pupil,7A,E1\n");
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Renée Müller"), "{}", r.stdout);
    assert!(
        r.stdout.contains("(file read as windows-1252)"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_utf8_file_with_a_stray_byte_is_refused_by_line_and_byte() {
    let r = import(
        b"First Name,Last Name,Role,Form,MIS ID\n\
          Ren\xC3\xA9e,M\xC3\xBCller,pupil,7A,E1\n\
          Jos\xE9,Garc\xC3\xADa,pupil,7A,E2\n",
    );
    assert_ne!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("line 3: byte 0xE9 is not UTF-8"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("save the file as UTF-8"), "{}", r.stderr);
    assert!(!r.stdout.contains("RenÃ©e"), "{}", r.stdout);
}

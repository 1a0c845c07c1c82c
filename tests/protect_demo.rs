//! The demo school's admin logons and its "IT Admins" group come out protected by the same
//! rules as a real directory's (issue 22): the admin role's OUs and groups are protected by
//! default, so disabling adm-spatel or resetting adm-nbrown is refused, and adding a pupil to
//! IT Admins needs --allow-protected.

mod common;

use common::run;

fn refused(args: &[&str], why: &[&str]) {
    let r = run(args, None);
    let msg = format!("{}{}", r.stdout, r.stderr);
    assert_ne!(r.code, 0, "{args:?} was not refused: {msg}");
    assert!(msg.contains("refusing"), "{args:?}: {msg}");
    for w in why {
        assert!(msg.contains(w), "{args:?}: message lacks {w:?}: {msg}");
    }
}

#[test]
fn demo_admin_accounts_and_group_are_protected() {
    refused(
        &[
            "--demo",
            "accounts",
            "disable",
            "adm-spatel",
            "--reason",
            "test",
        ],
        &["adm-spatel", "IT Admins"],
    );
    refused(
        &[
            "--demo",
            "accounts",
            "reset-password",
            "adm-nbrown",
            "--show-password",
        ],
        &["adm-nbrown", "IT Admins"],
    );
    refused(
        &[
            "--demo",
            "accounts",
            "move",
            "adm-nbrown",
            "--to",
            "OU=Staff,OU=School",
        ],
        &["adm-nbrown"],
    );
    refused(
        &[
            "--demo",
            "accounts",
            "groups",
            "24santosl",
            "--add",
            "IT Admins",
        ],
        &["IT Admins", "--allow-protected"],
    );
    // A pupil moved into the admin OU would become an admin: refused too.
    refused(
        &[
            "--demo",
            "accounts",
            "move",
            "24santosl",
            "--to",
            "OU=IT Admins,OU=School",
        ],
        &["IT Admins"],
    );
    let ok = run(
        &[
            "--demo",
            "accounts",
            "groups",
            "24santosl",
            "--add",
            "IT Admins",
            "--allow-protected",
        ],
        None,
    );
    assert_eq!(ok.code, 0, "{} {}", ok.stdout, ok.stderr);
    // An ordinary pupil is not protected.
    let ok = run(
        &[
            "--demo",
            "accounts",
            "disable",
            "24santosl",
            "--reason",
            "test",
        ],
        None,
    );
    assert_eq!(ok.code, 0, "{} {}", ok.stdout, ok.stderr);
}

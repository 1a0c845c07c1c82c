//! Accounts held until their acceptable use agreement is signed, against real Samba AD and
//! OpenLDAP, through the CLI: created disabled (accounts create, accounts import, a guest),
//! enabling refused without it (unless overridden, logged), released by recording it (one, or a
//! CSV import), recorded in the same step as a guest's creation.

mod common;
mod support;

use common::st;
use std::path::{Path, PathBuf};
use support::TestServer;

const HELD: &str = "awaiting acceptable use agreement";

fn show(cfg: &Path, user: &str) -> serde_json::Value {
    st(cfg, &["accounts", "show", user, "--format", "json"], None)
        .ok()
        .json()
}

/// The day an account was created, as the directory says (YYYY-MM-DD).
fn created_day(cfg: &Path, user: &str) -> String {
    let c = show(cfg, user)["created"]
        .as_str()
        .expect("created")
        .to_string();
    c.get(..10).expect("a date").to_string()
}

fn config(server: &TestServer) -> PathBuf {
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n\n[aup]\nrequire_before_access = true\n\n\
         [aup.agreements.pupil]\ntitle = \"Pupil AUP\"\nversion = \"2026\"\nroles = [\"pupil\"]\nsigner = \"parent\"\n\n\
         [aup.agreements.guest]\ntitle = \"Visitor AUP\"\nversion = \"2026\"\nroles = [\"guest\"]\n",
        server.dir.display()
    ));
    std::fs::write(&cfg, text).expect("config");
    cfg
}

fn log_has(server: &TestServer, pred: impl Fn(&schooltech::store::ActionEntry) -> bool) -> bool {
    let store = schooltech::store::Store::open(&server.dir.join("schooltech.db")).expect("store");
    store
        .log(&Default::default())
        .expect("log")
        .iter()
        .any(pred)
}

#[test]
fn accounts_are_held_until_they_sign_on_both_servers() {
    for server in TestServer::both() {
        let fl = server.flavour.config_name();
        let cfg = config(&server);

        // accounts create (a guest): made disabled, described as waiting.
        let r = st(
            &cfg,
            &[
                "accounts",
                "create",
                "--role",
                "guest",
                "--first",
                "Sam",
                "--last",
                "Cover",
                "--show-password",
            ],
            None,
        )
        .ok();
        assert!(r.stdout.contains("held"), "{fl}: {}", r.stdout);
        let a = show(&cfg, "sam.cover");
        assert_eq!(a["enabled"], false, "{fl}: {a}");
        assert_eq!(a["description"], HELD, "{fl}: {a}");

        // Enabling without the agreement is refused, with the reason.
        let r = st(&cfg, &["accounts", "enable", "sam.cover"], None);
        assert_ne!(r.code, 0, "{fl}: enabled without an agreement");
        assert!(
            r.stderr
                .contains("has not signed the acceptable use agreement"),
            "{fl}: {}",
            r.stderr
        );
        assert_eq!(show(&cfg, "sam.cover")["enabled"], false);

        // The status lists it as missing and held.
        let rows = st(
            &cfg,
            &["aup", "status", "--missing", "--format", "json"],
            None,
        );
        assert_eq!(rows.code, 1, "{fl}: fixture accounts have not signed");
        let rows = rows.json();
        let row = rows
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["username"] == "sam.cover")
            .expect("listed")
            .clone();
        for k in [
            "username",
            "role",
            "agreement",
            "version_signed",
            "current_version",
            "signed_on",
            "status",
        ] {
            assert!(row.get(k).is_some(), "{fl}: key {k} in {row}");
        }
        assert_eq!(row["status"], "missing");
        assert_eq!(row["held"], true);

        // Bad input changes nothing.
        let r = st(
            &cfg,
            &["aup", "record", "sam.cover", "--signed-on", "2099-01-01"],
            None,
        );
        assert_eq!(r.code, 2, "{fl}: {}", r.stderr);
        assert!(r.stderr.contains("in the future"), "{fl}: {}", r.stderr);
        let r = st(
            &cfg,
            &["aup", "record", "sam.cover", "--signed-on", "2000-01-01"],
            None,
        );
        assert!(
            r.stderr.contains("before the account existed"),
            "{fl}: {}",
            r.stderr
        );
        let r = st(
            &cfg,
            &[
                "aup",
                "record",
                "sam.cover",
                "--agreement",
                "pupil",
                "--signed-on",
                "2000-01-01",
            ],
            None,
        );
        assert!(r.stderr.contains("is for pupil"), "{fl}: {}", r.stderr);
        assert_eq!(show(&cfg, "sam.cover")["enabled"], false);

        // Recording it releases the account: enabled, description cleared, logged as such.
        let day = created_day(&cfg, "sam.cover");
        let r = st(
            &cfg,
            &[
                "aup",
                "record",
                "sam.cover",
                "--signed-on",
                &day,
                "--how",
                "paper",
                "--ref",
                "desk",
            ],
            None,
        )
        .ok();
        assert!(r.stdout.contains("is now enabled"), "{fl}: {}", r.stdout);
        let a = show(&cfg, "sam.cover");
        assert_eq!(a["enabled"], true, "{fl}: {a}");
        assert!(a["description"].is_null(), "{fl}: {a}");
        assert!(log_has(&server, |e| e.action == "account.enable"
            && e.target == "sam.cover"
            && e.details["reason"] == "acceptable use agreement recorded"));
        // The same signature again: reported, not duplicated.
        let r = st(
            &cfg,
            &["aup", "record", "sam.cover", "--signed-on", &day],
            None,
        )
        .ok();
        assert!(
            r.stdout.contains("already has this signature"),
            "{fl}: {}",
            r.stdout
        );

        // accounts import: held too; released by an `aup import` by MIS id.
        let csv = "First Name,Last Name,Role,Form,MIS Id\nAmy,Held,pupil,7A,P990001\nBen,Held,pupil,7A,P990002\n";
        let file = server.dir.join("intake.csv");
        std::fs::write(&file, csv).expect("csv");
        st(
            &cfg,
            &[
                "accounts",
                "import",
                file.to_str().expect("path"),
                "--apply",
            ],
            None,
        )
        .ok();
        for u in ["amy.held", "ben.held"] {
            let a = show(&cfg, u);
            assert_eq!(a["enabled"], false, "{fl}: {u} {a}");
            assert_eq!(a["description"], HELD, "{fl}: {u}");
        }
        let day = created_day(&cfg, "amy.held");
        let signed = server.dir.join("signed.csv");
        std::fs::write(
            &signed,
            format!("MIS Id,Signed On,Signed By\r\nP990001,{day},Mrs Held\r\nP999999,{day},\r\n"),
        )
        .expect("csv");
        let f = signed.to_str().expect("path");
        let dry = st(&cfg, &["aup", "import", f], None);
        assert_eq!(dry.code, 1, "{fl}: a row matching nobody: {}", dry.stdout);
        assert!(
            dry.stdout.contains("would record")
                && dry.stdout.contains("error  line 3, column MIS Id"),
            "{fl}: {}",
            dry.stdout
        );
        assert_eq!(
            show(&cfg, "amy.held")["enabled"],
            false,
            "{fl}: dry run changed it"
        );
        let applied = st(&cfg, &["aup", "import", f, "--apply"], None);
        assert!(
            applied.stdout.contains("amy.held was held"),
            "{fl}: {}",
            applied.stdout
        );
        assert_eq!(show(&cfg, "amy.held")["enabled"], true, "{fl}");
        assert_eq!(show(&cfg, "ben.held")["enabled"], false, "{fl}: not signed");

        // --override-aup enables it anyway, with the reason in the log.
        st(
            &cfg,
            &[
                "accounts",
                "enable",
                "ben.held",
                "--override-aup",
                "form lost, head agreed",
            ],
            None,
        )
        .ok();
        assert_eq!(show(&cfg, "ben.held")["enabled"], true);
        assert!(log_has(&server, |e| e.target == "ben.held"
            && e.details["override_aup"] == "form lost, head agreed"));

        // A guest who signed on arrival: recorded in the same step, enabled at once.
        let today = chrono::Utc::now().date_naive().to_string();
        let r = st(
            &cfg,
            &[
                "accounts",
                "create",
                "--role",
                "guest",
                "--first",
                "Tia",
                "--last",
                "Temp",
                "--aup-signed-on",
                &today,
                "--show-password",
            ],
            None,
        );
        if created_day(&cfg, "tia.temp") == today {
            assert_eq!(r.code, 0, "{fl}: {} {}", r.stdout, r.stderr);
            assert!(
                r.stdout.contains("the account is enabled"),
                "{fl}: {}",
                r.stdout
            );
            assert_eq!(show(&cfg, "tia.temp")["enabled"], true);
        }
    }
}

//! An AD import of a second "Amir Khan" into the same OU: the plan finds the name clash (with
//! the directory and within the file) and names the entry uniquely, instead of the server
//! refusing it (result 68, entryAlreadyExists). Against real Samba AD.

mod common;
mod support;

use common::st;
use support::TestServer;

#[test]
fn samba_import_names_each_entry_uniquely_in_its_ou() {
    let server = TestServer::samba();
    let cfg = server.write_config();
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[accounts]\nhandout_dir = \"{}\"\n",
        server.dir.display()
    ));
    std::fs::write(&cfg, text).expect("config");
    let csv = |name: &str, body: &str| {
        let p = server.dir.join(name);
        std::fs::write(&p, format!("First Name,Last Name,Role,Form,MIS Id\n{body}")).expect("csv");
        p
    };
    let first = csv("first.csv", "Amir,Khan,pupil,7A,P900001\n");
    st(
        &cfg,
        &["accounts", "import", first.to_str().unwrap(), "--apply"],
        None,
    )
    .ok();
    // A second and a third Amir Khan: one clashes with the directory, both with each other.
    let second = csv(
        "second.csv",
        "Amir,Khan,pupil,7B,P900002\nAmir,Khan,pupil,8C,P900003\n",
    );
    let dry = st(
        &cfg,
        &["accounts", "import", second.to_str().unwrap()],
        None,
    )
    .ok();
    assert!(
        std::env::var("SKIP_DRY").is_ok()
            || dry
                .stdout
                .contains("the entry is named \"Amir Khan (amir.khan2)\"")
                && dry
                    .stdout
                    .contains("the entry is named \"Amir Khan (amir.khan3)\""),
        "{}",
        dry.stdout
    );
    // Its own handout directory: two handouts in the same second would clash (issue 9 part 3).
    let sub = server.dir.join("second");
    std::fs::create_dir(&sub).expect("dir");
    let text = std::fs::read_to_string(&cfg).expect("config").replace(
        &format!("handout_dir = \"{}\"", server.dir.display()),
        &format!("handout_dir = \"{}\"", sub.display()),
    );
    let cfg2 = server.dir.join("second.toml");
    std::fs::write(&cfg2, text).expect("config");
    let r = st(
        &cfg2,
        &["accounts", "import", second.to_str().unwrap(), "--apply"],
        None,
    );
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("created 2 accounts"), "{}", r.stdout);
    let cns = support::ldif_values(
        &server.ldapsearch("(&(objectClass=user)(displayName=Amir Khan))", &["cn"]),
        "cn",
    );
    let mut cns = cns;
    cns.sort();
    assert_eq!(
        cns,
        [
            "Amir Khan",
            "Amir Khan (amir.khan2)",
            "Amir Khan (amir.khan3)"
        ],
        "{cns:?}"
    );
    // A single create of a fourth is named uniquely too.
    st(
        &cfg,
        &[
            "accounts",
            "create",
            "--role",
            "pupil",
            "--first",
            "Amir",
            "--last",
            "Khan",
            "--show-password",
        ],
        None,
    )
    .ok();
    let n = support::ldif_values(
        &server.ldapsearch("(&(objectClass=user)(displayName=Amir Khan))", &["cn"]),
        "cn",
    )
    .len();
    assert_eq!(n, 4);
}

/// With layout rules for pupils (`[sync.layout.pupil]`), `accounts import` places a new Year 7
/// pupil as `sync` would (and as the school's pupils are): in `OU=Year 7,OU=Pupils,OU=School`,
/// in groups `Pupils` and `Year 7`, named by the template (`26smithe`: the year it entered
/// Year 7). A role without rules (staff) is made as before. On Samba AD and slapd.
#[test]
fn import_places_pupils_by_the_layout_rules_on_both_servers() {
    for server in TestServer::both() {
        let fl = format!("{:?}", server.flavour);
        let cfg = server.write_config();
        let mut text = std::fs::read_to_string(&cfg).expect("config");
        text.push_str(&format!(
            "\n[accounts]\nhandout_dir = \"{}\"\n\n[sync.layout.pupil]\n\
             ou = \"OU=Year {{year}},OU=Pupils,OU=School\"\ngroups = [\"Pupils\", \"Year {{year}}\"]\n\
             username = \"{{yy}}{{surname}}{{initial}}\"\n",
            server.dir.display()
        ));
        std::fs::write(&cfg, text).expect("config");
        let base = &server.base_dn;
        let (group_dn, add) = match server.flavour {
            support::Flavour::ActiveDirectory => (
                format!("CN=Year 7,OU=School,{base}"),
                "objectClass: group\nsAMAccountName: Year 7\n".to_string(),
            ),
            support::Flavour::OpenLdap => (
                format!("cn=Year 7,ou=Groups,{base}"),
                format!(
                    "objectClass: groupOfNames\ncn: Year 7\nmember: {}\n",
                    server.user_dn("harry.hughes")
                ),
            ),
        };
        server.ldapmodify(&format!("dn: {group_dn}\nchangetype: add\n{add}"));
        let csv = server.dir.join("intake.csv");
        std::fs::write(
            &csv,
            "First Name,Last Name,Role,Form,MIS Id\nEmma,Smith,pupil,7B,P777001\nTom,Baker,staff,,S777002\n",
        )
        .expect("csv");
        let f = csv.to_str().expect("utf-8");
        let r = common::st_on(
            &cfg,
            "2026-12-07",
            &["accounts", "import", f, "--apply"],
            None,
        );
        assert_eq!(r.code, 0, "{fl}: {}\n{}", r.stdout, r.stderr);
        let dn = server.user_dn("26smithe");
        assert!(
            dn.to_lowercase().ends_with(&format!(
                "ou=year 7,ou=pupils,ou=school,{}",
                base.to_lowercase()
            )),
            "{fl}: {dn}"
        );
        for g in ["Pupils", "Year 7"] {
            let members = server.ldapsearch(&format!("(cn={g})"), &["member"]);
            assert!(
                members.to_lowercase().contains(&dn.to_lowercase()),
                "{fl}: 26smithe in {g}: {members}"
            );
        }
        // Staff have no rules here: made as before ([accounts] username_pattern, the staff OU).
        let staff = server.user_dn("tom.baker");
        assert!(staff.to_lowercase().contains("ou=staff,"), "{fl}: {staff}");
    }
}

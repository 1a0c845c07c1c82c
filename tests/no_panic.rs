//! Property tests: no input from outside makes the parsers panic — attribute values from the
//! directory (both flavours), LDAP times, LDIF, DNs, dates typed by people, and CSV files.

use proptest::prelude::*;
use schooltech::directory::attrs::{parse_generalized_time, Entry};
use schooltech::directory::{ad, ldif, openldap};
use schooltech::domain::dn;
use schooltech::domain::roles::RoleMap;
use schooltech::domain::time::{parse_date, YEARS};
use std::collections::{HashMap, HashSet};

/// Values a directory might hold: numbers of any size, times, and any text.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (0u64..=99_999_999_999_999).prop_map(|n| format!("{n}Z")),
        "[0-9]{8,16}(\\.[0-9])?Z",
        "(TRUE|FALSE|000001010000Z|-1|0|9223372036854775807|-9223372036854775808)",
        ".{0,40}",
    ]
}

fn entry(attrs: &[&str]) -> impl Strategy<Value = Entry> {
    let names: Vec<String> = attrs.iter().map(|a| a.to_string()).collect();
    (
        ".{0,60}",
        proptest::collection::vec(
            proptest::option::of(proptest::collection::vec(value(), 1..3)),
            names.len(),
        ),
    )
        .prop_map(move |(dn, vals)| {
            let mut e = Entry::new(format!("uid=x,{dn}"));
            for (n, v) in names.iter().zip(vals) {
                if let Some(v) = v {
                    e.set(n, v);
                }
            }
            e
        })
}

const AD_ATTRS: &[&str] = &[
    "sAMAccountName",
    "displayName",
    "userAccountControl",
    "msDS-User-Account-Control-Computed",
    "lockoutTime",
    "pwdLastSet",
    "msDS-UserPasswordExpiryTimeComputed",
    "lastLogonTimestamp",
    "whenCreated",
    "accountExpires",
    "memberOf",
    "msDS-ResultantPSO",
    "employeeID",
];

const LDAP_ATTRS: &[&str] = &[
    "uid",
    "cn",
    "pwdAccountLockedTime",
    "pwdChangedTime",
    "createTimestamp",
    "pwdPolicySubentry",
    "pwdEndTime",
    "shadowExpire",
    "pwdReset",
    "pwdLastSuccess",
    "memberOf",
    "employeeNumber",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn ad_entries_never_panic(e in entry(AD_ATTRS)) {
        let roles = RoleMap::default();
        let ctx = ad::MapCtx { roles: &roles, base_dn: "DC=s", mis_attr: "employeeID" };
        let _ = ad::to_account(&e, &ctx);
    }

    #[test]
    fn openldap_entries_never_panic(e in entry(LDAP_ATTRS), max_age in any::<i64>()) {
        let roles = RoleMap::default();
        let groups = HashMap::new();
        let policies = openldap::PolicyIndex::new("cn=default,ou=Policies,dc=s", [("cn=default,ou=Policies,dc=s".to_string(), max_age)]);
        let nopw = HashSet::new();
        let ctx = openldap::MapCtx {
            roles: &roles,
            base_dn: "dc=s",
            mis_attr: "employeeNumber",
            groups: &groups,
            policies: &policies,
            no_password: &nopw,
        };
        let _ = openldap::to_account(&e, &ctx);
    }

    #[test]
    fn filetimes_and_intervals_never_panic(ft in any::<i64>(), days in any::<u32>()) {
        if let Some(t) = ad::filetime_to_utc(ft) {
            let _ = ad::utc_to_filetime(t);
        }
        let _ = ad::interval_to_days(ft);
        let _ = ad::days_to_interval(days);
    }

    #[test]
    fn ldap_times_never_panic(s in "\\PC{0,30}", digits in "[0-9]{10,16}(\\.[0-9]{1,3})?[Zz]") {
        let _ = parse_generalized_time(&s);
        let _ = parse_generalized_time(&digits);
    }

    #[test]
    fn dns_never_panic(s in "\\PC{0,60}", esc in "([a-zA-Z]{1,3}=([^,\\\\]|\\\\.|\\\\[0-9a-fA-F]{2}|\"[^\"]*\"){0,6}[,;]?){0,5}") {
        for d in [&s, &esc] {
            let _ = dn::split_dn(d);
            let _ = dn::parent_dn(d);
            let _ = dn::first_rdn_value(d);
            let _ = dn::tree_order_key(d);
            let v = dn::unescape_value(d);
            prop_assert_eq!(dn::unescape_value(&dn::rdn_value(&v)), v);
        }
    }

    #[test]
    fn ldif_never_panics(s in "(\\PC{0,40}\n){0,8}", b in "(dn|cn|uid|member):{1,2} ?[A-Za-z0-9+/=]{0,20}\n( [A-Za-z0-9+/=]{0,10}\n)?") {
        let _ = ldif::parse(&s);
        let _ = ldif::parse(&b);
        let _ = ldif::decode_base64(&s);
    }

    #[test]
    fn typed_dates_never_panic_and_stay_in_the_window(s in "\\PC{0,20}", y in any::<i32>(), m in 0u32..14, d in 0u32..33) {
        for t in [s.clone(), format!("{y}-{m:02}-{d:02}"), format!("{d}/{m}/{y}"), format!("+{y}-{m}-{d}")] {
            if let Ok(day) = parse_date(&t) {
                prop_assert!(YEARS.contains(&chrono::Datelike::year(&day)), "{t}");
            }
        }
    }
}

fn csv_field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z' -]{0,12}",
        "\"[^\"]{0,10}\"",
        "\"[^\"]{0,5}\"\"[^\"]{0,5}\"",
        "\\PC{0,8}",
        Just("\u{feff}".to_string()),
        Just("\r".to_string()),
        Just("\"".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_imports_never_panic(
        header in prop_oneof![Just("First Name,Last Name,Role,Form,MIS Id".to_string()), "\\PC{0,40}"],
        rows in proptest::collection::vec(proptest::collection::vec(csv_field(), 0..7), 0..6),
        crlf in any::<bool>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let ctx = demo_ctx();
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = header + nl;
        for r in rows {
            text.push_str(&r.join(","));
            text.push_str(nl);
        }
        let _ = schooltech::ops::import::read_csv(&text, ctx, Some("pupil"));
        let _ = schooltech::ops::import::read_csv(&text, ctx, None);
        let lossy = String::from_utf8_lossy(&bytes);
        let _ = schooltech::ops::import::read_csv(&lossy, ctx, None);
    }
}

fn demo_ctx() -> &'static schooltech::ops::Ctx {
    static CTX: std::sync::OnceLock<schooltech::ops::Ctx> = std::sync::OnceLock::new();
    CTX.get_or_init(|| schooltech::ops::Ctx::demo(None, None).expect("demo"))
}

//! A synthetic school of any size, built directly as AD-shaped entries (no LDIF), for
//! benchmarks. Same OUs and groups as the bundled school; names, states and dates come
//! from a fixed hash of the account's index, so the same `n` always gives the same school.

use crate::directory::ad::{uac, utc_to_filetime, FILETIME_NEVER};
use crate::directory::attrs::{generalized_time, Entry};
use crate::directory::escape::rdn_value;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// Given names, and what they contribute to a username.
const GIVEN: &[(&str, &str)] = &[
    ("Oliver", "o"),
    ("Amelia", "a"),
    ("Jack", "j"),
    ("Isla", "i"),
    ("Noah", "n"),
    ("Zoë", "z"),
    ("Renée", "r"),
    ("Dáithí", "d"),
    ("Mohammed", "m"),
    ("Aisha", "a"),
    ("Kacper", "k"),
    ("Siân", "s"),
    ("Harry", "h"),
    ("Grace", "g"),
    ("Chloé", "c"),
    ("Leo", "l"),
    ("Priya", "p"),
    ("Tomasz", "t"),
    ("Evie", "e"),
    ("Yusuf", "y"),
    ("Freya", "f"),
    ("Ben", "b"),
    ("Ursula", "u"),
    ("Wiktoria", "w"),
];

/// Surnames, and what they contribute to a username.
const SURNAMES: &[(&str, &str)] = &[
    ("Smith", "smith"),
    ("Jones", "jones"),
    ("O'Neill", "oneill"),
    ("D'Arcy", "darcy"),
    ("Lloyd-Webber", "lloydwebber"),
    ("Müller", "muller"),
    ("Patel", "patel"),
    ("Khan", "khan"),
    ("Nowak", "nowak"),
    ("Wiśniewski", "wisniewski"),
    ("Williams", "williams"),
    ("Taylor", "taylor"),
    ("Brown", "brown"),
    ("Davies", "davies"),
    ("Evans", "evans"),
    ("Okafor", "okafor"),
    ("Nguyen", "nguyen"),
    ("Hughes", "hughes"),
    ("Ó Súilleabháin", "osuilleabhain"),
    ("Begum", "begum"),
    ("Wright", "wright"),
    ("Walker", "walker"),
    ("Robinson", "robinson"),
    ("Thompson", "thompson"),
    ("McAllister", "mcallister"),
    ("Fernández", "fernandez"),
    ("Ahmed", "ahmed"),
    ("Clarke", "clarke"),
    ("Singh", "singh"),
    ("Green", "green"),
    ("Hall", "hall"),
];

/// SplitMix64: a fixed, well-mixed hash of an index.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A number in `0..n` from hash `h` and a salt.
fn pick(h: u64, salt: u64, n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        mix(h ^ salt) % n
    }
}

fn ou_entry(dn: &str, name: &str) -> Entry {
    let mut e = Entry::new(dn);
    e.set(
        "objectClass",
        vec!["top".into(), "organizationalUnit".into()],
    );
    e.set("ou", vec![name.into()]);
    e
}

/// The entries of a synthetic school with `n` accounts, dated relative to `now`.
pub(super) fn school(n: usize, base_dn: &str, now: DateTime<Utc>) -> Vec<Entry> {
    let school = format!("OU=School,{base_dn}");
    let pupils = format!("OU=Pupils,{school}");
    let groups_ou = format!("OU=Groups,{school}");
    let mut out = Vec::with_capacity(n + 32);
    let mut base = Entry::new(base_dn);
    base.set(
        "objectClass",
        vec!["top".into(), "domain".into(), "domainDNS".into()],
    );
    out.push(base);
    out.push(ou_entry(&school, "School"));
    out.push(ou_entry(&pupils, "Pupils"));
    let year_ous: Vec<String> = (7..=11).map(|y| format!("OU=Year {y},{pupils}")).collect();
    for (y, dn) in (7..=11).zip(&year_ous) {
        out.push(ou_entry(dn, &format!("Year {y}")));
    }
    let other_ous = ["Staff", "Supply", "Generic", "Leavers", "Groups"];
    for name in other_ous {
        out.push(ou_entry(&format!("OU={name},{school}"), name));
    }
    let group_names = [
        "Pupils",
        "Staff",
        "Supply Staff",
        "Generic Accounts",
        "Year 7",
        "Year 8",
        "Year 9",
        "Year 10",
        "Year 11",
        "IT Admins",
    ];
    let group_dn: HashMap<&str, String> = group_names
        .iter()
        .map(|g| (*g, format!("CN={},{groups_ou}", rdn_value(g))))
        .collect();
    let mut members: HashMap<&str, Vec<String>> = HashMap::new();
    let group = |name: &str| group_dn.get(name).cloned().unwrap_or_default();

    let day = |d: i64| now - Duration::days(d);
    let ft = |t: DateTime<Utc>| utc_to_filetime(t).unwrap_or_default().to_string();
    let this_year = now.format("%Y").to_string().parse::<i64>().unwrap_or(2026);
    let classes: Vec<String> = ["top", "person", "organizationalPerson", "user"]
        .iter()
        .map(|s| s.to_string())
        .collect();

    // Formatting times is the slow part; few distinct creation days exist.
    let mut created_text: HashMap<i64, String> = HashMap::new();
    for i in 0..n {
        let h = mix(i as u64);
        let (given, g_login) = GIVEN[pick(h, 1, GIVEN.len() as u64) as usize];
        let (surname, s_login) = SURNAMES[pick(h, 2, SURNAMES.len() as u64) as usize];
        let slot = i % 100;
        let mut uac_v = uac::NORMAL_ACCOUNT;
        let (ou, login, groups, description, mis, created_days): (
            String,
            String,
            Vec<&str>,
            String,
            String,
            i64,
        ) = if slot < 80 {
            let y = 7 + (i % 5) as i64;
            let intake = this_year - (y - 7);
            (
                year_ous[(y - 7) as usize].clone(),
                format!("{:02}{s_login}{g_login}{i}", intake % 100),
                vec![
                    "Pupils",
                    ["Year 7", "Year 8", "Year 9", "Year 10", "Year 11"][(y - 7) as usize],
                ],
                format!(
                    "Tutor group {y}{}",
                    ["A", "B", "C", "D", "E"][pick(h, 3, 5) as usize]
                ),
                format!("P{:06}", 100_000 + i),
                (y - 7) * 365 + 90,
            )
        } else if slot < 95 {
            (
                format!("OU=Staff,{school}"),
                format!("{g_login}{s_login}{i}"),
                vec!["Staff"],
                "Teacher".to_string(),
                format!("S{:06}", 200_000 + i),
                400 + pick(h, 4, 4000) as i64,
            )
        } else if slot < 97 {
            (
                format!("OU=Supply,{school}"),
                format!("sup-{g_login}{s_login}{i}"),
                vec!["Supply Staff"],
                "Supply cover".to_string(),
                String::new(),
                10,
            )
        } else if slot < 98 {
            uac_v |= uac::DONT_EXPIRE_PASSWORD;
            (
                format!("OU=Generic,{school}"),
                format!("room{i}"),
                vec!["Generic Accounts"],
                "Shared room account".to_string(),
                String::new(),
                900,
            )
        } else {
            uac_v |= uac::ACCOUNTDISABLE;
            (
                format!("OU=Leavers,{school}"),
                format!("{:02}{s_login}{g_login}{i}", (this_year - 5) % 100),
                vec![],
                "Leaver".to_string(),
                format!("P{:06}", 100_000 + i),
                5 * 365 + 90,
            )
        };
        let r = pick(h, 5, 1000);
        if r < 20 {
            uac_v |= uac::ACCOUNTDISABLE;
        } else if r < 120 {
            uac_v |= uac::DONT_EXPIRE_PASSWORD;
        }
        let created = day(created_days);
        let pwd_days = (pick(h, 6, 400) as i64).min(created_days - 1);
        let stale = pick(h, 7, 100) < 4 && created_days > 260;
        let logon_days = if stale {
            200 + pick(h, 8, 60) as i64
        } else {
            (pick(h, 8, 20) as i64).min(pwd_days)
        };
        let never_used = pick(h, 9, 100) < 3;
        let must_change = never_used || pick(h, 10, 100) < 3;
        let display = format!("{given} {surname}");
        let dn = format!("CN={} ({i}),{ou}", rdn_value(&display));
        // At most 14 attributes (the CN lives in the DN only), so each entry's table stays
        // at its smallest size: memory, not arithmetic, is what a big school costs.
        let mut e = Entry {
            dn: dn.clone(),
            attrs: HashMap::with_capacity(14),
        };
        e.set("objectClass", classes.clone());
        e.set("givenName", vec![given.to_string()]);
        e.set("sn", vec![surname.to_string()]);
        e.set("displayName", vec![display]);
        e.set("sAMAccountName", vec![login]);
        if !mis.is_empty() {
            e.set("employeeID", vec![mis]);
        }
        e.set("description", vec![description]);
        e.set("userAccountControl", vec![uac_v.to_string()]);
        let pwd_last_set = if must_change {
            0
        } else {
            utc_to_filetime(day(pwd_days)).unwrap_or_default()
        };
        e.set("pwdLastSet", vec![pwd_last_set.to_string()]);
        // As an export holds it, for the demo's starting policy (42 days); the demo
        // recomputes it whenever the policy or the account changes.
        let expiry = if uac_v & uac::DONT_EXPIRE_PASSWORD != 0 {
            FILETIME_NEVER
        } else if pwd_last_set == 0 {
            0
        } else {
            pwd_last_set + 42 * 86_400 * 10_000_000
        };
        e.set(
            "msDS-UserPasswordExpiryTimeComputed",
            vec![expiry.to_string()],
        );
        if !never_used {
            e.set("lastLogonTimestamp", vec![ft(day(logon_days))]);
        }
        if pick(h, 11, 500) == 0 {
            e.set("lockoutTime", vec![ft(now - Duration::hours(1))]);
        }
        let expires = if (95..97).contains(&slot) {
            ft(now + Duration::days(pick(h, 12, 10) as i64 - 2))
        } else {
            FILETIME_NEVER.to_string()
        };
        e.set("accountExpires", vec![expires]);
        let when = created_text
            .entry(created_days)
            .or_insert_with(|| generalized_time(created))
            .clone();
        e.set("whenCreated", vec![when]);
        let member_of: Vec<String> = groups.iter().map(|g| group(g)).collect();
        for g in &groups {
            members.entry(g).or_default().push(dn.clone());
        }
        e.set("memberOf", member_of);
        out.push(e);
    }

    for name in group_names {
        let mut g = Entry::new(group(name));
        g.set("objectClass", vec!["top".into(), "group".into()]);
        g.set("cn", vec![name.into()]);
        g.set("sAMAccountName", vec![name.into()]);
        g.set("member", members.remove(name).unwrap_or_default());
        out.push(g);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_n_same_school() {
        let now = Utc::now();
        let a = school(300, "DC=demo,DC=school", now);
        let b = school(300, "DC=demo,DC=school", now);
        assert_eq!(a, b);
        let users = a
            .iter()
            .filter(|e| e.all("objectclass").iter().any(|c| c == "user"))
            .count();
        assert_eq!(users, 300);
    }
}

//! Unit tests of the account change: its words (before -> after, refusals, a move's role) and
//! its plans' lines.

use super::*;
use crate::ops::passwords::PasswordChoice;

fn pupil() -> Account {
    Account {
        username: "amir.khan".into(),
        dn: "CN=Amir Khan,OU=Year 7,DC=school,DC=test".into(),
        display_name: Some("Amir Khan".into()),
        object_id: Some("id-1".into()),
        enabled: true,
        groups: vec!["Year 7".into()],
        group_dns: vec!["CN=Year 7,OU=Groups,DC=school,DC=test".into()],
        ..Default::default()
    }
}

#[test]
fn lines_have_heading_fields_reason_and_footnotes() {
    let (protection, move_roles) = (Protection::default(), MoveRoles::default());
    let judge = Judge {
        protection: &protection,
        move_roles: &move_roles,
        protected_groups: &[],
        refusal: None,
    };
    let change = Change::Disable {
        reason: "left".into(),
    };
    let one = Plans {
        plans: vec![plan_read(judge, "amir.khan", Some(pupil()), &change)],
        change: change.clone(),
    };
    let text: Vec<String> = one.lines().into_iter().map(|l| l.0).collect();
    assert_eq!(
        text,
        [
            "Disable 1 account:",
            "  amir.khan (Amir Khan): enabled -> disabled",
            "    account: enabled -> disabled",
            "Reason: left",
        ]
    );
    assert_eq!(
        one.plans[0]
            .target
            .as_ref()
            .and_then(|t| t.object_id.as_deref()),
        Some("id-1")
    );
    let two = Plans {
        plans: vec![
            plan_read(judge, "amir.khan", Some(pupil()), &change),
            plan_read(judge, "x", None, &change),
        ],
        change,
    };
    let text: Vec<String> = two.lines().into_iter().map(|l| l.0).collect();
    assert_eq!(text[0], "Disable 2 accounts:");
    assert_eq!(text[2], "  x: not found in the directory");
    assert_eq!(text[3], "Reason: left");
    assert!(two.any_refused());
    assert_eq!(two.footnotes().len(), 2);
}

#[test]
fn serialised_without_the_password() {
    let c = Change::Password {
        choice: PasswordChoice::Given(Secret::new("Otter&Lantern9Violet")),
        temporary: true,
    };
    let j = serde_json::to_string(&c).unwrap();
    assert_eq!(
        j,
        r#"{"action":"password","choice":"given","temporary":true}"#
    );
}

#[test]
fn protected_accounts_and_groups_are_refused_in_the_plan() {
    let rules = Protection::default();
    let mut admin = pupil();
    admin.username = "Administrator".into();
    let change = Change::Enable { override_aup: None };
    // Default rules protect nobody by name; a protected group join is refused unless allowed.
    let groups = |allow_protected| Change::Groups {
        add: vec!["Domain Admins".into()],
        remove: vec![],
        allow_protected,
    };
    let g = groups(false);
    let p = protect(
        plan_for("amir.khan", Some(&pupil()), &g),
        Some(&pupil()),
        &g,
        &rules,
        &["Domain Admins".to_string()],
    );
    assert_eq!(p.outcome, Outcome::Refused);
    assert!(p.line.contains("--allow-protected"), "{}", p.line);
    let g = groups(true);
    let p = protect(
        plan_for("amir.khan", Some(&pupil()), &g),
        Some(&pupil()),
        &g,
        &rules,
        &["Domain Admins".to_string()],
    );
    assert_eq!(p.outcome, Outcome::Changes);
    let p = protect(
        plan_for("Administrator", Some(&admin), &change),
        Some(&admin),
        &change,
        &rules,
        &[],
    );
    assert_ne!(p.outcome, Outcome::Refused);
}

#[test]
fn lines_match_the_tui_words() {
    let a = pupil();
    let p = plan_for(
        "amir.khan",
        Some(&a),
        &Change::Disable {
            reason: "left".into(),
        },
    );
    assert_eq!(p.line, "amir.khan (Amir Khan): enabled -> disabled");
    assert_eq!(p.outcome, Outcome::Changes);
    assert_eq!(p.changes[0].before, "enabled");
    let p = plan_for(
        "amir.khan",
        Some(&a),
        &Change::Enable { override_aup: None },
    );
    assert_eq!(
        p.line,
        "amir.khan (Amir Khan): already enabled: nothing to do"
    );
    assert_eq!(p.emphasis(), Emphasis::Dim);
    let p = plan_for("amir.khan", Some(&a), &Change::Unlock);
    assert_eq!(p.line, "amir.khan (Amir Khan): not locked: nothing to do");
    let p = plan_for(
        "amir.khan",
        Some(&a),
        &Change::Move {
            ou: "OU=Year 8,DC=school,DC=test".into(),
        },
    );
    assert_eq!(
        p.line,
        "amir.khan (Amir Khan): OU=Year 7,DC=school,DC=test -> OU=Year 8,DC=school,DC=test"
    );
    let p = plan_for(
        "amir.khan",
        Some(&a),
        &Change::Groups {
            add: vec!["year 7".into(), "Library".into()],
            remove: vec!["Staff".into()],
            allow_protected: false,
        },
    );
    assert_eq!(
        p.line,
        "amir.khan (Amir Khan): +year 7 (already), +Library, -Staff (not a member)"
    );
    assert_eq!(p.changes.len(), 1);
    let p = plan_for("nobody", None, &Change::Enable { override_aup: None });
    assert_eq!(p.outcome, Outcome::NotFound);
    assert_eq!(p.emphasis(), Emphasis::Warn);
}

#[test]
fn expiry_and_password() {
    let a = pupil();
    let day = chrono::NaiveDate::from_ymd_opt(2027, 7, 23).unwrap();
    let p = plan_for("amir.khan", Some(&a), &Change::Expiry { on: Some(day) });
    assert_eq!(p.changes[0].before, "never");
    assert!(p
        .line
        .starts_with("amir.khan (Amir Khan): expires never -> "));
    let p = plan_for("amir.khan", Some(&a), &Change::Expiry { on: None });
    assert_eq!(p.outcome, Outcome::NoChange);
    let p = plan_for(
        "amir.khan",
        Some(&a),
        &Change::Password {
            choice: crate::ops::passwords::PasswordChoice::Generate,
            temporary: true,
        },
    );
    assert_eq!(p.changes.len(), 2);
    assert_eq!(p.changes[1].after, "yes");
}

/// Issue 24, item 9: moving a guest into OU=Staff makes her staff, and the plan says so.
#[test]
fn a_move_that_changes_the_role_says_so() {
    let guest = Account {
        username: "g.visitor".into(),
        dn: "CN=G Visitor,OU=Guests,DC=school,DC=test".into(),
        role: Some("guest".into()),
        enabled: true,
        ..Default::default()
    };
    let mr = MoveRoles {
        roles: Default::default(),
        base_dn: "DC=school,DC=test".into(),
    };
    let change = Change::Move {
        ou: "OU=Staff,DC=school,DC=test".into(),
    };
    let p = role_change(
        &mr,
        plan_for("g.visitor", Some(&guest), &change),
        Some(&guest),
        &change,
    );
    assert!(p.line.contains("(role: guest → staff)"), "{}", p.line);
    assert!(p
        .changes
        .iter()
        .any(|c| c.field == "role" && c.after == "staff"));
    let same = Change::Move {
        ou: "OU=Guests,DC=school,DC=test".into(),
    };
    let p = role_change(
        &mr,
        plan_for("g.visitor", Some(&guest), &same),
        Some(&guest),
        &same,
    );
    assert!(!p.line.contains("role:"), "{}", p.line);
}

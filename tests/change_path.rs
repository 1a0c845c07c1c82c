//! Issue 21, the path of a change: "disable an account" goes from the plan to the directory
//! through `ops::change` and the one runner only (no forwarding layers of `ops::actions` on
//! the way), and keeps what it did: one action-log row with the account before and after and
//! the reason; a second disable sends and logs nothing; an account that is no longer the one
//! planned is refused. A move to an OU the directory does not have is refused with the OUs it
//! has (the facts), naming no face's dialog.

use schooltech::clock::Clock;
use schooltech::ops::change::{self, Change};
use schooltech::ops::{Ctx, LogFilter};

const USER: &str = "26grahami";

fn ctx() -> Ctx {
    let t = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    Ctx::demo_with_clock(None, None, Clock::Fixed(t)).expect("demo")
}

fn rows(ctx: &Ctx, action: &str) -> Vec<serde_json::Value> {
    ctx.store()
        .expect("store")
        .log(&LogFilter {
            target: Some(USER.into()),
            ..Default::default()
        })
        .expect("log")
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.details)
        .collect()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn a_disable_is_logged_once_with_before_after_and_reason() {
    let ctx = ctx();
    let rt = rt();
    let disable = Change::Disable {
        reason: "  left the school ".into(),
    };
    let plan = rt
        .block_on(change::plan(&ctx, USER, disable.clone()))
        .expect("plan");
    assert!(plan.before.as_ref().expect("found").enabled);
    let done = rt.block_on(change::apply(&ctx, &plan)).expect("apply");
    assert!(!done.account.enabled, "{:?}", done.account);
    assert_eq!(done.nothing, None);
    let logged = rows(&ctx, "account.disable");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["reason"], "left the school");
    assert_eq!(logged[0]["before"]["enabled"], true);
    assert_eq!(logged[0]["after"]["enabled"], false);

    // Planned again: already disabled, nothing sent, no second row; the words both faces say.
    let again = rt
        .block_on(change::plan(&ctx, USER, disable.clone()))
        .expect("plan");
    let done = rt.block_on(change::apply(&ctx, &again)).expect("apply");
    assert_eq!(
        done.nothing.as_deref(),
        Some("already disabled: nothing to do")
    );
    assert_eq!(rows(&ctx, "account.disable").len(), 1);

    // The plan made while it was enabled is stale now: refused, nothing done.
    let e = rt.block_on(change::apply(&ctx, &plan)).expect_err("stale");
    assert!(e.to_string().contains("changed since"), "{e}");

    // A plan whose reason is empty is refused by apply itself, whoever built it.
    let mut empty = again;
    empty.change = Change::Disable { reason: " ".into() };
    let e = rt
        .block_on(change::apply(&ctx, &empty))
        .expect_err("no reason");
    assert!(e.to_string().contains("say why"), "{e}");
    assert_eq!(rows(&ctx, "account.disable").len(), 1);
}

#[test]
fn a_move_to_an_unknown_ou_says_which_ous_there_are() {
    let ctx = ctx();
    let e = rt()
        .block_on(schooltech::ops::actions::move_to(&ctx, USER, "OU=Nowhere"))
        .expect_err("no such OU");
    let said = e.to_string();
    assert!(said.contains("no OU \"OU=Nowhere,"), "{said}");
    assert!(said.contains("the directory's OUs: OU="), "{said}");
    assert!(!said.contains("TUI") && !said.contains("dialog"), "{said}");
    assert!(rows(&ctx, "account.move").is_empty());
}

//! The demo school's filter log: one request in each state, one closed review, by demo staff
//! who exist in the demo directory, and every seeded event in a whole action log.

mod common;

use common::run;
use schooltech::ops::filter::{self, ListQuery};
use schooltech::ops::Ctx;
use schooltech::store::{ChainStatus, Store};

#[test]
fn demo_filter_list_shows_every_state() {
    let rows = run(&["--demo", "filter", "list", "--format", "json"], None)
        .ok()
        .json();
    let rows = rows.as_array().expect("an array");
    for st in [
        "pending", "agreed", "applied", "expired", "revoked", "rejected",
    ] {
        assert!(
            rows.iter().any(|r| r["status"] == st),
            "no {st} request in the demo"
        );
    }
    assert!(rows.iter().any(|r| r["kind"] == "block"));
    assert!(rows.iter().any(|r| r["host_unicode"] == "münchen.de"));
    assert!(
        rows.iter().any(|r| r["due"] == true),
        "something due for removal"
    );
    let table = run(&["--demo", "filter", "list"], None).ok().stdout;
    assert!(table.contains("waiting for ICT Coordinator"), "{table}");
    let rep = run(
        &["--demo", "filter", "review", "report", "--format", "json"],
        None,
    )
    .ok()
    .json();
    assert!(rep["last_review"]["checks"]
        .as_str()
        .is_some_and(|c| c.contains("blocked categories")));
    let dom = run(&["--demo", "filter", "export", "--format", "domains"], None)
        .ok()
        .stdout;
    assert!(dom.contains("\nordnancesurvey.co.uk\n"), "{dom}");
    assert!(!dom.contains("tiktok") && !dom.contains("discord"), "{dom}");
}

#[tokio::test]
async fn demo_people_exist_and_the_log_is_whole() {
    let ctx = Ctx::demo(None, None).expect("demo");
    let now = ctx.now();
    let rows = filter::list(&ctx, &ListQuery::default(), now).expect("list");
    let mut people: Vec<String> = rows.iter().map(|e| e.requested_by.clone()).collect();
    people.extend(
        rows.iter()
            .flat_map(|e| e.decisions.iter().map(|d| d.by.clone())),
    );
    for p in people {
        let a = ctx.dir.get_account(&p).await.expect("lookup");
        assert!(
            a.is_some_and(|a| a.enabled),
            "{p} is an enabled demo account"
        );
    }
    let store = Store::open(&ctx.config.store.path).expect("store");
    assert!(
        matches!(store.verify_log().expect("verify"), ChainStatus::Whole { rows } if rows > 20)
    );
    // a second call does not seed again
    assert_eq!(
        filter::list(&ctx, &ListQuery::default(), now)
            .expect("list")
            .len(),
        rows.len()
    );
}

//! Issue 21, item 3 (leftover): settling an unknown outcome reads the object the journal
//! names by its stable id where the journal has it, not whoever holds the username now.

use chrono::{TimeZone, Utc};
use schooltech::clock::Clock;
use schooltech::domain::account::AccountChange;
use schooltech::ops::settle::{check, Verdict};
use schooltech::ops::Ctx;
use schooltech::store::{JournalEntry, JournalState};
use serde_json::json;

fn entry(target: &str, details: serde_json::Value) -> JournalEntry {
    JournalEntry {
        id: 1,
        started_at: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
        operator: "tech".into(),
        action: "account.disable".into(),
        target: target.into(),
        details,
        state: JournalState::Unknown,
        finished_at: None,
        error: None,
        pid: None,
        log_id: None,
        run_id: None,
        step: None,
        holder_live: None,
    }
}

#[tokio::test]
async fn a_journalled_target_is_read_by_its_id() {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let ctx = Ctx::demo_with_clock(None, None, Clock::Fixed(now)).expect("demo");
    // The account disabled (the object journalled) and another that holds the name now.
    let gone = ctx
        .dir
        .get_account("26marshalls")
        .await
        .unwrap()
        .expect("demo pupil");
    let holder = ctx
        .dir
        .get_account("26grahami")
        .await
        .unwrap()
        .expect("demo pupil");
    assert!(holder.enabled);
    ctx.dir
        .modify_account(&gone, &AccountChange::SetEnabled(false))
        .await
        .expect("disable");
    let id = gone.object_id.clone().expect("the demo gives ids");
    let by_id = check(&ctx, &entry("26grahami", json!({ "object_id": id }))).await;
    assert!(
        matches!(&by_id, Verdict::Done(_)),
        "read by id, the object journalled is disabled: {by_id:?}"
    );
    // Without an id (an older journal), by username, as before.
    let by_name = check(&ctx, &entry("26grahami", json!({}))).await;
    assert!(matches!(&by_name, Verdict::NotDone(_)), "{by_name:?}");
}

//! The TUI snapshots must not depend on the calendar: the same screens drawn with the clock
//! at the 1st, the 9th, the 10th and the 28th of a month (and at a month and a year end) give
//! the same text once dates are redacted as the snapshot tests redact them.

mod tui_support;

use chrono::{DateTime, Utc};
use crossterm::event::KeyCode;
use tui_support::{at, demo_at, frozen_now, redact, Harness};

/// The screens the snapshot tests take, drawn at `now` at 80×24 and 120×40.
async fn screens(now: DateTime<Utc>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (w, ht) in [(80u16, 24u16), (120, 40)] {
        let mut h = Harness::new(demo_at(now, None), w, ht).await;
        out.push((format!("accounts {w}x{ht}"), redact(&h.screen(w, ht))));
        h.key(KeyCode::Enter).await;
        out.push((format!("detail {w}x{ht}"), redact(&h.screen(w, ht))));
        h.key(KeyCode::Esc).await;
        // A change, so that the log and the details pane show rows written "now".
        h.key(KeyCode::Char('u')).await;
        h.key(KeyCode::Char('y')).await;
        h.key(KeyCode::Char('3')).await;
        out.push((format!("log {w}x{ht}"), redact(&h.screen(w, ht))));

        let mut h = Harness::new(demo_at(now, Some(now.date_naive())), w, ht).await;
        h.key(KeyCode::Char('2')).await;
        out.push((format!("passwords {w}x{ht}"), redact(&h.screen(w, ht))));
        h.key(KeyCode::Char('c')).await;
        out.push((format!("creds {w}x{ht}"), redact(&h.screen(w, ht))));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_screens_are_the_same_on_every_day_of_the_month() {
    let reference = screens(frozen_now()).await;
    for day in [
        at(2026, 12, 1),
        at(2026, 12, 9),
        at(2026, 12, 10),
        at(2026, 11, 28),
        at(2026, 12, 31),
        at(2027, 3, 1),
    ] {
        let other = screens(day).await;
        for ((name, want), (_, got)) in reference.iter().zip(&other) {
            assert_eq!(
                want,
                got,
                "{name} drawn on {day} differs from the one drawn on {}",
                frozen_now()
            );
        }
    }
}

#[test]
fn redaction_keeps_columns_whatever_the_day() {
    // Padded in a column, unpadded in words, at the start of a line, with a time.
    let one = redact("x  1 Dec 2026 y\nas of 1 Dec 2026 | z\n 1 Dec 2026 07:07 a");
    let two = redact("x 28 Nov 2026 y\nas of 28 Nov 2026 | z\n28 Nov 2026 07:07 a");
    assert_eq!(one, two);
}

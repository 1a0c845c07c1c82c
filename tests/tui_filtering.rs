//! The Filtering tab over the demo school's filter log, with the clock fixed: the queue and its
//! filters, the detail pane, a new request (and refused ones), two decisions by the two roles,
//! a refused self-approval, apply, revoke, and a review round start → items → close; snapshots
//! at 80×24 and 120×40 (dates redacted); and the frame time with 10,000 requests (printed).

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use schooltech::domain::filter::Status;
use schooltech::tui::app::{self, Msg};
use schooltech::tui::dialogs::Dialog;
use schooltech::tui::shell::view as ui;
use std::time::{Duration, Instant};
use tui_support::{demo_at, frozen_now, redact, Harness};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(h: &Harness, name: &str, w: u16, ht: u16) {
    let text = redact(&h.screen(w, ht));
    insta::assert_snapshot!(format!("{name}_{w}x{ht}"), text);
}

async fn open(w: u16, ht: u16) -> Harness {
    let mut h = Harness::new(demo_at(frozen_now(), None), w, ht).await;
    h.key(KeyCode::Char('6')).await;
    h
}

/// The error line of the form on top, if any.
fn form_error(h: &Harness) -> Option<String> {
    match h.state.dialogs.last() {
        Some(Dialog::Form(f)) => f.error.clone(),
        _ => None,
    }
}

fn top_is_form(h: &Harness) -> bool {
    matches!(h.state.dialogs.last(), Some(Dialog::Form(_)))
}

/// Clears the focused text field and types `text` into it.
async fn retype(h: &mut Harness, text: &str) {
    h.key_mod(KeyCode::Char('u'), KeyModifiers::CONTROL).await;
    h.type_text(text).await;
}

fn status_of(h: &Harness, id: i64) -> Option<Status> {
    h.state
        .tabs
        .filtering
        .table
        .row(&id.to_string())
        .map(|r| r.status)
}

fn cursor_id(h: &Harness) -> Option<i64> {
    h.state.tabs.filtering.current().map(|r| r.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_filters_and_detail() {
    let mut h = open(120, 40).await;
    let tab = &h.state.tabs.filtering;
    assert!(tab.loaded, "{:?}", tab.error);
    assert_eq!(tab.table.rows().len(), 9);
    let screen = h.screen(120, 40);
    assert!(screen.contains("[6 Filtering]"), "{screen}");
    assert!(screen.contains("ordnancesurvey.co.uk"), "{screen}");
    assert!(
        screen.contains("expired DUE"),
        "due for removal is marked: {screen}"
    );

    // t: pending only.
    h.key(KeyCode::Char('t')).await;
    let shown: Vec<i64> = h.state.tabs.filtering.table.shown().map(|r| r.id).collect();
    assert_eq!(shown, [8, 9]);
    assert!(h.screen(120, 40).contains("filter: status=pending"));
    h.key(KeyCode::Char('t')).await; // agreed
    let shown: Vec<i64> = h.state.tabs.filtering.table.shown().map(|r| r.id).collect();
    assert_eq!(shown, [5, 7]);
    h.key(KeyCode::Char('F')).await;
    assert_eq!(h.state.tabs.filtering.table.shown().count(), 9);

    // The filter form: due for removal.
    h.key(KeyCode::Char('f')).await;
    for _ in 0..3 {
        h.key(KeyCode::Tab).await;
    }
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    let shown: Vec<i64> = h.state.tabs.filtering.table.shown().map(|r| r.id).collect();
    assert_eq!(shown, [2, 3], "expired and revoked, still in the filter");
    h.key(KeyCode::Char('F')).await;

    // Search: by requester.
    h.key(KeyCode::Char('/')).await;
    h.type_text("loconnor").await;
    h.key(KeyCode::Enter).await;
    let shown: Vec<i64> = h.state.tabs.filtering.table.shown().map(|r| r.id).collect();
    assert_eq!(shown, [4, 9]);
    h.key(KeyCode::Esc).await;

    // Sort by days left (soonest first).
    for _ in 0..4 {
        h.key(KeyCode::Char('s')).await;
    }
    assert_eq!(
        h.state.tabs.filtering.table.shown().next().map(|r| r.id),
        Some(4)
    );
    h.key(KeyCode::Char('s')).await; // back to #

    // The detail pane: the whole history of #3.
    h.key(KeyCode::Home).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Down).await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen(120, 40);
    assert!(screen.contains("Request #3"), "{screen}");
    assert!(screen.contains("spatel  approve as"), "{screen}");
    assert!(screen.contains("revoked: Staff now use"), "{screen}");
    assert!(screen.contains("[review #1]"), "{screen}");
    // Moving the cursor reads the next one's history.
    h.key(KeyCode::Down).await;
    assert!(h.screen(120, 40).contains("Request #4"));
    assert!(h.screen(120, 40).contains("(ref SW-2402)"));
    h.key(KeyCode::Esc).await;
    assert!(!h.state.tabs.filtering.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_decide_apply_revoke() {
    let mut h = open(120, 40).await;

    // A public suffix alone is refused in the form, with the normaliser's message.
    h.key(KeyCode::Char('n')).await;
    assert!(top_is_form(&h));
    h.type_text("jsmith").await;
    h.key(KeyCode::Tab).await;
    h.type_text("co.uk").await;
    h.key(KeyCode::Tab).await;
    h.type_text("KS3 computing: how the web works").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("the form shows the problem");
    assert!(err.contains("public suffix"), "{err}");
    assert_eq!(
        h.state.tabs.filtering.table.rows().len(),
        9,
        "nothing recorded"
    );

    // A page's address: the page or the whole site must be chosen (issue 24, item 6).
    h.key(KeyCode::BackTab).await;
    retype(&mut h, "https://www.bbc.co.uk/bitesize").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("page or site not chosen");
    assert!(err.contains("is the address of a page"), "{err}");
    for _ in 0..5 {
        h.key(KeyCode::Tab).await; // to Page or site
    }
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Right).await; // whole site
    for _ in 0..5 {
        h.key(KeyCode::BackTab).await;
    }
    // Someone not in the directory is refused by the ops layer, into the form.
    h.key(KeyCode::BackTab).await;
    retype(&mut h, "nobody").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("refused");
    assert!(err.contains("nobody is not in the directory"), "{err}");

    // Recorded, after the confirmation that shows its scope and expiry.
    retype(&mut h, "jsmith").await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen(120, 40);
    assert!(
        screen.contains("Record this filter request?")
            && screen.contains("the whole site bbc.co.uk (every page)")
            && screen.contains("permanent: until it is revoked"),
        "{screen}"
    );
    h.key(KeyCode::Char('y')).await; // the confirmation
    assert!(!top_is_form(&h), "the form closes: {:?}", form_error(&h));
    assert_eq!(h.state.tabs.filtering.table.rows().len(), 10);
    assert_eq!(status_of(&h, 10), Some(Status::Pending));
    assert_eq!(cursor_id(&h), Some(10), "the cursor is on the new request");
    let status = h
        .state
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("recorded #10"), "{status}");

    // The same again: linked to #10 and said so; nothing recorded.
    h.key(KeyCode::Char('n')).await;
    retype(&mut h, "grees").await;
    h.key(KeyCode::Tab).await;
    h.type_text("bbc.co.uk").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Revision").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await; // the confirmation
    assert_eq!(h.state.tabs.filtering.table.rows().len(), 10);
    let screen = h.screen(120, 40);
    assert!(screen.contains("Already requested"), "{screen}");
    assert!(screen.contains("#10"), "{screen}");
    h.key(KeyCode::Esc).await;
    assert_eq!(cursor_id(&h), Some(10));

    // The requester cannot approve their own request.
    h.key(KeyCode::Char('d')).await;
    h.key(KeyCode::Tab).await; // By
    retype(&mut h, "jsmith").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await; // Comment
    h.type_text("Fine").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("self-approval refused");
    assert!(
        err.contains("jsmith asked for #10, so cannot approve it"),
        "{err}"
    );
    // The Network Manager approves.
    h.key(KeyCode::BackTab).await;
    h.key(KeyCode::BackTab).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await; // the confirmation
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    assert_eq!(status_of(&h, 10), Some(Status::Pending));

    // One person cannot decide for both roles: the dialog starts on the role still to decide.
    h.key(KeyCode::Char('d')).await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    h.type_text("Curriculum need confirmed").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("one person for both roles refused");
    assert!(
        err.contains("one person cannot decide for both roles"),
        "{err}"
    );
    h.key(KeyCode::BackTab).await;
    h.key(KeyCode::BackTab).await;
    retype(&mut h, "kmensah").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await; // the confirmation
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    assert_eq!(status_of(&h, 10), Some(Status::Agreed));

    // Deciding again on an agreed request is refused.
    h.key(KeyCode::Char('d')).await;
    h.key(KeyCode::Tab).await;
    retype(&mut h, "kmensah").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    h.type_text("again").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("deciding twice refused");
    assert!(err.contains("already agreed"), "{err}");
    h.key(KeyCode::Esc).await;

    // Apply.
    h.key(KeyCode::Char('a')).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Tab).await;
    h.type_text("SW-9000").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await; // the confirmation
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    assert_eq!(status_of(&h, 10), Some(Status::Applied));

    // Revoke: it stays due for removal from the filter.
    h.key(KeyCode::Char('x')).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Bitesize is now on the allow list").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('y')).await; // the confirmation
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    assert_eq!(status_of(&h, 10), Some(Status::Revoked));
    assert!(h
        .state
        .tabs
        .filtering
        .table
        .row("10")
        .is_some_and(|r| r.due));

    // Enter shows the whole history.
    h.key(KeyCode::Enter).await;
    let screen = h.screen(120, 40);
    for want in [
        "jsmith  requested (school)",
        "spatel  approve as",
        "kmensah  approve as",
        "(ref SW-9000)",
        "revoked: Bitesize is",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    h.key(KeyCode::Esc).await;

    // Each event went to the action log.
    h.key(KeyCode::Char('3')).await;
    let log = h.screen(120, 40);
    assert!(
        log.contains("filter."),
        "the log tab shows the filter events: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_round_start_items_close() {
    let mut h = open(120, 40).await;
    h.key(KeyCode::Char('v')).await;
    assert!(h.screen(120, 40).contains("No review is open"));
    // Closing with no review open says so.
    h.key(KeyCode::Char('c')).await;
    assert!(!top_is_form(&h));

    h.key(KeyCode::Char('b')).await;
    retype(&mut h, "spatel").await;
    h.key(KeyCode::Enter).await;
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    let left = h.state.tabs.filtering.review_items().len();
    assert_eq!(left, 4, "every exception in force");

    // Closing too early is refused by the ops layer, with its message.
    h.key(KeyCode::Char('c')).await;
    h.type_text("Sample of blocked categories tested").await;
    h.key(KeyCode::Enter).await;
    let err = form_error(&h).expect("refused");
    assert!(err.contains("has not looked at"), "{err}");
    h.key(KeyCode::Esc).await;

    // Keep the first, shorten the second, keep the rest.
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Tab).await;
    h.type_text("Still used every week").await;
    h.key(KeyCode::Enter).await;
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    assert_eq!(h.state.tabs.filtering.review_items().len(), 3);

    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Right).await;
    h.key(KeyCode::Right).await; // shorten
    h.key(KeyCode::Tab).await;
    h.type_text("2026-12-18").await;
    h.key(KeyCode::Tab).await;
    h.type_text("Only until the end of term").await;
    h.key(KeyCode::Enter).await;
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    snap(&h, "filtering_review_open", 120, 40);

    while !h.state.tabs.filtering.review_items().is_empty() {
        h.key(KeyCode::Enter).await;
        h.key(KeyCode::Tab).await;
        h.key(KeyCode::Tab).await;
        h.type_text("Still needed").await;
        h.key(KeyCode::Enter).await;
        assert!(!top_is_form(&h), "{:?}", form_error(&h));
    }
    h.key(KeyCode::Char('c')).await;
    h.type_text("Sample of blocked categories tested from a pupil login")
        .await;
    h.key(KeyCode::Tab).await;
    h.type_text("One shortened").await;
    h.key(KeyCode::Enter).await;
    assert!(!top_is_form(&h), "{:?}", form_error(&h));
    assert!(h.state.tabs.filtering.review.is_none());
    let screen = h.screen(120, 40);
    assert!(screen.contains("last review #2"), "{screen}");
    let rep = h.state.tabs.filtering.report.clone().expect("the report");
    let last = rep.last_review.expect("a closed review");
    assert_eq!(last.actions.len(), 4);
    assert_eq!(
        last.actions
            .iter()
            .filter(|a| a.action == "shorten")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_under_as_of() {
    let now = frozen_now();
    let mut h = Harness::new(demo_at(now, Some(now.date_naive())), 120, 40).await;
    h.key(KeyCode::Char('6')).await;
    assert!(h.state.tabs.filtering.loaded);
    for k in ['n', 'd', 'a', 'x'] {
        h.key(KeyCode::Char(k)).await;
        assert!(!top_is_form(&h), "{k} opens nothing under --as-of");
        let s = h
            .state
            .status
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default();
        assert!(s.contains("read-only"), "{s}");
    }
    h.key(KeyCode::Char('v')).await;
    h.key(KeyCode::Char('b')).await;
    assert!(!top_is_form(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots() {
    for (w, ht) in SIZES {
        let mut h = open(w, ht).await;
        snap(&h, "filtering", w, ht);
        h.key(KeyCode::Char('t')).await;
        snap(&h, "filtering_pending", w, ht);
        h.key(KeyCode::Char('F')).await;
        h.key(KeyCode::Down).await;
        h.key(KeyCode::Enter).await;
        snap(&h, "filtering_detail", w, ht);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('n')).await;
        h.type_text("jsmith").await;
        h.key(KeyCode::Tab).await;
        h.type_text("co.uk").await;
        h.key(KeyCode::Tab).await;
        h.type_text("Testing").await;
        h.key(KeyCode::Enter).await;
        snap(&h, "filtering_request_refused", w, ht);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::End).await;
        h.key(KeyCode::Up).await; // #8: one approval so far
        h.key(KeyCode::Char('d')).await;
        snap(&h, "filtering_decide", w, ht);
        h.key(KeyCode::Esc).await;
        h.key(KeyCode::Char('v')).await;
        snap(&h, "filtering_review", w, ht);
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

/// Seeds `n` requests (a mix of every state, as `benches/filter_log.rs` does) into the store.
fn seed(path: &std::path::Path, n: i64) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    let tx = conn.transaction().expect("tx");
    {
        let mut req = tx
            .prepare(
                "INSERT INTO filter_requests (id, requested_at, requested_by, kind, site, host, host_unicode, \
                 registrable_domain, subdomains, path, ip, scope, reason, until) \
                 VALUES (?1, '2026-09-01T09:00:00Z', 'teacher', ?2, ?3, ?3, ?3, ?4, 0, ?5, NULL, ?6, 'Curriculum need', ?7)",
            )
            .expect("prepare");
        let mut ev = tx
            .prepare(
                "INSERT INTO filter_events (request_id, at, actor, event, role, verdict, reference, note) \
                 VALUES (?1, '2026-09-02T09:00:00Z', ?2, ?3, ?4, ?5, ?6, 'ok')",
            )
            .expect("prepare");
        let scopes = ["school", "staff", "pupils", "year-9", "group:Geography"];
        for i in 1..=n {
            let host = format!("site{i}.example{}.co.uk", i % 97);
            let reg = format!("example{}.co.uk", i % 97);
            let kind = if i % 10 == 0 { "block" } else { "unblock" };
            let path = (i % 7 == 0).then(|| format!("/page/{i}"));
            let until = match i % 11 {
                0 => Some("2026-10-01"),
                1..=3 => Some("2031-01-10"),
                _ => None,
            };
            req.execute(rusqlite::params![
                i,
                kind,
                host,
                reg,
                path,
                scopes[i as usize % 5],
                until
            ])
            .expect("request");
            let state = i % 6;
            let mut event = |actor: &str, what: &str, role: Option<&str>, v: Option<&str>| {
                let reference = (what == "applied").then(|| format!("SW-{i}"));
                ev.execute(rusqlite::params![i, actor, what, role, v, reference])
                    .expect("event");
            };
            if state >= 1 {
                let v = if state == 5 { "reject" } else { "approve" };
                event("nm", "decision", Some("network-manager"), Some(v));
            }
            if (2..=4).contains(&state) {
                event("ict", "decision", Some("ict-coordinator"), Some("approve"));
            }
            if (3..=4).contains(&state) {
                event("nm", "applied", None, None);
            }
            if state == 4 {
                event("nm", "revoked", None, None);
            }
        }
    }
    tx.commit().expect("commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_frame_time() {
    let ctx = demo_at(frozen_now(), None);
    drop(schooltech::store::Store::open(&ctx.config.store.path).expect("store"));
    seed(&ctx.config.store.path, 10_000);
    let t = Instant::now();
    let mut h = Harness::new(ctx, 120, 40).await;
    h.key(KeyCode::Char('6')).await;
    let loaded = t.elapsed();
    assert_eq!(h.state.tabs.filtering.table.rows().len(), 10_000);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut frame = |h: &Harness, n: usize| {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            term.draw(|f| ui::draw(f, &h.state)).expect("draw");
            v.push(t.elapsed());
        }
        v
    };
    let mut queue = frame(&h, 200);
    h.key(KeyCode::Char('s')).await; // by site
    h.key(KeyCode::Enter).await; // detail pane
    let mut detail = frame(&h, 200);
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('/')).await;
    let mut keys = Vec::new();
    for c in "example4".chars() {
        let t = Instant::now();
        let cmds = app::update(
            &mut h.state,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        term.draw(|f| ui::draw(f, &h.state)).expect("draw");
        keys.push(t.elapsed());
        h.run(cmds);
    }
    h.settle().await;
    println!(
        "10,000 requests: tab loaded in {loaded:?}; frame 120x40 median {:?} p99 {:?}; with the detail pane median {:?} p99 {:?}; search keystroke to frame median {:?}",
        pct(&mut queue, 0.5),
        pct(&mut queue, 0.99),
        pct(&mut detail, 0.5),
        pct(&mut detail, 0.99),
        pct(&mut keys, 0.5),
    );
}

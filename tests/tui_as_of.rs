//! `--as-of` in the full-screen program: every key of every tab (from the tabs' own key tables,
//! so a new key cannot be missed), pressed from the tab and from each of its panels and followed
//! by what a tired technician types next (text, Enter, y, Enter, y), changes nothing: the store
//! and the directory are as they were, and the changing keys say the gate's words, the same ones
//! the command line prints (`ops::as_of_refusal`).

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use schooltech::domain::account::AccountQuery;
use schooltech::tui::app::Msg;
use schooltech::tui::keymap::{Action, KeyCombo};
use schooltech::tui::tabs::key_tables;
use std::path::Path;
use tui_support::{demo_at, frozen_now, Harness};

const GATE_WORDS: &str = "--as-of is for reports and dry runs";

/// Every row of every table of the store, as text.
fn store_dump(path: &Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("opening the store to read");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("listing tables");
    let mut out = String::new();
    for t in tables {
        let mut st = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("select");
        let n = st.column_count();
        let rows: Vec<String> = st
            .query_map([], |r| {
                let mut row = Vec::with_capacity(n);
                for i in 0..n {
                    row.push(format!("{:?}", r.get_ref(i)?));
                }
                Ok(row.join("|"))
            })
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .expect("rows");
        out.push_str(&format!("{t}: {}\n", rows.join("\n  ")));
    }
    out
}

/// Size and modification time of the store file, and the length of its WAL (opening the store
/// makes an empty one; any commit makes it grow, or, folded in, touches the file).
fn file_marks(path: &Path) -> (Option<(u64, std::time::SystemTime)>, u64) {
    let wal = path.with_extension("db-wal");
    let file = std::fs::metadata(path)
        .ok()
        .and_then(|m| Some((m.len(), m.modified().ok()?)));
    (file, std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0))
}

/// The keys that open a panel (or a view) of a tab: a tab's own verbs by name, and details.
fn is_panel(a: Action) -> bool {
    a == Action::Details
        || matches!(a, Action::Verb(_))
            && matches!(
                a.name(),
                "policy"
                    | "creds"
                    | "review"
                    | "disposal"
                    | "audit"
                    | "runs"
                    | "sweep-plan"
                    | "sync"
                    | "status"
            )
}

async fn press(h: &mut Harness, combo: KeyCombo) {
    h.key_mod(combo.code, combo.mods).await;
}

/// Presses keys one after the other without waiting for background work in between (as fast
/// fingers do), then waits once.
async fn rush(h: &mut Harness, combos: &[KeyCombo]) {
    for c in combos {
        h.feed(Msg::Key(KeyEvent::new(c.code, c.mods)));
    }
    h.settle().await;
}

fn chars(text: &str) -> Vec<KeyCombo> {
    text.chars()
        .map(|c| KeyCombo {
            code: KeyCode::Char(c),
            mods: KeyModifiers::NONE,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_of_any_tab_changes_anything_under_as_of() {
    let now = frozen_now();
    let ctx = demo_at(now, Some(now.date_naive()));
    let store = ctx.config.store.path.clone();
    let dir = ctx.dir.clone();
    let accounts = || async {
        let l = dir
            .search_accounts(&AccountQuery::default())
            .await
            .expect("listing the demo");
        serde_json::to_string(&l.accounts).expect("json")
    };
    let store_before = store_dump(&store);
    let dir_before = accounts().await;
    let mut h = Harness::new(ctx, 100, 30).await;
    let marks_before = file_marks(&store);

    let enter = KeyCombo::parse("enter").expect("enter");
    let yes = KeyCombo::parse("y").expect("y");
    let esc = KeyCombo::parse("esc").expect("esc");
    let mut refused_on = Vec::new();
    for (i, table) in key_tables().into_iter().enumerate() {
        let tab_key = KeyCombo {
            code: KeyCode::Char(char::from(b'1' + i as u8)),
            mods: KeyModifiers::NONE,
        };
        let panels: Vec<Option<KeyCombo>> = std::iter::once(None)
            .chain(
                table
                    .rows
                    .iter()
                    .filter(|r| is_panel(r.2))
                    .filter_map(|r| KeyCombo::parse(r.1).ok())
                    .map(Some),
            )
            .collect();
        let mut said_gate = false;
        for panel in &panels {
            for row in table.rows {
                let Ok(combo) = KeyCombo::parse(row.1) else {
                    continue;
                };
                let mut to_start = vec![esc, esc, esc, esc, tab_key];
                to_start.extend(panel.iter().copied());
                rush(&mut h, &to_start).await;
                h.state.status = None;
                press(&mut h, combo).await;
                if h.state
                    .status
                    .as_ref()
                    .is_some_and(|s| s.text.contains(GATE_WORDS))
                {
                    said_gate = true;
                }
                // What a tired technician does next.
                let mut next = chars("gate");
                next.extend([enter, yes, enter, yes]);
                rush(&mut h, &next).await;
                if h.state
                    .status
                    .as_ref()
                    .is_some_and(|s| s.text.contains(GATE_WORDS))
                {
                    said_gate = true;
                }
                // Cheap after every key: any commit grows or touches the WAL or the file.
                assert_eq!(
                    file_marks(&store),
                    marks_before,
                    "tab {} key {:?} (after panel {panel:?}) wrote to the store under --as-of",
                    i + 1,
                    row.1
                );
            }
        }
        // Whole after every tab.
        assert_eq!(
            store_dump(&store),
            store_before,
            "a key of tab {} changed the store under --as-of",
            i + 1
        );
        assert_eq!(
            accounts().await,
            dir_before,
            "a key of tab {} changed the directory under --as-of",
            i + 1
        );
        if said_gate {
            refused_on.push(i + 1);
        }
    }
    // Every tab that has changing keys (all but the Log and Report tabs) said the gate's words.
    for tab in [1, 2, 4, 5, 6] {
        assert!(
            refused_on.contains(&tab),
            "tab {tab} never said {GATE_WORDS:?} under --as-of (said it on {refused_on:?})"
        );
    }
}

//! The shell: everything on screen that is not a tab. The header facts, the keymap and theme,
//! the connection, open dialogs, the status bar, the jobs running in the background, the
//! generation counter, and the announcements of changes that every tab hears
//! ([`crate::tui::tabs::Changed`]). Tabs get `&mut Shell` in every call of their contract.

pub mod dialog_keys;
pub mod view;

use crate::clock::Clock;
use crate::domain::account::Account;
use crate::domain::secret::Secret;
use crate::error::Error;
use crate::ops::protect::Protection;
use crate::ops::Ctx;
use crate::tui::dialogs::{Message, SecretShow, Tone};
use crate::tui::ground::Ground;
use crate::tui::keymap::Keymap;
use crate::tui::tabs::{Changed, Confirm, Dialog, Form, Purpose, Tab};
use crate::tui::theme::Theme;
use crate::tui::work::Cmd;
use chrono::{DateTime, NaiveDate, Utc};

/// The connection to the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conn {
    /// Connecting.
    Connecting,
    /// Connected and bound.
    Connected,
    /// Lost or never made; the text says why.
    Offline(String),
}

/// What the header shows about where we are, and the rules the previews apply; fixed for a
/// run.
#[derive(Debug, Clone)]
pub struct Env {
    /// The school's name.
    pub school: String,
    /// The directory server.
    pub server: String,
    /// The directory flavour, in words.
    pub flavour: String,
    /// Who is running the program.
    pub operator: String,
    /// `--as-of`, if given.
    pub as_of: Option<NaiveDate>,
    /// Days a guest account lasts by default.
    pub guest_days: u32,
    /// Where "now" comes from (the machine's clock; fixed in tests).
    pub clock: Clock,
    /// The protected accounts and groups (`[protect]`), so previews show what will be refused.
    pub protection: Protection,
    /// What a password's expiry is judged by (the one answer the details show).
    pub expiry: crate::ops::compliance::ExpiryRules,
    /// What a move's new role is judged by (the move preview says when the role changes).
    pub move_roles: crate::ops::preview::MoveRoles,
}

impl Env {
    /// The environment of a context.
    pub fn from_ctx(ctx: &Ctx) -> Env {
        Env {
            school: ctx.config.school.name.clone(),
            server: ctx.dir.server(),
            flavour: ctx.dir.flavour().to_string(),
            operator: ctx.operator.clone(),
            as_of: ctx.as_of,
            guest_days: ctx.config.accounts.guest_days,
            clock: ctx.clock,
            protection: Protection::from_ctx(ctx),
            expiry: crate::ops::compliance::ExpiryRules::from_ctx(ctx),
            move_roles: crate::ops::preview::MoveRoles::from_ctx(ctx),
        }
    }
}

/// A line for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// True for errors.
    pub error: bool,
}

/// Background work that changes things (the quit question counts these; the progress dialog
/// shows one).
pub use crate::tui::dialogs::progress::Job;

/// Everything but the tabs.
#[derive(Debug)]
pub struct Shell {
    /// Header facts.
    pub env: Env,
    /// Key bindings.
    pub keymap: Keymap,
    /// Styles.
    pub theme: Theme,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// The moment statuses and ages are judged at.
    pub now: DateTime<Utc>,
    /// The tab shown.
    pub tab: Tab,
    /// The directory connection.
    pub conn: Conn,
    /// Open dialogs, the top one last.
    pub dialogs: Vec<Dialog>,
    /// The status bar.
    pub status: Option<Status>,
    /// Changes running in the background.
    pub jobs: Vec<Job>,
    /// Spinner frame.
    pub spinner: usize,
    /// Mouse reporting on.
    pub mouse: bool,
    /// Generation of the connection attempt in flight.
    pub connect_gen: u64,
    /// Last generation number handed out.
    pub gen: u64,
    /// Something changed since the last draw.
    pub dirty: bool,
    /// Changes announced since the last message, for every tab to hear.
    pub announced: Vec<Changed>,
    /// A tab asked to show another tab (by that tab's number-key action), after this message.
    pub goto: Option<crate::tui::keymap::Action>,
    /// A change to more targets than this is confirmed by typing the count (`[tui]
    /// type_to_confirm`).
    pub type_to_confirm: usize,
    /// An action to run again once the question about hidden selected rows was answered:
    /// (the action, act on the visible ones only).
    pub again: Option<(crate::tui::keymap::Action, bool)>,
    /// With `goto`: the report figure whose rows the tab shown next is to be filtered to (its
    /// stable key: `passwords.needing-change`, `leavers.zombies`, …); see `Page::drill`.
    pub drill: Option<crate::tui::tabs::Drill>,
    /// The help's search (`/` in help) and whether it is being typed.
    pub help_search: (String, bool),
}

impl Shell {
    /// A fresh shell.
    pub fn new(env: Env, theme: Theme, size: (u16, u16), now: DateTime<Utc>) -> Shell {
        Shell {
            env,
            keymap: crate::tui::tabs::keymap(),
            theme,
            size,
            now,
            tab: Tab::ALL[0],
            conn: Conn::Connecting,
            dialogs: Vec::new(),
            status: None,
            jobs: Vec::new(),
            spinner: 0,
            mouse: false,
            connect_gen: 0,
            gen: 0,
            dirty: true,
            announced: Vec::new(),
            goto: None,
            type_to_confirm: 20,
            again: None,
            drill: None,
            help_search: (String::new(), false),
        }
    }

    /// A new generation number.
    pub fn next_gen(&mut self) -> u64 {
        self.gen += 1;
        self.gen
    }

    /// Tells every tab (after this message) that something changed.
    pub fn announce(&mut self, c: Changed) {
        if !self.announced.contains(&c) {
            self.announced.push(c);
        }
    }

    /// Shows a message in the status bar.
    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Shows an error in the status bar, and marks the connection lost if it was that.
    pub fn error(&mut self, e: &Error) {
        self.note_error(e);
        self.status = Some(Status {
            text: e.to_string(),
            error: true,
        });
    }

    /// Marks the connection lost if `e` says so.
    pub fn note_error(&mut self, e: &Error) {
        if e.is_offline() {
            self.conn = Conn::Offline(e.to_string());
        }
    }

    /// Rows of the body area (between tabs and status bar).
    pub fn body_height(&self) -> usize {
        usize::from(self.size.1.saturating_sub(4))
    }

    /// What widgets and dialogs draw with, made afresh for each frame.
    pub fn ground(&self) -> Ground<'_> {
        Ground {
            theme: &self.theme,
            keymap: &self.keymap,
            spinner: self.spinner,
            offline: match &self.conn {
                Conn::Offline(why) => Some(why.as_str()),
                _ => None,
            },
        }
    }

    /// Why a tab has nothing to show yet: its last read failed, the connection is down, or
    /// the read is still running. `what` is what it reads ("the password report").
    pub fn not_loaded(&self, error: Option<&String>, what: &str) -> String {
        self.ground().not_loaded(error, what)
    }

    /// True (and says why in the status bar) when `--as-of` makes this a read-only run.
    pub fn read_only(&mut self) -> bool {
        match self.env.as_of {
            Some(_) => {
                self.info(format!("read-only: {}", crate::ops::AS_OF_REFUSAL_SHORT));
                true
            }
            None => false,
        }
    }

    /// Starts counting a job of `total` items (with a progress dialog for more than one);
    /// returns its generation, which its command carries.
    pub fn start_job(&mut self, title: String, total: usize, done_word: &str) -> u64 {
        let gen = self.next_gen();
        self.jobs.push(Job {
            gen,
            title,
            total,
            done: 0,
            ok: 0,
            failures: Vec::new(),
            done_word: done_word.into(),
            unchanged: 0,
        });
        if total > 1 {
            self.dialogs.push(Dialog::Progress(gen));
        }
        gen
    }

    /// Removes a finished job.
    pub fn take_job(&mut self, gen: u64) -> Option<Job> {
        let i = self.jobs.iter().position(|j| j.gen == gen)?;
        Some(self.jobs.remove(i))
    }

    /// Counts one item of a job that was already so (nothing sent, no log row); `why` is the
    /// ops layer's words ("already disabled: nothing to do"). False when nobody waits.
    pub fn job_unchanged(&mut self, gen: u64, who: &str, why: &str) -> bool {
        let Some(job) = self.jobs.iter_mut().find(|j| j.gen == gen) else {
            return false;
        };
        job.done += 1;
        job.ok += 1;
        job.unchanged += 1;
        if job.total == 1 {
            self.info(format!("{who}: {why}"));
        }
        true
    }

    /// Counts one item of a job as done (`Err` with why it failed); for a job of one item, a
    /// failure also opens a message. False when nobody waits for this job.
    pub fn job_step(&mut self, gen: u64, who: &str, result: Result<(), &Error>) -> bool {
        let Some(job) = self.jobs.iter_mut().find(|j| j.gen == gen) else {
            return false;
        };
        job.done += 1;
        let single = job.total == 1;
        let word = job.done_word.clone();
        match result {
            Ok(()) => {
                job.ok += 1;
                if single {
                    self.info(format!("{who}: {word}"));
                }
            }
            Err(e) => {
                // A protected account is skipped, not failed: say so in the report.
                let why = match e {
                    Error::Protected(_) => format!("skipped: {e}"),
                    _ => e.to_string(),
                };
                job.failures.push((who.to_string(), why));
                self.note_error(e);
                if single {
                    self.error(e);
                    self.dialogs.push(Dialog::Message(Message::error(
                        &format!("{who}: not {word}"),
                        &e.to_string(),
                    )));
                }
            }
        }
        true
    }

    /// The form waiting for the answer with this generation.
    pub fn waiting_form(&mut self, gen: u64) -> Option<&mut Form> {
        self.dialogs.iter_mut().rev().find_map(|d| match d {
            Dialog::Form(f) if f.waiting.map(|w| w.0) == Some(gen) => Some(f),
            _ => None,
        })
    }

    /// Puts `d` where the progress dialog of job `gen` was (or on top).
    pub fn replace_progress(&mut self, gen: u64, d: Dialog) {
        match self
            .dialogs
            .iter()
            .position(|x| matches!(x, Dialog::Progress(g) if *g == gen))
        {
            Some(i) => self.dialogs[i] = d,
            None => self.dialogs.push(d),
        }
    }

    /// After a bulk change of more than one item: replaces its progress bar with a report of
    /// what was done, what failed and why it stopped, if it did.
    pub fn report_bulk(&mut self, gen: u64, job: &Job, stopped: Option<&str>) {
        if job.total <= 1 {
            return;
        }
        let mut lines = vec![(
            format!(
                "{} of {} accounts {}.{}",
                job.ok - job.unchanged.min(job.ok),
                job.total,
                job.done_word,
                if job.unchanged > 0 {
                    format!(" {} already so: nothing to do (not logged).", job.unchanged)
                } else {
                    String::new()
                }
            ),
            if job.failures.is_empty() {
                Tone::Good
            } else {
                Tone::Warn
            },
        )];
        if !job.failures.is_empty() {
            lines.push((format!("{} failed:", job.failures.len()), Tone::Bad));
            for (u, e) in &job.failures {
                lines.push((format!("  {u}: {e}"), Tone::Bad));
            }
        }
        if let Some(why) = stopped {
            lines.push((
                format!(
                    "Stopped early ({} not tried): {why}",
                    job.total.saturating_sub(job.done)
                ),
                Tone::Bad,
            ));
        }
        self.replace_progress(gen, Dialog::Message(Message::new(&job.title, lines)));
        self.info(format!(
            "{}: {} ok, {} failed",
            job.title,
            job.ok,
            job.failures.len()
        ));
    }

    /// Shows a generated password once.
    pub fn show_secret(&mut self, title: &str, lines: Vec<(String, Tone)>, a: &Account, p: Secret) {
        self.dialogs.push(Dialog::Secret(SecretShow {
            title: title.into(),
            lines,
            username: a.username.clone(),
            password: p,
            reminder: false,
        }));
    }

    /// Removes the dialog a confirmation came from (the form or picker under it).
    pub fn pop_origin(&mut self) {
        if matches!(
            self.dialogs.last(),
            Some(Dialog::Form(_) | Dialog::Picker(_))
        ) {
            self.dialogs.pop();
        }
    }

    /// Quits now, or asks first when changes are still running.
    pub fn quit(&mut self) -> Vec<Cmd> {
        if self.jobs.is_empty() {
            return vec![Cmd::Quit(0)];
        }
        let asking = self
            .dialogs
            .iter()
            .any(|d| matches!(d, Dialog::Confirm(c) if matches!(c.purpose, Purpose::Quit)));
        if !asking {
            let mut lines = vec![(
                format!("{} change(s) still running:", self.jobs.len()),
                Tone::Warn,
            )];
            for j in &self.jobs {
                lines.push((
                    format!("  {} ({}/{})", j.title, j.done, j.total),
                    Tone::Normal,
                ));
            }
            lines.push((
                "Quitting now may leave a change half made; the journal keeps a trace of what was in flight."
                    .into(),
                Tone::Dim,
            ));
            self.dialogs.push(Dialog::Confirm(Confirm::new(
                "Quit?",
                lines,
                "quit anyway",
                Purpose::Quit,
            )));
        }
        Vec::new()
    }
}

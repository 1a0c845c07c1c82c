//! `schooltech generate` (hidden): man pages and shell completions from the clap definitions,
//! for the Debian package (`scripts/build-deb.sh`) and anyone installing by hand.

use super::{Cli, ExitCode};
use crate::error::{Error, Result};
use clap::{Command, CommandFactory, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Subcommand)]
pub enum GenerateCmd {
    /// Man pages: schooltech(1) and schooltech-GROUP(1) for each subcommand group.
    #[command(after_help = "Example:\n  schooltech generate man target/man")]
    Man {
        /// Directory to write the pages to (created).
        dir: PathBuf,
    },
    /// Shell completions: schooltech.bash, _schooltech (zsh) and schooltech.fish.
    #[command(after_help = "Example:\n  schooltech generate completions target/completions")]
    Completions {
        /// Directory to write the files to (created).
        dir: PathBuf,
    },
}

/// Runs `generate`.
pub fn run(cmd: &GenerateCmd) -> Result<ExitCode> {
    match cmd {
        GenerateCmd::Man { dir } => {
            for p in man_pages(dir)? {
                outln!("{}", p.display());
            }
        }
        GenerateCmd::Completions { dir } => {
            for p in completions(dir)? {
                outln!("{}", p.display());
            }
        }
    }
    Ok(0)
}

fn make_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// The whole command tree, built (globals propagated, help added).
pub fn command() -> Command {
    let mut c = Cli::command();
    c.build();
    c
}

/// Writes bash, zsh and fish completions into `dir`; returns the files written.
pub fn completions(dir: &Path) -> Result<Vec<PathBuf>> {
    use clap_complete::Shell;
    make_dir(dir)?;
    let mut out = Vec::new();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut c = Cli::command();
        let p = clap_complete::generate_to(shell, &mut c, "schooltech", dir)
            .map_err(|e| Error::io(dir, e))?;
        out.push(p);
    }
    Ok(out)
}

/// Writes `schooltech.1` and one `schooltech-GROUP.1` per visible subcommand into `dir`.
pub fn man_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    make_dir(dir)?;
    let root = command();
    let mut out = Vec::new();
    let path = dir.join("schooltech.1");
    let mut buf = Vec::new();
    clap_mangen::Man::new(root.clone())
        .render(&mut buf)
        .map_err(|e| Error::io(&path, e))?;
    buf.extend_from_slice(common_sections().as_bytes());
    buf.extend_from_slice(see_also(&root).as_bytes());
    std::fs::write(&path, buf).map_err(|e| Error::io(&path, e))?;
    out.push(path);
    let path = dir.join("schooltech.toml.5");
    std::fs::write(&path, config_page()).map_err(|e| Error::io(&path, e))?;
    out.push(path);
    for group in root
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("schooltech-{}", group.get_name());
        let path = dir.join(format!("{name}.1"));
        let page = group_page(group, &name).map_err(|e| Error::io(&path, e))?;
        std::fs::write(&path, page).map_err(|e| Error::io(&path, e))?;
        out.push(path);
    }
    Ok(out)
}

fn see_also(root: &Command) -> String {
    let pages: Vec<String> = root
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| format!("\\fBschooltech\\-{}\\fR(1)", roff(s.get_name())))
        .collect();
    format!(
        ".SH \"SEE ALSO\"\n{}, \\fBschooltech.toml\\fR(5), \\fBldapsearch\\fR(1), \\fBsamba\\-tool\\fR(8)\n",
        pages.join(", ")
    )
}

/// EXIT STATUS, ENVIRONMENT and FILES: the same on schooltech(1) and every subcommand's page.
/// The exit codes come from [`crate::error::exit::TABLE`], the one mapping.
pub fn common_sections() -> String {
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in crate::error::exit::TABLE {
        s.push_str(&format!(".TP\n.B {code}\n{}\n", roff(meaning)));
    }
    s.push_str(&roff(
        "With --format json an error is also one JSON object on standard error: \
         {\"error\": {\"code\": N, \"kind\": \"...\", \"message\": \"...\"}}. \
         A --dry-run that stops before its first change exits 0.",
    ));
    s.push('\n');
    s.push_str(".SH ENVIRONMENT\n");
    for (var, what) in [
        (
            "SCHOOLTECH_CONFIG",
            "the configuration file when --config is not given",
        ),
        (
            "SCHOOLTECH_BIND_PASSWORD",
            "the bind password when [directory] bind_password_file is not set (read once, then \
             removed from the environment)",
        ),
        (
            "SCHOOLTECH_LOG",
            "log filter for -v output (e.g. schooltech=debug)",
        ),
        ("NO_COLOR", "when set, no colour in tables"),
    ] {
        s.push_str(&format!(".TP\n.B {}\n{}\n", roff(var), roff(what)));
    }
    s.push_str(".SH FILES\n");
    for (file, what) in [
        (
            crate::config::DEFAULT_CONFIG_PATH,
            "the configuration (see schooltech.toml(5)); written by schooltech init",
        ),
        (
            crate::config::DEFAULT_STORE_PATH,
            "the local store: action log, journal, mirror, inventory, filter requests",
        ),
        (
            crate::config::DEFAULT_HANDOUT_DIR,
            "handouts with temporary passwords (mode 0600; print, then delete)",
        ),
    ] {
        s.push_str(&format!(".TP\n.I {}\n{}\n", roff(file), roff(what)));
    }
    s
}

/// The documented configuration: the example shipped with the package, each key with the
/// comment above it. `schooltech.toml(5)` is made from it, so the page and the example cannot
/// drift; a test checks that every field the configuration accepts is on the page.
pub const EXAMPLE_CONFIG: &str = include_str!("../../config/schooltech.example.toml");

/// `schooltech.toml(5)`, from [`EXAMPLE_CONFIG`]: every `[section]`, and in it every key
/// (set or shown commented out) with its comment and example value.
pub fn config_page() -> String {
    let mut s = String::from(
        ".TH SCHOOLTECH.TOML 5 \"\" \"schooltech\" \"File Formats\"\n\
         .SH NAME\nschooltech.toml \\- configuration of schooltech\n\
         .SH DESCRIPTION\n",
    );
    s.push_str(&roff(
        "TOML. Unknown or misspelt keys are refused with the key and line named (exit 2). \
         The sections and keys below are those of the example configuration \
         (/usr/share/doc/schooltech/schooltech.example.toml).",
    ));
    s.push('\n');
    let mut comment: Vec<String> = Vec::new();
    for line in EXAMPLE_CONFIG.lines() {
        let t = line.trim();
        if t.is_empty() {
            comment.clear();
            continue;
        }
        if t.starts_with('[') {
            s.push_str(&format!(".SH \"{}\"\n", roff(t)));
            if !comment.is_empty() {
                s.push_str(&roff(&comment.join(" ")));
                s.push('\n');
            }
            comment.clear();
            continue;
        }
        let body = t.trim_start_matches('#').trim();
        let key = body.split_once('=').map(|(k, _)| k.trim()).filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '"')
        });
        match key {
            Some(k) => {
                s.push_str(&format!(".TP\n.B {}\n", roff(k)));
                if !comment.is_empty() {
                    s.push_str(&roff(&comment.join(" ")));
                    s.push('\n');
                }
                s.push_str(&format!("Example: {}\n", roff(body)));
                comment.clear();
            }
            None => comment.push(body.to_string()),
        }
    }
    s.push_str(".SH \"SEE ALSO\"\n\\fBschooltech\\fR(1), \\fBschooltech\\-init\\fR(1)\n");
    s
}

/// A page for one subcommand group: its own synopsis and options, then every command under it
/// with its options and example.
fn group_page(group: &Command, name: &str) -> std::io::Result<Vec<u8>> {
    // clap names are &'static str (no "string" feature); a page is generated once per run.
    let static_name: &'static str = Box::leak(name.to_string().into_boxed_str());
    let c = group
        .clone()
        .name(static_name)
        .bin_name(name.replace('-', " "));
    let man = clap_mangen::Man::new(c.clone());
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    if c.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    let leaves: Vec<(String, &Command)> = {
        let mut v = Vec::new();
        collect(group, &format!("schooltech {}", group.get_name()), &mut v);
        v
    };
    if !leaves.is_empty() {
        writeln!(buf, ".SH COMMANDS")?;
        for (path, cmd) in leaves {
            write_command(&mut buf, &path, cmd)?;
        }
    }
    if let Some(ex) = group.get_after_long_help().or(group.get_after_help()) {
        writeln!(buf, ".SH EXAMPLES")?;
        write_example(&mut buf, &ex.to_string())?;
    }
    buf.write_all(common_sections().as_bytes())?;
    writeln!(
        buf,
        ".SH \"SEE ALSO\"\n\\fBschooltech\\fR(1), \\fBschooltech.toml\\fR(5)"
    )?;
    Ok(buf)
}

fn collect<'a>(cmd: &'a Command, path: &str, out: &mut Vec<(String, &'a Command)>) {
    for s in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let p = format!("{path} {}", s.get_name());
        out.push((p.clone(), s));
        collect(s, &p, out);
    }
}

/// Escapes text for roff: backslashes, and a leading `.` or `'` on a line.
fn roff(s: &str) -> String {
    s.replace('\\', "\\e")
        .replace('-', "\\-")
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_example(buf: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    writeln!(buf, ".PP\n.nf\n{}\n.fi", roff(text.trim_end()))
}

fn write_command(buf: &mut Vec<u8>, path: &str, cmd: &Command) -> std::io::Result<()> {
    let mut usage = path.to_string();
    for a in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let n = a
            .get_value_names()
            .and_then(|v| v.first().map(|s| s.to_string()))
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        usage.push_str(&if a.is_required_set() {
            format!(" <{n}>")
        } else {
            format!(" [{n}]")
        });
    }
    if cmd
        .get_opts()
        .any(|a| !a.is_hide_set() && !a.is_global_set())
    {
        usage.push_str(" [OPTIONS]");
    }
    writeln!(buf, ".SS \"{}\"", roff(&usage))?;
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        writeln!(buf, "{}", roff(&about.to_string()))?;
    }
    for a in cmd.get_arguments().filter(|a| {
        !a.is_hide_set() && !a.is_global_set() && !matches!(a.get_id().as_str(), "help" | "version")
    }) {
        let mut head = Vec::new();
        if let Some(s) = a.get_short() {
            head.push(format!("\\fB\\-{s}\\fR"));
        }
        if let Some(l) = a.get_long() {
            head.push(format!("\\fB\\-\\-{}\\fR", roff(l)));
        }
        let takes_value = a.get_num_args().is_some_and(|n| n.takes_values());
        let value = a
            .get_value_names()
            .and_then(|v| v.first().map(|s| s.to_string()))
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        let head = if head.is_empty() {
            format!("\\fI{}\\fR", roff(&value))
        } else if takes_value {
            format!("{} \\fI{}\\fR", head.join(", "), roff(&value))
        } else {
            head.join(", ")
        };
        let mut help = a
            .get_long_help()
            .or(a.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() && takes_value {
            help.push_str(&format!(" [possible values: {}]", values.join(", ")));
        }
        let defaults: Vec<String> = a
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && takes_value {
            help.push_str(&format!(" [default: {}]", defaults.join(",")));
        }
        writeln!(buf, ".TP\n{head}\n{}", roff(help.trim()))?;
    }
    if let Some(ex) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        write_example(buf, &ex.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every visible subcommand, at every depth.
    fn all(cmd: &Command, path: &str, out: &mut Vec<(String, Command)>) {
        for s in cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            let p = format!("{path} {}", s.get_name());
            out.push((p.clone(), s.clone()));
            all(s, &p, out);
        }
    }

    #[test]
    fn every_subcommand_help_has_an_example() {
        let mut cmds = Vec::new();
        all(&command(), "schooltech", &mut cmds);
        assert!(cmds.len() > 20, "the tree was walked: {}", cmds.len());
        let missing: Vec<&str> = cmds
            .iter()
            .filter(|(_, c)| {
                let ex = c
                    .get_after_long_help()
                    .or(c.get_after_help())
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                !(ex.contains("Example") && ex.contains("schooltech "))
            })
            .map(|(p, _)| p.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "these have no example in --help (add after_help = \"Example:\\n  schooltech ...\"):\n{}",
            missing.join("\n")
        );
    }

    /// Splits an example line as a shell would (quotes, `\` line joins); drops a trailing
    /// `(comment)` and redirections.
    fn words(line: &str) -> Vec<String> {
        let line = line.split("   (").next().unwrap_or(line);
        let line = line.split(" > ").next().unwrap_or(line);
        let mut out = Vec::new();
        let mut cur = String::new();
        let mut quote: Option<char> = None;
        let mut any = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                (None, '"' | '\'') => {
                    quote = Some(c);
                    any = true;
                }
                (Some(q), c) if c == q => quote = None,
                (None, '\\') => {
                    if let Some(n) = chars.next() {
                        if n != '\n' {
                            cur.push(n);
                        }
                    }
                }
                (None, c) if c.is_whitespace() => {
                    if any || !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                        any = false;
                    }
                }
                (_, c) => cur.push(c),
            }
        }
        if any || !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    #[test]
    fn every_example_parses() {
        use clap::Parser;
        let mut cmds = Vec::new();
        all(&command(), "schooltech", &mut cmds);
        let mut bad = Vec::new();
        let mut n = 0;
        for (path, c) in &cmds {
            let ex = c
                .get_after_long_help()
                .or(c.get_after_help())
                .map(|h| h.to_string())
                .unwrap_or_default();
            let joined = ex.replace("\\\n", " ");
            for line in joined
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("schooltech "))
            {
                n += 1;
                if let Err(e) = crate::cli::Cli::try_parse_from(words(line)) {
                    bad.push(format!(
                        "{path}: {line}\n  {}",
                        e.to_string().lines().next().unwrap_or("")
                    ));
                }
            }
        }
        assert!(n > 100, "{n} examples");
        assert!(
            bad.is_empty(),
            "examples that do not parse:\n{}",
            bad.join("\n")
        );
    }

    #[test]
    fn man_pages_and_completions_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let pages = man_pages(&dir.path().join("man")).unwrap();
        let names: Vec<String> = pages
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        for want in ["schooltech.1", "schooltech-accounts.1", "schooltech-init.1"] {
            assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
        }
        assert!(
            !names
                .iter()
                .any(|n| n.contains("generate") || n.contains("help")),
            "hidden: {names:?}"
        );
        let accounts =
            std::fs::read_to_string(dir.path().join("man/schooltech-accounts.1")).unwrap();
        assert!(
            accounts.starts_with(".ie") || accounts.contains(".TH"),
            "roff"
        );
        assert!(accounts.contains("schooltech accounts list"), "{accounts}");
        let files = completions(&dir.path().join("comp")).unwrap();
        let names: Vec<String> = files
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(names, ["schooltech.bash", "_schooltech", "schooltech.fish"]);
    }
}

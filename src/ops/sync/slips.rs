//! Password slips: cut-out slips (A4, ten a page, dashed cut lines), each with the person's
//! name, form, username, temporary password and the school's logon text (`[sync] slip_text`).
//! Written once, mode 0600, never stored anywhere else.

use super::apply::SlipLine;
use crate::error::{Error, Result};
use crate::ops::pdf_font::{Fonts, Style};
use pdf_writer::{Content, Finish, Pdf, Rect, Ref};
use std::path::Path;

/// Slips a page: two columns, five rows.
pub const PER_PAGE: usize = 10;

/// Breaks `text` into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for w in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + w.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// The slips as a PDF (A4; an empty set still has one page saying so), in DejaVu Sans embedded
/// as a subset, so Łukasz Wójcik, Şenol Yılmaz and Nguyễn print with their own letters.
pub fn render_pdf(school: &str, text: &str, lines: &[SlipLine]) -> Result<Vec<u8>> {
    let pt = 72.0 / 25.4;
    let (pw, ph) = (210.0 * pt, 297.0 * pt);
    let n = lines.len().div_ceil(PER_PAGE).max(1);
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let page_ids: Vec<(Ref, Ref)> = (0..n).map(|_| (next.bump(), next.bump())).collect();
    let mut fonts = Fonts::new(&mut next)?;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(n as i32);
    let logon = wrap(text, 52);
    for (i, (page, content_id)) in page_ids.iter().enumerate() {
        let mut c = Content::new();
        // Each piece of text fits in its slip (drawn smaller, shortened only past 6 pt).
        let mut put = |c: &mut Content, style: Style, size: f32, x_mm: f32, y_mm: f32, s: &str| {
            let room = (92.0 - (x_mm - 15.0) % 95.0) * pt;
            let size = fonts.size_to_fit(style, s, size, 6.0, room);
            let s = fonts.fit(style, s, size, room);
            fonts.show(c, style, size, x_mm * pt, ph - y_mm * pt, &s);
        };
        let chunk: &[SlipLine] = lines.chunks(PER_PAGE).nth(i).unwrap_or_default();
        if chunk.is_empty() {
            put(
                &mut c,
                Style::Regular,
                12.0,
                20.0,
                30.0,
                "No slips: nobody was given a password.",
            );
        }
        // Cut lines.
        c.set_stroke_gray(0.5);
        c.set_line_width(0.4);
        c.set_dash_pattern([3.0, 3.0], 0.0);
        c.move_to(105.0 * pt, ph - 10.0 * pt);
        c.line_to(105.0 * pt, ph - 287.0 * pt);
        for k in 1..5 {
            let y = 10.0 + k as f32 * 55.4;
            c.move_to(10.0 * pt, ph - y * pt);
            c.line_to(200.0 * pt, ph - y * pt);
        }
        c.stroke();
        for (k, s) in chunk.iter().enumerate() {
            let x = 15.0 + (k % 2) as f32 * 95.0;
            let y = 20.0 + (k / 2) as f32 * 55.4;
            put(&mut c, Style::Regular, 8.0, x, y, school);
            put(&mut c, Style::Bold, 12.0, x, y + 7.0, &s.name);
            put(
                &mut c,
                Style::Regular,
                9.0,
                x,
                y + 12.5,
                &format!("Form: {}", s.form),
            );
            put(&mut c, Style::Regular, 10.0, x, y + 19.5, "Username:");
            put(&mut c, Style::Bold, 11.0, x + 20.0, y + 19.5, &s.username);
            put(&mut c, Style::Regular, 10.0, x, y + 26.0, "Password:");
            put(
                &mut c,
                Style::Bold,
                11.0,
                x + 20.0,
                y + 26.0,
                s.password.expose(),
            );
            for (j, l) in logon.iter().take(4).enumerate() {
                put(&mut c, Style::Regular, 7.5, x, y + 33.0 + j as f32 * 3.6, l);
            }
        }
        let data = c.finish();
        let mut pg = pdf.page(*page);
        pg.parent(tree)
            .media_box(Rect::new(0.0, 0.0, pw, ph))
            .contents(*content_id);
        fonts.add_to_page(&mut pg.resources());
        pg.finish();
        pdf.stream(*content_id, &data);
    }
    fonts.write(&mut pdf, &mut next)?;
    Ok(pdf.finish())
}

/// Writes the slips to `path` (a new file, mode 0600; an existing file is refused, never
/// overwritten).
pub fn write(path: &Path, school: &str, text: &str, lines: &[SlipLine]) -> Result<()> {
    use std::io::Write;
    let bytes = render_pdf(school, text, lines)?;
    let mut f = crate::ops::files::create_private_new(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Usage(format!(
                "{} already exists; give a new file name for the slips (they hold passwords)",
                path.display()
            ))
        } else {
            Error::io(path, e)
        }
    })?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// A class to reset: its group and members.
#[derive(Debug, Clone)]
pub struct Class {
    /// The group's name.
    pub group: String,
    /// The form shown on the slips.
    pub form: String,
    /// Its members (accounts), by name.
    pub members: Vec<crate::domain::account::Account>,
}

/// The members of a form (`7B`: the group the layout rules give form 7B, e.g. `Form 7B`; else a
/// group named `7B`) or of a group.
pub async fn class(ctx: &super::Ctx, form: Option<&str>, group: Option<&str>) -> Result<Class> {
    let (name, shown) = match (form, group) {
        (Some(f), _) => {
            let f = f.trim();
            let rules = super::layouts(ctx);
            let mut candidates: Vec<String> = rules
                .values()
                .flat_map(|l| l.groups.iter())
                .filter(|g| g.contains("{form}") && !g.contains("{year}"))
                .map(|g| g.replace("{form}", f))
                .collect();
            candidates.push(format!("Form {f}"));
            candidates.push(f.to_string());
            let mut found = None;
            for c in candidates {
                if let Some(g) = ctx.dir.find_group(&c).await? {
                    found = Some(g.name);
                    break;
                }
            }
            let g = found.ok_or_else(|| {
                Error::NotFound(format!(
                    "no group for form {f} (looked for \"Form {f}\" and \"{f}\"); give --group NAME"
                ))
            })?;
            (g, f.to_string())
        }
        (None, Some(g)) => {
            let found = ctx
                .dir
                .find_group(g.trim())
                .await?
                .ok_or_else(|| Error::NotFound(format!("no group \"{}\"", g.trim())))?;
            (found.name.clone(), found.name)
        }
        (None, None) => return Err(Error::Usage("give --form FORM or --group NAME".into())),
    };
    let listing = ctx
        .dir
        .search_accounts(&crate::domain::account::AccountQuery::default())
        .await?;
    let mut members: Vec<crate::domain::account::Account> = listing
        .accounts
        .into_iter()
        .filter(|a| a.groups.iter().any(|g| g.eq_ignore_ascii_case(&name)))
        .collect();
    members.sort_by_key(|a| {
        (
            a.surname.clone().unwrap_or_default().to_lowercase(),
            a.name().to_lowercase(),
        )
    });
    Ok(Class {
        group: name,
        form: shown,
        members,
    })
}

/// What a class reset did.
#[derive(Debug, Default)]
pub struct ClassReset {
    /// Passwords reset (each has its slip).
    pub done: usize,
    /// Accounts not reset (protected, failed), with why.
    pub problems: Vec<String>,
}

/// Resets every member's password (generated, temporary unless `temporary` is false; each under
/// the journal and logged, never the password) and writes their slips to `path` (a new file,
/// mode 0600, opened before the first reset so a bad path changes nothing). Protected members
/// are refused one by one and said so.
pub async fn reset_class(
    ctx: &super::Ctx,
    class: &Class,
    path: &Path,
    temporary: bool,
) -> Result<ClassReset> {
    ctx.refuse_as_of("reset-password")?;
    if path.exists() {
        return Err(Error::Usage(format!(
            "{} already exists; give a new file name for the slips (they hold passwords); nothing was reset",
            path.display()
        )));
    }
    // Claim the file now: a bad path fails before any password changes.
    let mut file = crate::ops::files::create_private_new(path).map_err(|e| Error::io(path, e))?;
    let mut out = ClassReset::default();
    let mut lines = Vec::new();
    for a in &class.members {
        match crate::ops::actions::reset_password_outcome(
            ctx,
            &a.username,
            &crate::ops::passwords::PasswordChoice::Generate,
            temporary,
        )
        .await
        {
            Ok(r) => {
                if let Some(p) = r.password {
                    lines.push(SlipLine {
                        name: a.name().to_string(),
                        form: class.form.clone(),
                        username: a.username.clone(),
                        password: p,
                    });
                    out.done += 1;
                }
                if let Some(e) = r.unknown {
                    out.problems.push(format!("{}: {e}", a.username));
                }
            }
            Err(e) => out.problems.push(format!("{}: {e}", a.username)),
        }
    }
    use std::io::Write;
    let bytes = render_pdf(&ctx.config.school.name, &ctx.config.sync.slip_text, &lines)?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Secret;

    #[test]
    fn slips_are_a_pdf_with_ten_a_page_and_written_0600() {
        let lines: Vec<SlipLine> = (0..12)
            .map(|i| SlipLine {
                name: format!("Pupil {i}"),
                form: "7B".into(),
                username: format!("p{i}"),
                password: Secret::new("Otter&Lantern9"),
            })
            .collect();
        let pdf = render_pdf("School", "Log on, then choose your own password.", &lines).unwrap();
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("s.pdf");
        write(&p, "School", "x", &lines).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(
            write(&p, "School", "x", &lines).is_err(),
            "never overwritten"
        );
    }
}

//! `schooltech accounts import FILE [--apply]`

use super::ExitCode;
use crate::error::{Error, Result};
use crate::ops::import::{apply, plan_file};
use crate::ops::Ctx;
use std::path::Path;

/// Dry run (default) or apply an import.
pub async fn run(ctx: &Ctx, file: &Path, do_apply: bool, role: Option<&str>) -> Result<ExitCode> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    // UTF-8, or Windows-1252 for a legacy file: the shared reader decides.
    let p = plan_file(ctx, &bytes, role).await?;
    for (row, new) in &p.create {
        outln!(
            "{} line {:>4}: {:<20} {:<30} {:<8} in {}",
            if do_apply { "create" } else { "would create" },
            row.line,
            new.username,
            new.display_name,
            row.request.role,
            new.parent_dn
        );
        if let Some(cn) = &new.cn {
            outln!(
                "                 \"{}\" is taken there; the entry is named \"{}\"",
                super::output::clean(&new.display_name),
                super::output::clean(cn)
            );
        }
    }
    for (line, mis, user) in &p.existing {
        outln!("skip   line {line:>4}: MIS id {mis} already has the account {user}");
    }
    for e in &p.errors {
        outln!("error  line {:>4}: {}", e.line, e.message);
    }
    outln!(
        "{} to create, {} already exist, {} rows with errors (file read as {})",
        p.create.len(),
        p.existing.len(),
        p.errors.len(),
        p.encoding
    );
    if !do_apply {
        outln!("dry run: nothing was changed; run again with --apply to create them");
        return Ok(if p.errors.is_empty() { 0 } else { 1 });
    }
    let progress = super::progress::Progress::new("creating accounts", p.create.len() as u64);
    let result = apply(ctx, &p, |done, _total| progress.set(done as u64)).await;
    progress.finish();
    let result = result?;
    for e in &result.failed {
        outln!("failed line {:>4}: {}", e.line, e.message);
    }
    outln!("created {} accounts", result.created.len());
    if let Some(h) = &result.handout {
        outln!(
            "handout sheets with the temporary passwords: {} (mode 0600; print, then delete it)",
            h.display()
        );
    }
    Ok(if result.failed.is_empty() && p.errors.is_empty() {
        0
    } else {
        1
    })
}

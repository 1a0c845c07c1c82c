//! Files that hold personal data (acceptable-use sign-off sheets, the termly report, handouts
//! with passwords, labels, exports written to a file) are created through here: mode 0600
//! whatever the umask, and an existing file is made 0600 before anything is written to it.
//! Whole files (`--out`) are written atomically ([`write_private`]).

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of a file holding personal data: the owner alone reads and writes it.
pub const PRIVATE: u32 = 0o600;

/// Opens `path` for writing as a private file: created 0600 (the umask cannot widen it, and
/// `mode` is applied again in case it narrowed it oddly), or an existing regular file
/// truncated and set to 0600 before anything is written. A device or pipe (`/dev/stdout`) is
/// written as it is.
pub fn create_private(path: &Path) -> io::Result<File> {
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(PRIVATE)
        .open(path)?;
    if f.metadata()?.is_file() {
        f.set_permissions(Permissions::from_mode(PRIVATE))?;
    }
    Ok(f)
}

/// Creates `path` as a new private file (0600); fails with `AlreadyExists` if it is there.
pub fn create_private_new(path: &Path) -> io::Result<File> {
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE)
        .open(path)?;
    f.set_permissions(Permissions::from_mode(PRIVATE))?;
    Ok(f)
}

/// Writes `bytes` to `path` as a private file (0600), atomically: into a temporary file
/// beside it, synced, then renamed over it, so a reader (squidGuard's rebuild, a timer) sees
/// the old file or the new one, never a part; on any error the old file is untouched. A
/// device or pipe (`/dev/stdout`) is written as it is.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut f = create_private(path)?;
        f.write_all(bytes)?;
        return f.flush();
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(Permissions::from_mode(PRIVATE))
        .tempfile_in(dir)?;
    tmp.as_file()
        .set_permissions(Permissions::from_mode(PRIVATE))?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself survives a power cut once the directory is synced too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn personal_data_is_written_0600_whatever_was_there() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("sheets.txt");
        write_private(&new, b"Eve Smith").unwrap();
        assert_eq!(mode(&new), 0o600);
        let old = dir.path().join("report.html");
        std::fs::write(&old, "old").unwrap();
        std::fs::set_permissions(&old, Permissions::from_mode(0o666)).unwrap();
        write_private(&old, b"new").unwrap();
        assert_eq!(mode(&old), 0o600);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new");
        // Atomic: no temporary file is left beside it.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let once = dir.path().join("handout.txt");
        create_private_new(&once).unwrap();
        assert_eq!(mode(&once), 0o600);
        assert_eq!(
            create_private_new(&once).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
    }
}

//! Files that hold secrets are readable by their owner only. The database
//! keeps the actor's private key, the CSRF key and the sessions; its WAL
//! and shared-memory files, backups and exports hold the same. The data
//! folder is `0700`, each such file `0600`, whether the server or a
//! command made it, and an existing install is tightened at start.

use std::{
    fs::{File, OpenOptions},
    io,
    path::{Path, PathBuf},
};

use anyhow::Context;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and its parents) readable by the owner only, or narrows
/// an existing one to that.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder
        .create(dir)
        .with_context(|| format!("failed to create folder {}", dir.display()))?;
    restrict(dir, DIR_MODE)
}

/// Narrows an existing file or folder to `mode`, if it is wider.
pub fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => {
                return Err(
                    anyhow::Error::new(err).context(format!("cannot read {}", path.display()))
                );
            }
        };
        let current = meta.permissions().mode() & 0o777;
        if current & !mode != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(
                || {
                    format!(
                        "failed to make {} readable by its owner only",
                        path.display()
                    )
                },
            )?;
            tracing::info!(path = %path.display(), from = format!("{current:o}"), to = format!("{mode:o}"), "narrowed permissions");
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates `path`, which must not exist yet, readable by the owner only.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options.open(path)
}

/// The file of a `sqlite:` database URL, if it names one on disk.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    let memory = path.is_empty() || path == ":memory:" || url.contains("mode=memory");
    (!memory).then(|| PathBuf::from(path))
}

/// Before SQLite opens `db`: its folder exists, and the file exists with
/// owner-only permissions (SQLite gives its WAL, shared-memory and journal
/// files the database file's permissions); files of an older install are
/// narrowed.
pub fn prepare_sqlite(db: &Path) -> anyhow::Result<()> {
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        private_dir(dir)?;
    }
    match create_private(db) {
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
        Err(err) => {
            return Err(
                anyhow::Error::new(err).context(format!("failed to create {}", db.display()))
            );
        }
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        restrict(Path::new(&name), FILE_MODE)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://./data/blog.db?mode=rwc"),
            Some(PathBuf::from("./data/blog.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/var/lib/blog/blog.db"),
            Some(PathBuf::from("/var/lib/blog/blog.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://file.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://localhost/blog"), None);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_and_folders_are_owner_only() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let data = dir.path().join("data");
        private_dir(&data).expect("folder");
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        let db = data.join("blog.db");
        prepare_sqlite(&db).expect("database file");
        assert_eq!(mode(&db), 0o600);
        let wide = data.join("blog.db-wal");
        std::fs::write(&wide, b"").expect("file");
        std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        prepare_sqlite(&db).expect("again");
        assert_eq!(mode(&wide), 0o600);
    }
}

//! `blog backup FILE`: a consistent copy of a live SQLite database.

use std::path::Path;

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

pub async fn write(db: &DatabaseConnection, file: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        db.get_database_backend() == DatabaseBackend::Sqlite,
        "backup copies the embedded SQLite database; for PostgreSQL use pg_dump \\
         (for example: pg_dump --format=custom --file=blog.dump DATABASE)"
    );
    anyhow::ensure!(
        !file.exists(),
        "{} already exists; choose a new file name",
        file.display()
    );
    let target = file
        .to_str()
        .context("the backup file name must be valid UTF-8")?;
    // It holds the private key and sessions: made owner-only before SQLite
    // writes into it (VACUUM INTO fills an empty file).
    crate::files::create_private(file)
        .with_context(|| format!("cannot create {}", file.display()))?;
    // VACUUM INTO reads one consistent snapshot, even while the server writes.
    let written = db
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "VACUUM INTO ?",
            [target.into()],
        ))
        .await
        .with_context(|| format!("failed to write the backup to {}", file.display()));
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
    written?;
    Ok(())
}

//! Statuses, kinds and scopes are read into Rust enums, which refuse a
//! value they do not know. The values stored are the enums' own, so
//! nothing changes for rows the server wrote; a row written by hand or by
//! an older tool with anything else is brought into the set here, so that
//! no row becomes unreadable: an unknown post status becomes a draft, an
//! unknown comment status pending, an unknown delivery state failed, and
//! reactions, blocks and activities of an unknown kind are removed (they
//! could not have been acted on).

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATEMENTS: &[&str] = &[
    "UPDATE posts SET status = 'draft' \
     WHERE status NOT IN ('draft', 'scheduled', 'published')",
    "UPDATE comments SET status = 'pending' \
     WHERE status NOT IN ('pending', 'approved', 'rejected', 'spam')",
    "UPDATE deliveries SET state = 'failed' \
     WHERE state NOT IN ('pending', 'delivered', 'failed')",
    "DELETE FROM reactions WHERE kind NOT IN ('like', 'announce', 'emoji')",
    "DELETE FROM blocks WHERE kind NOT IN ('actor', 'domain')",
    "DELETE FROM activities WHERE kind NOT IN ('create', 'update', 'delete', 'accept', 'reply')",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        for sql in STATEMENTS {
            db.execute_raw(Statement::from_string(backend, (*sql).to_owned()))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The values kept are valid in every version.
        Ok(())
    }
}

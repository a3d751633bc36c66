//! The answers a thread shows are found through an index that names the
//! thread, the status and whether they are hidden, in reading order.
//!
//! With only `(thread_id, published_at, id)`, SQLite (without statistics)
//! preferred the index on `status` alone for "approved, not hidden answers of
//! these threads", and read every approved comment of the blog to show one
//! page of a post with many replies.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone)]
enum Comments {
    Table,
    ThreadId,
    Status,
    Hidden,
    PublishedAt,
    Id,
}

fn index(name: &str, columns: &[Comments]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Comments::Table);
    for column in columns {
        index.col(column.clone());
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_comments_thread")
                    .table(Comments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_comments_thread_shown",
                &[
                    Comments::ThreadId,
                    Comments::Status,
                    Comments::Hidden,
                    Comments::PublishedAt,
                    Comments::Id,
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_comments_thread_shown")
                    .table(Comments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_comments_thread",
                &[Comments::ThreadId, Comments::PublishedAt, Comments::Id],
            ))
            .await
    }
}

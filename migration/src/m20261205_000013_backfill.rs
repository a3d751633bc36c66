//! Replies found by walking other servers' collections: how each comment
//! arrived (sent to the inbox, or found), the collections a remote reply
//! names (its `replies` and its conversation's `context`), and the
//! durable queue of collections to walk.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    Arrival,
    RepliesUrl,
    ContextUrl,
}

#[derive(DeriveIden)]
enum BackfillJobs {
    Table,
    Id,
    PostId,
    Url,
    Depth,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table a column at a time.
        let columns = [
            string(Comments::Arrival).default("inbox").to_owned(),
            string_null(Comments::RepliesUrl),
            string_null(Comments::ContextUrl),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BackfillJobs::Table)
                    .col(pk_auto(BackfillJobs::Id))
                    .col(integer(BackfillJobs::PostId))
                    .col(string_uniq(BackfillJobs::Url))
                    .col(integer(BackfillJobs::Depth))
                    .col(integer(BackfillJobs::Attempts).default(0))
                    .col(timestamp_with_time_zone(BackfillJobs::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(BackfillJobs::LockedUntil))
                    .col(text_null(BackfillJobs::LastError))
                    .col(timestamp_with_time_zone(BackfillJobs::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BackfillJobs::Table, BackfillJobs::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BackfillJobs::Table).to_owned())
            .await?;
        for column in [
            Comments::ContextUrl,
            Comments::RepliesUrl,
            Comments::Arrival,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

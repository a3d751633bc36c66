//! The blog's own quotes of other servers' posts: the post quoted, what was
//! read of it to show, the `QuoteRequest` sent for it and the answer.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutgoingQuotes {
    Table,
    Id,
    PostId,
    Url,
    State,
    AuthorApId,
    AuthorName,
    AuthorHandle,
    AuthorUrl,
    ContentHtml,
    RequestUuid,
    Authorization,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutgoingQuotes::Table)
                    .col(pk_auto(OutgoingQuotes::Id))
                    .col(integer_uniq(OutgoingQuotes::PostId))
                    .col(string(OutgoingQuotes::Url))
                    .col(string(OutgoingQuotes::State))
                    .col(string_null(OutgoingQuotes::AuthorApId))
                    .col(string_null(OutgoingQuotes::AuthorName))
                    .col(string_null(OutgoingQuotes::AuthorHandle))
                    .col(string_null(OutgoingQuotes::AuthorUrl))
                    .col(text_null(OutgoingQuotes::ContentHtml))
                    .col(string_null(OutgoingQuotes::RequestUuid))
                    .col(string_null(OutgoingQuotes::Authorization))
                    .col(integer(OutgoingQuotes::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutgoingQuotes::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutgoingQuotes::LockedUntil))
                    .col(text_null(OutgoingQuotes::LastError))
                    .col(timestamp_with_time_zone(OutgoingQuotes::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OutgoingQuotes::Table, OutgoingQuotes::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutgoingQuotes::Table).to_owned())
            .await
    }
}

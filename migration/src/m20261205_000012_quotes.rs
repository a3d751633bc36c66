//! Quotes of the blog's posts that the blog authorised (FEP-044f): the
//! quoting post, who wrote it, and the authorisation served at its uuid
//! until the author revokes it; a revocation is an activity about a quote.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Quotes {
    Table,
    Id,
    Uuid,
    PostId,
    ActorId,
    QuoteApId,
    RequestApId,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    QuoteId,
}

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Quotes::Table)
                    .col(pk_auto(Quotes::Id))
                    .col(string_uniq(Quotes::Uuid))
                    .col(integer(Quotes::PostId))
                    .col(integer(Quotes::ActorId))
                    .col(string_uniq(Quotes::QuoteApId))
                    .col(string(Quotes::RequestApId))
                    .col(timestamp_with_time_zone(Quotes::CreatedAt))
                    .col(timestamp_with_time_zone_null(Quotes::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Quotes::Table, Quotes::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Quotes::Table, Quotes::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quotes_post")
                    .table(Quotes::Table)
                    .col(Quotes::PostId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(integer_null(Activities::QuoteId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .drop_column(Activities::QuoteId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Quotes::Table).to_owned())
            .await
    }
}

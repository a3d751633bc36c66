//! Authors as fediverse accounts of their own (optional per author): the
//! switch on the user, who follows each author, and which account sends an
//! activity (`NULL`: the blog's).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    FediverseAccount,
}

#[derive(DeriveIden)]
enum AuthorFollowers {
    Table,
    Id,
    UserId,
    ActorId,
    FollowApId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::FediverseAccount).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthorFollowers::Table)
                    .col(pk_auto(AuthorFollowers::Id))
                    .col(integer(AuthorFollowers::UserId))
                    .col(integer(AuthorFollowers::ActorId))
                    .col(string(AuthorFollowers::FollowApId))
                    .col(timestamp_with_time_zone(AuthorFollowers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuthorFollowers::Table, AuthorFollowers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuthorFollowers::Table, AuthorFollowers::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_author_followers_pair")
                    .table(AuthorFollowers::Table)
                    .col(AuthorFollowers::UserId)
                    .col(AuthorFollowers::ActorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(integer_null(Activities::UserId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .drop_column(Activities::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AuthorFollowers::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::FediverseAccount)
                    .to_owned(),
            )
            .await
    }
}

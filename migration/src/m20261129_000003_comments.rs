//! Replies from the fediverse as comments, reactions to posts, blocks, and
//! the ids of activities already received.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    Uuid,
    PostId,
    ParentId,
    ApId,
    Url,
    ActorId,
    LocalAuthorId,
    ContentHtml,
    ContentWarning,
    Sensitive,
    Language,
    Mentions,
    Hashtags,
    Attachments,
    Status,
    PublishedAt,
    EditedAt,
    DeletedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    Id,
    PostId,
    ActorId,
    Kind,
    Emoji,
    ActivityApId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Blocks {
    Table,
    Id,
    Kind,
    Value,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReceivedActivities {
    Table,
    ApId,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    CommentId,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(pk_auto(Comments::Id))
                    .col(string_len_uniq(Comments::Uuid, 36))
                    .col(integer(Comments::PostId))
                    .col(integer_null(Comments::ParentId))
                    .col(string_uniq(Comments::ApId))
                    .col(string_null(Comments::Url))
                    .col(integer_null(Comments::ActorId))
                    .col(integer_null(Comments::LocalAuthorId))
                    .col(text(Comments::ContentHtml))
                    .col(text_null(Comments::ContentWarning))
                    .col(boolean(Comments::Sensitive).default(false))
                    .col(string_len_null(Comments::Language, 35))
                    .col(text(Comments::Mentions))
                    .col(text(Comments::Hashtags))
                    .col(text(Comments::Attachments))
                    .col(string_len(Comments::Status, 16))
                    .col(timestamp_with_time_zone(Comments::PublishedAt))
                    .col(timestamp_with_time_zone_null(Comments::EditedAt))
                    .col(timestamp_with_time_zone_null(Comments::DeletedAt))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_post")
                            .from(Comments::Table, Comments::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_parent")
                            .from(Comments::Table, Comments::ParentId)
                            .to(Comments::Table, Comments::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_actor")
                            .from(Comments::Table, Comments::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_local_author")
                            .from(Comments::Table, Comments::LocalAuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_comments_post", Comments::PostId),
            ("idx_comments_status", Comments::Status),
            ("idx_comments_actor", Comments::ActorId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Comments::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .col(pk_auto(Reactions::Id))
                    .col(integer(Reactions::PostId))
                    .col(integer(Reactions::ActorId))
                    .col(string_len(Reactions::Kind, 16))
                    .col(string_null(Reactions::Emoji))
                    .col(string(Reactions::ActivityApId))
                    .col(timestamp_with_time_zone(Reactions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reactions_post")
                            .from(Reactions::Table, Reactions::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reactions_actor")
                            .from(Reactions::Table, Reactions::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reactions_one_per_actor")
                    .table(Reactions::Table)
                    .col(Reactions::PostId)
                    .col(Reactions::ActorId)
                    .col(Reactions::Kind)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Blocks::Table)
                    .col(pk_auto(Blocks::Id))
                    .col(string_len(Blocks::Kind, 16))
                    .col(string(Blocks::Value))
                    .col(timestamp_with_time_zone(Blocks::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_blocks_unique")
                    .table(Blocks::Table)
                    .col(Blocks::Kind)
                    .col(Blocks::Value)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReceivedActivities::Table)
                    .col(string(ReceivedActivities::ApId).primary_key())
                    .col(timestamp_with_time_zone(ReceivedActivities::ReceivedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(integer_null(Activities::CommentId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .drop_column(Activities::CommentId)
                    .to_owned(),
            )
            .await?;
        for table in [
            ReceivedActivities::Table.into_iden(),
            Blocks::Table.into_iden(),
            Reactions::Table.into_iden(),
            Comments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

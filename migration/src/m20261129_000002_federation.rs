//! Remote actors, followers, and the durable outbox: activities and one
//! delivery row per destination inbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
    ApId,
    Inbox,
    SharedInbox,
    PublicKeyPem,
    PreferredUsername,
    Name,
    Host,
    Url,
    IconUrl,
    FetchedAt,
}

#[derive(DeriveIden)]
enum Followers {
    Table,
    Id,
    ActorId,
    FollowApId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    Uuid,
    Kind,
    PostId,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    ActivityId,
    Inbox,
    Host,
    State,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastStatus,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeliveryHosts {
    Table,
    Host,
    ConsecutiveFailures,
    PausedUntil,
    LastError,
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
                    .table(Actors::Table)
                    .col(pk_auto(Actors::Id))
                    .col(string_uniq(Actors::ApId))
                    .col(string(Actors::Inbox))
                    .col(string_null(Actors::SharedInbox))
                    .col(text(Actors::PublicKeyPem))
                    .col(string(Actors::PreferredUsername))
                    .col(string_null(Actors::Name))
                    .col(string(Actors::Host))
                    .col(string_null(Actors::Url))
                    .col(string_null(Actors::IconUrl))
                    .col(timestamp_with_time_zone(Actors::FetchedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Followers::Table)
                    .col(pk_auto(Followers::Id))
                    .col(integer_uniq(Followers::ActorId))
                    .col(string(Followers::FollowApId))
                    .col(timestamp_with_time_zone(Followers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_followers_actor")
                            .from(Followers::Table, Followers::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(pk_auto(Activities::Id))
                    .col(string_len_uniq(Activities::Uuid, 36))
                    .col(string_len(Activities::Kind, 16))
                    .col(integer_null(Activities::PostId))
                    .col(text_null(Activities::Payload))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_activities_post")
                            .from(Activities::Table, Activities::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_activities_post")
                    .table(Activities::Table)
                    .col(Activities::PostId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(pk_auto(Deliveries::Id))
                    .col(integer(Deliveries::ActivityId))
                    .col(string(Deliveries::Inbox))
                    .col(string(Deliveries::Host))
                    .col(string_len(Deliveries::State, 16))
                    .col(integer(Deliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone(Deliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Deliveries::LockedUntil))
                    .col(integer_null(Deliveries::LastStatus))
                    .col(text_null(Deliveries::LastError))
                    .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                    .col(timestamp_with_time_zone(Deliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deliveries_activity")
                            .from(Deliveries::Table, Deliveries::ActivityId)
                            .to(Activities::Table, Activities::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::State)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_activity")
                    .table(Deliveries::Table)
                    .col(Deliveries::ActivityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DeliveryHosts::Table)
                    .col(string(DeliveryHosts::Host).primary_key())
                    .col(integer(DeliveryHosts::ConsecutiveFailures).default(0))
                    .col(timestamp_with_time_zone_null(DeliveryHosts::PausedUntil))
                    .col(text_null(DeliveryHosts::LastError))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeliveryHosts::Table.into_iden(),
            Deliveries::Table.into_iden(),
            Activities::Table.into_iden(),
            Followers::Table.into_iden(),
            Actors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! The inbox queue: every verified activity is recorded before it is
//! acknowledged, then processed by a worker. A row stays after processing
//! (without its body) so that a second copy of the activity is recognised,
//! until it is pruned. Replaces `received_activities`, whose ids it keeps.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboundActivities {
    Table,
    Id,
    /// The activity's id, at most 2 KiB.
    ApId,
    /// The verified sender.
    Actor,
    /// What this activity withdraws (a `Delete`'s object, an `Undo`'s
    /// activity), so that one arriving after it is not applied.
    Withdraws,
    /// The JSON as received; emptied once processed.
    Body,
    /// `queued`, `done` or `failed`.
    State,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    ReceivedAt,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum ReceivedActivities {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundActivities::Table)
                    .col(pk_auto(InboundActivities::Id))
                    .col(text(InboundActivities::ApId))
                    .col(text(InboundActivities::Actor))
                    .col(text_null(InboundActivities::Withdraws))
                    .col(text_null(InboundActivities::Body))
                    .col(string_len(InboundActivities::State, 16))
                    .col(integer(InboundActivities::Attempts).default(0))
                    .col(timestamp_with_time_zone(InboundActivities::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        InboundActivities::LockedUntil,
                    ))
                    .col(text_null(InboundActivities::LastError))
                    .col(timestamp_with_time_zone(InboundActivities::ReceivedAt))
                    .col(timestamp_with_time_zone_null(
                        InboundActivities::ProcessedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        let indexes = [
            ("idx_inbound_ap_id", vec![InboundActivities::ApId], true),
            (
                "idx_inbound_due",
                vec![InboundActivities::State, InboundActivities::NextAttemptAt],
                false,
            ),
            (
                "idx_inbound_withdraws",
                vec![InboundActivities::Withdraws],
                false,
            ),
            (
                "idx_inbound_received",
                vec![InboundActivities::ReceivedAt],
                false,
            ),
        ];
        for (name, columns, unique) in indexes {
            let mut index = Index::create();
            index.name(name).table(InboundActivities::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        // Ids already received stay recognised.
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO inbound_activities (ap_id, actor, state, attempts, next_attempt_at, \
             received_at, processed_at) SELECT ap_id, '', 'done', 1, received_at, received_at, \
             received_at FROM received_activities",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(ReceivedActivities::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE received_activities (ap_id VARCHAR NOT NULL PRIMARY KEY, \
                 received_at TIMESTAMP WITH TIME ZONE NOT NULL)",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(InboundActivities::Table).to_owned())
            .await
    }
}

//! Reports (`Flag`): those other servers' moderators send about what the
//! blog shows, and those the admin sends about replies from elsewhere; the
//! objects each names; and the activity that carries an outgoing one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    Uuid,
    Direction,
    ApId,
    ActorId,
    Content,
    Status,
    Resolution,
    CreatedAt,
    ResolvedAt,
}

#[derive(DeriveIden)]
enum ReportTargets {
    Table,
    Id,
    ReportId,
    ApId,
    PostId,
    CommentId,
    ActorId,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    ReportId,
}

#[derive(DeriveIden)]
enum Actors {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
}

/// A target's link to what it names, emptied when that goes.
fn set_null(
    column: ReportTargets,
    table: impl IntoIden,
    id: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(ReportTargets::Table, column)
        .to(table, id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(pk_auto(Reports::Id))
                    .col(string_uniq(Reports::Uuid))
                    .col(string(Reports::Direction))
                    .col(string_null(Reports::ApId).unique_key())
                    .col(integer_null(Reports::ActorId))
                    .col(text(Reports::Content))
                    .col(string(Reports::Status))
                    .col(string_null(Reports::Resolution))
                    .col(timestamp_with_time_zone(Reports::CreatedAt))
                    .col(timestamp_with_time_zone_null(Reports::ResolvedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Reports::Table, Reports::ActorId)
                            .to(Actors::Table, Actors::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReportTargets::Table)
                    .col(pk_auto(ReportTargets::Id))
                    .col(integer(ReportTargets::ReportId))
                    .col(string(ReportTargets::ApId))
                    .col(integer_null(ReportTargets::PostId))
                    .col(integer_null(ReportTargets::CommentId))
                    .col(integer_null(ReportTargets::ActorId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReportTargets::Table, ReportTargets::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut set_null(
                        ReportTargets::PostId,
                        Posts::Table,
                        Posts::Id,
                    ))
                    .foreign_key(&mut set_null(
                        ReportTargets::CommentId,
                        Comments::Table,
                        Comments::Id,
                    ))
                    .foreign_key(&mut set_null(
                        ReportTargets::ActorId,
                        Actors::Table,
                        Actors::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_report_targets_report", ReportTargets::ReportId),
            ("idx_report_targets_comment", ReportTargets::CommentId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ReportTargets::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_reports_status")
                    .table(Reports::Table)
                    .col(Reports::Direction)
                    .col(Reports::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .add_column(integer_null(Activities::ReportId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Activities::Table)
                    .drop_column(Activities::ReportId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ReportTargets::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}

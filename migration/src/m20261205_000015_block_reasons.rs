//! A block keeps the reason it was made for: typed by the admin, or the
//! public comment of a shared blocklist it was imported from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blocks {
    Table,
    Reason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Blocks::Table)
                    .add_column(ColumnDef::new(Blocks::Reason).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Blocks::Table)
                    .drop_column(Blocks::Reason)
                    .to_owned(),
            )
            .await
    }
}

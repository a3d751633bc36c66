//! What each post says of itself beside its text: who may reply (anyone,
//! what every post allowed until now; the blog's followers and the accounts
//! the conversation mentions; or nobody), who may quote it (`NULL`: as the
//! blog's setting says), and the language it is written in when it is not
//! the blog's.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    ReplyPolicy,
    QuotePolicy,
    Language,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table a column at a time.
        let columns = [
            ColumnDef::new(Posts::ReplyPolicy)
                .string()
                .not_null()
                .default("anyone")
                .to_owned(),
            ColumnDef::new(Posts::QuotePolicy)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Posts::Language).string().null().to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Posts::Language, Posts::QuotePolicy, Posts::ReplyPolicy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

//! Moving in and publishing from elsewhere: imported posts and comments
//! (with their original authors and old addresses), uploaded images, and
//! tokens for publishing apps (Micropub).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    Id,
    /// The byline of an imported post whose author has no account here.
    AuthorName,
    /// Where an imported post came from (its WordPress guid), so a second
    /// import recognises it.
    ImportedFrom,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    /// Name and website of a comment's author when it came from an import
    /// rather than from the fediverse.
    AuthorName,
    AuthorUrl,
}

#[derive(DeriveIden)]
enum Redirects {
    Table,
    Id,
    /// A path with its query, exactly as old links ask for it:
    /// `/2014/05/01/customer-service/` or `/?p=123`.
    FromPath,
    PostId,
    CreatedAt,
}

// The column is `media_type`, like the MIME field it stores.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    /// The stored file's name under the media folder: `{uuid}.{ext}`.
    FileName,
    MediaType,
    Width,
    Height,
    Bytes,
    AltText,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    /// SHA-256 of the token, hex; the token itself is shown once.
    TokenHash,
    Scope,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            string_null(Posts::AuthorName),
            string_null(Posts::ImportedFrom),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_posts_imported_from")
                    .table(Posts::Table)
                    .col(Posts::ImportedFrom)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for column in [
            string_null(Comments::AuthorName),
            string_null(Comments::AuthorUrl),
        ] {
            let mut column = column;
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
                    .table(Redirects::Table)
                    .col(pk_auto(Redirects::Id))
                    .col(string_uniq(Redirects::FromPath))
                    .col(integer(Redirects::PostId))
                    .col(timestamp_with_time_zone(Redirects::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_redirects_post")
                            .from(Redirects::Table, Redirects::PostId)
                            .to(Posts::Table, Posts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .col(pk_auto(Media::Id))
                    .col(string_uniq(Media::FileName))
                    .col(string_len(Media::MediaType, 64))
                    .col(integer(Media::Width))
                    .col(integer(Media::Height))
                    .col(big_integer(Media::Bytes))
                    .col(text(Media::AltText))
                    .col(integer_null(Media::UploadedBy))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_media_user")
                            .from(Media::Table, Media::UploadedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(pk_auto(ApiTokens::Id))
                    .col(integer(ApiTokens::UserId))
                    .col(string(ApiTokens::Name))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(string(ApiTokens::Scope))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_user")
                            .from(ApiTokens::Table, ApiTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiTokens::Table.into_iden(),
            Media::Table.into_iden(),
            Redirects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_posts_imported_from")
                    .table(Posts::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Posts::AuthorName, Posts::ImportedFrom] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [Comments::AuthorName, Comments::AuthorUrl] {
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

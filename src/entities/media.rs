use sea_orm::entity::prelude::*;

/// An uploaded image, re-encoded and stored as `file_name` in the media folder.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub file_name: String,
    pub media_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    #[sea_orm(column_type = "Text")]
    pub alt_text: String,
    pub uploaded_by: Option<i32>,
    pub created_at: ChronoDateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One object a report names, and what it is here when the blog knows it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub report_id: i32,
    pub ap_id: String,
    pub post_id: Option<i32>,
    pub comment_id: Option<i32>,
    pub actor_id: Option<i32>,
    #[sea_orm(belongs_to, from = "report_id", to = "id", on_delete = "Cascade")]
    pub report: BelongsTo<super::report::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}

//! The business rules. The only code that writes entities; knows neither HTTP
//! nor the ActivityPub wire format.

pub mod actors;
pub mod backup;
pub mod blocks;
pub mod comments;
pub mod deliveries;
pub mod export;
pub mod followers;
pub mod import;
pub mod inbound;
pub mod media;
pub mod outbox;
pub mod posts;
pub mod reactions;
pub mod redirects;
pub mod secrets;
pub mod sessions;
pub mod tokens;
pub mod users;

/// Whether a write failed on a unique constraint (a name or id already taken).
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Starts a transaction that writes. On SQLite it takes the write lock at
/// once (`BEGIN IMMEDIATE`), waiting for other writers as every write does:
/// a transaction that read first and wrote later would fail at once with
/// "database is locked" whenever another connection committed in between.
/// PostgreSQL ignores the mode; inside a transaction this is a savepoint.
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

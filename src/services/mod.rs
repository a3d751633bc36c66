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

//! The business rules. The only code that writes entities; knows neither HTTP
//! nor the ActivityPub wire format.

pub mod actors;
pub mod authors;
pub mod backfill;
pub mod backup;
pub mod blocks;
pub mod comments;
pub mod deliveries;
pub mod export;
pub mod followers;
pub mod identity;
pub mod import;
pub mod inbound;
pub mod media;
pub mod moderation;
pub mod outbox;
pub mod posts;
pub mod quotes;
pub mod quoting;
pub mod reactions;
pub mod redirects;
pub mod reports;
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

/// Something to write through: the database, or a transaction under way.
#[async_trait::async_trait]
pub trait Writer: sea_orm::ConnectionTrait + sea_orm::TransactionTrait + Sync {
    /// This process's turn to write: on SQLite, write transactions of one
    /// process wait for each other here, in order, rather than in SQLite's
    /// busy handler (which polls with sleeps of up to 100 ms, so a queue of
    /// writers would idle while the lock is free). `None` on PostgreSQL and
    /// inside a transaction, which already holds the turn.
    async fn turn(&self) -> WriteTurn;
}

/// Held for as long as a write transaction runs; see [`Writer::turn`].
#[must_use = "the turn ends when this is dropped"]
pub struct WriteTurn {
    _held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

#[async_trait::async_trait]
impl Writer for sea_orm::DatabaseConnection {
    async fn turn(&self) -> WriteTurn {
        use std::{
            collections::HashMap,
            path::PathBuf,
            sync::{Arc, LazyLock, Mutex, PoisonError},
        };
        type Turns = Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>;
        static TURNS: LazyLock<Turns> = LazyLock::new(Turns::default);
        if self.get_database_backend() != sea_orm::DbBackend::Sqlite {
            return WriteTurn { _held: None };
        }
        let file = self
            .get_sqlite_connection_pool()
            .connect_options()
            .get_filename()
            .to_owned();
        let turn = TURNS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(file)
            .or_default()
            .clone();
        WriteTurn {
            _held: Some(turn.lock_owned().await),
        }
    }
}

#[async_trait::async_trait]
impl Writer for sea_orm::DatabaseTransaction {
    async fn turn(&self) -> WriteTurn {
        WriteTurn { _held: None }
    }
}

/// Starts a transaction that writes, in this process's turn. On SQLite it
/// takes the write lock at once (`BEGIN IMMEDIATE`): a transaction that read
/// first and wrote later would fail at once with "database is locked"
/// whenever another connection committed in between. PostgreSQL ignores the
/// mode; inside a transaction this is a savepoint.
pub async fn begin_write<C: Writer>(db: &C) -> Result<(C::Transaction, WriteTurn), sea_orm::DbErr> {
    let turn = db.turn().await;
    let txn = db
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok((txn, turn))
}

/// Rows whose lease (`locked_until`) is not held: never taken, or lapsed.
pub fn lease_free(
    locked_until: impl sea_orm::ColumnTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(locked_until.is_null())
        .add(locked_until.lt(now))
}

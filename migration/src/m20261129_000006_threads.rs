//! Comment threads that page: each comment knows its thread, and what pages
//! show is kept rather than counted per request.
//!
//! - `comments.thread_id`: the top-level comment a reply belongs under (NULL
//!   for top-level comments themselves);
//! - `comments.hidden`: its author or server is blocked;
//! - `comments.visible`: approved, not hidden, not deleted;
//! - on top-level comments, `listed` (the thread has something to show) and
//!   `thread_size` (its approved, unhidden answers, deleted ones included);
//! - `posts.reply_count` (visible comments) and the reaction counts.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, FromQueryResult, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    PostId,
    PublishedAt,
    ThreadId,
    Hidden,
    Visible,
    Listed,
    ThreadSize,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    ReplyCount,
    LikeCount,
    BoostCount,
    EmojiCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let comment_columns = [
            integer_null(Comments::ThreadId),
            boolean(Comments::Hidden).default(false).to_owned(),
            boolean(Comments::Visible).default(false).to_owned(),
            boolean(Comments::Listed).default(false).to_owned(),
            integer(Comments::ThreadSize).default(0).to_owned(),
        ];
        for mut column in comment_columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Posts::ReplyCount,
            Posts::LikeCount,
            Posts::BoostCount,
            Posts::EmojiCount,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Posts::Table)
                        .add_column(integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        // A post's threads in order, either way (newest first scans it backwards).
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_threads")
                    .table(Comments::Table)
                    .col(Comments::PostId)
                    .col(Comments::Listed)
                    .col(Comments::PublishedAt)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        // A thread's answers in order.
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_thread")
                    .table(Comments::Table)
                    .col(Comments::ThreadId)
                    .col(Comments::PublishedAt)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        // A post's visible comments in arrival order: the `replies` collection.
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_visible")
                    .table(Comments::Table)
                    .col(Comments::PostId)
                    .col(Comments::Visible)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        backfill(manager.get_connection()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in [
            "idx_comments_threads",
            "idx_comments_thread",
            "idx_comments_visible",
        ] {
            manager
                .drop_index(Index::drop().name(index).table(Comments::Table).to_owned())
                .await?;
        }
        for column in [
            Comments::ThreadId,
            Comments::Hidden,
            Comments::Visible,
            Comments::Listed,
            Comments::ThreadSize,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Posts::ReplyCount,
            Posts::LikeCount,
            Posts::BoostCount,
            Posts::EmojiCount,
        ] {
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

#[derive(FromQueryResult)]
struct Author {
    id: i32,
    ap_id: String,
}

#[derive(FromQueryResult)]
struct BlockRow {
    kind: String,
    value: String,
}

/// Whether a block list covers an actor, as the server decides it: the
/// actor itself, or its host or a parent domain of it.
fn blocked(blocks: &[BlockRow], ap_id: &str) -> bool {
    let host = url::Url::parse(ap_id)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    blocks.iter().any(|b| match (b.kind.as_str(), &host) {
        ("actor", _) => b.value == ap_id,
        (_, Some(host)) => *host == b.value || host.ends_with(&format!(".{}", b.value)),
        _ => false,
    })
}

async fn backfill(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let run = |sql: &str| Statement::from_string(backend, sql.to_owned());
    // Threads, one level of nesting at a time.
    db.execute_raw(run(
        "UPDATE comments SET thread_id = parent_id WHERE parent_id IN \
         (SELECT id FROM comments WHERE parent_id IS NULL)",
    ))
    .await?;
    loop {
        let done = db
            .execute_raw(run(
                "UPDATE comments SET thread_id = \
                 (SELECT p.thread_id FROM comments p WHERE p.id = comments.parent_id) \
                 WHERE thread_id IS NULL AND parent_id IS NOT NULL AND EXISTS \
                 (SELECT 1 FROM comments p WHERE p.id = comments.parent_id AND p.thread_id IS NOT NULL)",
            ))
            .await?;
        if done.rows_affected() == 0 {
            break;
        }
    }
    let blocks = BlockRow::find_by_statement(run("SELECT kind, value FROM blocks"))
        .all(db)
        .await?;
    if !blocks.is_empty() {
        let authors = Author::find_by_statement(run(
            "SELECT id, ap_id FROM actors WHERE id IN (SELECT actor_id FROM comments)",
        ))
        .all(db)
        .await?;
        for author in authors.iter().filter(|a| blocked(&blocks, &a.ap_id)) {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm_migration::sea_orm::DatabaseBackend::Postgres => {
                        "UPDATE comments SET hidden = TRUE WHERE actor_id = $1"
                    }
                    _ => "UPDATE comments SET hidden = TRUE WHERE actor_id = ?",
                },
                [author.id.into()],
            ))
            .await?;
        }
    }
    for sql in [
        "UPDATE comments SET visible = CASE WHEN status = 'approved' AND hidden = FALSE \
         AND deleted_at IS NULL THEN TRUE ELSE FALSE END",
        "UPDATE comments SET thread_size = (SELECT COUNT(*) FROM comments c \
         WHERE c.thread_id = comments.id AND c.status = 'approved' AND c.hidden = FALSE) \
         WHERE thread_id IS NULL",
        "UPDATE comments SET listed = CASE WHEN visible OR EXISTS (SELECT 1 FROM comments c \
         WHERE c.thread_id = comments.id AND c.visible) THEN TRUE ELSE FALSE END \
         WHERE thread_id IS NULL",
        "UPDATE posts SET reply_count = (SELECT COUNT(*) FROM comments c \
         WHERE c.post_id = posts.id AND c.visible)",
        "UPDATE posts SET like_count = (SELECT COUNT(*) FROM reactions r \
         WHERE r.post_id = posts.id AND r.kind = 'like')",
        "UPDATE posts SET boost_count = (SELECT COUNT(*) FROM reactions r \
         WHERE r.post_id = posts.id AND r.kind = 'announce')",
        "UPDATE posts SET emoji_count = (SELECT COUNT(*) FROM reactions r \
         WHERE r.post_id = posts.id AND r.kind = 'emoji')",
    ] {
        db.execute_raw(run(sql)).await?;
    }
    Ok(())
}

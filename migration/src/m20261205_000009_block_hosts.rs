//! Domain blocks are stored in the one form every comparison uses:
//! lowercase, without a trailing dot, internationalised names in their
//! ASCII (punycode) form. Blocks typed before as `evil.example.` or
//! `bücher.example` matched nobody; rewritten, they hide what they cover.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(FromQueryResult)]
struct Block {
    id: i32,
    value: String,
}

#[derive(FromQueryResult)]
struct Author {
    id: i32,
    ap_id: String,
}

/// The server's normalisation (`domain::HostName`), which this crate
/// cannot reach; `url` does the IDNA mapping for both.
fn normalise(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let bare = trimmed.strip_suffix('.').unwrap_or(trimmed);
    match url::Host::parse(bare).ok()? {
        url::Host::Domain(name) if !name.is_empty() => Some(name.to_ascii_lowercase()),
        url::Host::Domain(_) => None,
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(ip) => Some(format!("[{ip}]")),
    }
}

fn covers(domain: &str, ap_id: &str) -> bool {
    let Some(host) = url::Url::parse(ap_id)
        .ok()
        .and_then(|u| u.host_str().and_then(normalise))
    else {
        return false;
    };
    host == domain || host.ends_with(&format!(".{domain}"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let run = |sql: &str| Statement::from_string(backend, sql.to_owned());
        let with =
            |sqlite: &str, postgres: &str, values: Vec<sea_orm_migration::sea_orm::Value>| {
                Statement::from_sql_and_values(
                    backend,
                    if backend == DatabaseBackend::Postgres {
                        postgres
                    } else {
                        sqlite
                    },
                    values,
                )
            };
        let blocks = Block::find_by_statement(run(
            "SELECT id, value FROM blocks WHERE kind = 'domain' ORDER BY id",
        ))
        .all(db)
        .await?;
        // Each normal form keeps one row: the one already written that way,
        // else the oldest; copies go first, so no rewrite meets its twin.
        let mut groups: Vec<(String, Vec<Block>)> = Vec::new();
        let mut unreadable = Vec::new();
        for block in blocks {
            match normalise(&block.value) {
                Some(normal) => match groups.iter_mut().find(|(n, _)| *n == normal) {
                    Some((_, rows)) => rows.push(block),
                    None => groups.push((normal, vec![block])),
                },
                None => unreadable.push(block.id),
            }
        }
        let mut rewritten = Vec::new();
        let mut updates = Vec::new();
        let mut doomed = unreadable;
        for (normal, rows) in groups {
            let keep = rows
                .iter()
                .position(|b| b.value == normal)
                .unwrap_or_default();
            for (at, row) in rows.iter().enumerate() {
                if at != keep {
                    doomed.push(row.id);
                }
            }
            if rows[keep].value != normal {
                updates.push((rows[keep].id, normal.clone()));
                rewritten.push(normal);
            }
        }
        for id in doomed {
            db.execute_raw(with(
                "DELETE FROM blocks WHERE id = ?",
                "DELETE FROM blocks WHERE id = $1",
                vec![id.into()],
            ))
            .await?;
        }
        for (id, normal) in updates {
            db.execute_raw(with(
                "UPDATE blocks SET value = ? WHERE id = ?",
                "UPDATE blocks SET value = $1 WHERE id = $2",
                vec![normal.into(), id.into()],
            ))
            .await?;
        }
        if rewritten.is_empty() {
            return Ok(());
        }
        let authors = Author::find_by_statement(run("SELECT id, ap_id FROM actors"))
            .all(db)
            .await?;
        for author in authors
            .iter()
            .filter(|a| rewritten.iter().any(|d| covers(d, &a.ap_id)))
        {
            db.execute_raw(with(
                "UPDATE comments SET hidden = TRUE WHERE actor_id = ?",
                "UPDATE comments SET hidden = TRUE WHERE actor_id = $1",
                vec![author.id.into()],
            ))
            .await?;
            db.execute_raw(with(
                "DELETE FROM followers WHERE actor_id = ?",
                "DELETE FROM followers WHERE actor_id = $1",
                vec![author.id.into()],
            ))
            .await?;
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
        ] {
            db.execute_raw(run(sql)).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Normalised values are what every version compares; nothing to undo.
        Ok(())
    }
}

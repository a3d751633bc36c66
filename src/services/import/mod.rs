//! `blog import wordpress FILE.xml`: posts, their comment threads and their
//! old addresses from a WordPress export.
//!
//! The whole file is read and converted before anything is written, so a
//! malformed file changes nothing; then everything is written in one
//! transaction. Posts and comments remember where they came from, so running
//! the same import again adds only what is new.

mod content;
mod convert;
mod write;
mod wxr;

use std::{collections::BTreeMap, fmt, path::Path};

use anyhow::Context;
use sea_orm::DatabaseConnection;

use self::convert::Converted;
use super::{redirects, users};

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Queue each newly imported published post for the followers.
    pub federate: bool,
}

/// Told how far the import has got, to draw a progress bar.
pub trait Progress: Sync {
    fn begin(&self, stage: &'static str, total: u64);
    fn advance(&self);
    fn finish(&self);
}

/// For callers that show no progress.
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &'static str, _: u64) {}
    fn advance(&self) {}
    fn finish(&self) {}
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub site_title: String,
    pub posts_new: usize,
    /// Of the new posts: kept as drafts, and to go live later.
    pub drafts: usize,
    pub scheduled: usize,
    pub posts_existing: usize,
    /// Items that are not posts, by kind ("page", "attachment", ...).
    pub skipped: BTreeMap<String, usize>,
    pub comments_new: usize,
    /// Of the new comments: waiting in the moderation queue.
    pub comments_pending: usize,
    pub comments_existing: usize,
    pub comments_spam: usize,
    pub comments_notices: usize,
    /// Tags on the new posts.
    pub tags: usize,
    pub redirects: usize,
    /// Whether new published posts were queued for the followers, and how many.
    pub federate: bool,
    pub announced: usize,
}

impl Summary {
    /// New posts that went live at once.
    pub fn published(&self) -> usize {
        self.posts_new - self.drafts - self.scheduled
    }

    pub fn is_nothing_new(&self) -> bool {
        self.posts_new == 0 && self.comments_new == 0 && self.redirects == 0
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "posts:     {} new ({} published, {}, {} scheduled), {} already here",
            self.posts_new,
            self.published(),
            plural(self.drafts, "draft", "drafts"),
            self.scheduled,
            self.posts_existing
        )?;
        writeln!(
            f,
            "comments:  {} new ({} waiting for approval), {} already here, {} left out (spam or binned), {}",
            self.comments_new,
            self.comments_pending,
            self.comments_existing,
            self.comments_spam,
            plural(
                self.comments_notices,
                "pingback or trackback left out",
                "pingbacks and trackbacks left out"
            ),
        )?;
        writeln!(f, "tags:      {} on the new posts", self.tags)?;
        writeln!(f, "redirects: {} old addresses added", self.redirects)?;
        if self.federate {
            writeln!(
                f,
                "followers: {} announced",
                plural(self.announced, "new post", "new posts")
            )?;
        } else if self.published() > 0 {
            writeln!(
                f,
                "followers: not told (import with --federate to announce new posts)"
            )?;
        }
        if !self.skipped.is_empty() {
            let kinds: Vec<String> = self
                .skipped
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            writeln!(f, "skipped:   {} (not posts)", kinds.join(", "))?;
        }
        if self.is_nothing_new() {
            writeln!(
                f,
                "Nothing new: everything in this file was imported before."
            )?;
        }
        Ok(())
    }
}

/// Reads `file` and imports it into the blog, owned by its first admin.
pub async fn wordpress(
    db: &DatabaseConnection,
    file: &Path,
    options: Options,
    progress: &dyn Progress,
) -> anyhow::Result<Summary> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let source = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        .map_err(|err| {
            let valid = String::from_utf8_lossy(&bytes[..err.valid_up_to()]).into_owned();
            let at = wxr::position_of(&valid, valid.len());
            anyhow::anyhow!(
                "{}:{}:{}: the file is not UTF-8 text, as WordPress exports are",
                file.display(),
                at.line,
                at.column
            )
        })?;
    let export = wxr::parse(source).map_err(|err| anyhow::anyhow!("{}:{err}", file.display()))?;
    let author = users::first_admin(db).await?.context(
        "imported posts belong to an admin, and there is none yet: create one with `blog user add NAME --admin`",
    )?;
    let now = chrono::Utc::now();
    let mut summary = Summary {
        site_title: export.site_title.clone(),
        federate: options.federate,
        ..Summary::default()
    };
    let mut items = Vec::new();
    progress.begin("Reading", export.items.len() as u64);
    for raw in &export.items {
        match convert::item(raw, &export, now)
            .map_err(|err| anyhow::anyhow!("{}:{}: {}", file.display(), err.line, err.message))?
        {
            Converted::Post(item) => items.push(*item),
            Converted::Skipped(kind) => *summary.skipped.entry(kind).or_default() += 1,
        }
        progress.advance();
    }
    progress.finish();

    let (txn, _turn) = crate::services::begin_write(db)
        .await
        .context("failed to start the import")?;
    let mut writer = write::Writer {
        db: &txn,
        author_id: author.id,
        federate: options.federate,
        stored_paths: redirects::stored_paths(&txn).await?,
        tags: Default::default(),
    };
    // On any error the transaction is dropped, which rolls everything back.
    writer.write(items, &mut summary, progress).await?;
    txn.commit().await.context("failed to commit the import")?;
    Ok(summary)
}

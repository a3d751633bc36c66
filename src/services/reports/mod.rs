//! Reports: those other servers' moderators send about what the blog shows
//! (kept open until the admin removes the content, blocks its authors or
//! dismisses them), and those the admin sends about a reply's author to
//! the author's server.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, TransactionSession,
};

mod views;

pub use crate::entities::report::{ReportDirection, ReportStatus, Resolution};
use crate::entities::{actor, comment, post, report, report_target};
pub use views::{Account, ReportView, TargetView, list, open_about, open_count};

/// What a received report names, as the federation layer recognised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reported {
    /// One of the blog's posts, by slug.
    Post(String),
    /// A comment shown here, by its uuid (the author's answers).
    Comment(String),
    /// The blog's own account, or an author's.
    Blog,
    /// Anything else: a remote reply shown here, or a remote account.
    Other,
}

/// A received `Flag`.
#[derive(Debug, Clone)]
pub struct IncomingReport {
    pub ap_id: String,
    pub content: String,
    /// Each object's id and what it is here.
    pub objects: Vec<(String, Reported)>,
}

/// A target row, linked to what it names here.
async fn target(
    db: &impl ConnectionTrait,
    report_id: i32,
    ap_id: String,
    reported: Reported,
) -> anyhow::Result<report_target::ActiveModel> {
    let mut row = report_target::ActiveModel {
        report_id: Set(report_id),
        ap_id: Set(ap_id.clone()),
        post_id: Set(None),
        comment_id: Set(None),
        actor_id: Set(None),
        ..Default::default()
    };
    match reported {
        Reported::Post(slug) => {
            let found = post::Entity::find()
                .filter(post::Column::Slug.eq(slug))
                .filter(post::Column::DeletedAt.is_null())
                .one(db)
                .await
                .context("failed to look up a reported post")?;
            row.post_id = Set(found.map(|p| p.id));
        }
        Reported::Comment(uuid) => {
            let found = comment::Entity::find()
                .filter(comment::Column::Uuid.eq(uuid))
                .one(db)
                .await
                .context("failed to look up a reported comment")?;
            row.comment_id = Set(found.map(|c| c.id));
        }
        Reported::Blog => {}
        Reported::Other => {
            let found = comment::Entity::find_by_ap_id(&ap_id)
                .one(db)
                .await
                .context("failed to look up a reported reply")?;
            match found {
                Some(c) => {
                    row.comment_id = Set(Some(c.id));
                    row.actor_id = Set(c.actor_id);
                }
                None => {
                    let actor = actor::Entity::find_by_ap_id(&ap_id)
                        .one(db)
                        .await
                        .context("failed to look up a reported account")?;
                    row.actor_id = Set(actor.map(|a| a.id));
                }
            }
        }
    }
    Ok(row)
}

/// Stores a report from `reporter`'s server, open for the admin. `false`
/// when it was received before.
pub async fn receive(
    db: &impl crate::services::Writer,
    reporter: &actor::Model,
    report: IncomingReport,
) -> anyhow::Result<bool> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let saved = report::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4().to_string()),
        direction: Set(ReportDirection::Incoming),
        ap_id: Set(Some(report.ap_id)),
        actor_id: Set(Some(reporter.id)),
        content: Set(report.content),
        status: Set(ReportStatus::Open),
        resolution: Set(None),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let saved = match saved {
        Ok(saved) => saved,
        Err(err) if super::is_unique_violation(&err) => return Ok(false),
        Err(err) => return Err(anyhow::Error::new(err).context("failed to store a report")),
    };
    let mut seen = BTreeSet::new();
    for (ap_id, reported) in report.objects {
        if seen.insert(ap_id.clone()) {
            target(&txn, saved.id, ap_id, reported)
                .await?
                .insert(&txn)
                .await
                .context("failed to store what a report names")?;
        }
    }
    txn.commit().await.context("failed to store a report")?;
    Ok(true)
}

/// What resolving a report changed.
#[derive(Debug, Default)]
pub struct Resolved {
    /// Posts whose comments changed.
    pub posts: Vec<i32>,
    /// Posts deleted (their followers are told).
    pub deleted_posts: Vec<i32>,
    /// Whether blocks changed.
    pub blocked: bool,
}

/// Resolves open report `id`: deletes what it names (`Removed`), blocks
/// the remote accounts it names and the authors of the replies it names
/// (`Blocked`), or does nothing more (`Dismissed`). `None` when there is
/// no such open report.
pub async fn resolve(
    db: &DatabaseConnection,
    id: i32,
    resolution: Resolution,
) -> anyhow::Result<Option<Resolved>> {
    let Some(found) = report::Entity::find_by_id(id)
        .filter(report::Column::Direction.eq(ReportDirection::Incoming))
        .filter(report::Column::Status.eq(ReportStatus::Open))
        .one(db)
        .await
        .with_context(|| format!("failed to load report {id}"))?
    else {
        return Ok(None);
    };
    let targets = report_target::Entity::find()
        .filter(report_target::Column::ReportId.eq(id))
        .all(db)
        .await
        .context("failed to load what a report names")?;
    let mut done = Resolved::default();
    match resolution {
        Resolution::Removed => {
            let comments: Vec<i32> = targets.iter().filter_map(|t| t.comment_id).collect();
            done.posts = super::comments::delete(db, &comments).await?;
            for post_id in targets.iter().filter_map(|t| t.post_id) {
                if super::posts::delete(db, post_id).await? {
                    done.deleted_posts.push(post_id);
                }
            }
        }
        Resolution::Blocked => {
            let reason = format!("Reported: {}", found.content.trim());
            let mut posts = BTreeSet::new();
            for ap_id in reported_accounts(db, &targets).await? {
                posts.extend(
                    super::blocks::add(db, super::blocks::BlockKind::Actor, &ap_id, Some(&reason))
                        .await?,
                );
                done.blocked = true;
            }
            done.posts = posts.into_iter().collect();
        }
        Resolution::Dismissed => {}
    }
    let mut closing: report::ActiveModel = found.into();
    closing.status = Set(ReportStatus::Resolved);
    closing.resolution = Set(Some(resolution));
    closing.resolved_at = Set(Some(Utc::now()));
    closing
        .update(db)
        .await
        .with_context(|| format!("failed to resolve report {id}"))?;
    Ok(Some(done))
}

/// The remote accounts a report names, and the authors of the remote
/// replies it names.
async fn reported_accounts(
    db: &DatabaseConnection,
    targets: &[report_target::Model],
) -> anyhow::Result<BTreeSet<String>> {
    let mut ids: BTreeSet<i32> = targets.iter().filter_map(|t| t.actor_id).collect();
    let comments: Vec<i32> = targets.iter().filter_map(|t| t.comment_id).collect();
    let authors = comment::Entity::find()
        .filter(comment::Column::Id.is_in(comments))
        .all(db)
        .await
        .context("failed to load reported replies")?;
    ids.extend(authors.into_iter().filter_map(|c| c.actor_id));
    let accounts = actor::Entity::find()
        .filter(actor::Column::Id.is_in(ids))
        .all(db)
        .await
        .context("failed to load reported accounts")?;
    Ok(accounts.into_iter().map(|a| a.ap_id).collect())
}

/// Reports the author of remote reply `comment_id` to their server: stores
/// the report and queues its `Flag` (naming the author and the reply) for
/// their server's inbox, in one transaction. `None` when the comment is
/// not a remote reply.
pub async fn send(
    db: &DatabaseConnection,
    comment_id: i32,
    content: &str,
) -> anyhow::Result<Option<i32>> {
    let Some((reply, Some(author))) = comment::Entity::find_by_id(comment_id)
        .find_also_related(actor::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load comment {comment_id}"))?
    else {
        return Ok(None);
    };
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let saved = report::ActiveModel {
        uuid: Set(uuid::Uuid::new_v4().to_string()),
        direction: Set(ReportDirection::Outgoing),
        ap_id: Set(None),
        actor_id: Set(Some(author.id)),
        content: Set(content.trim().to_owned()),
        status: Set(ReportStatus::Sent),
        resolution: Set(None),
        created_at: Set(Utc::now()),
        resolved_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .context("failed to store the report")?;
    let targets = [
        (author.ap_id.clone(), None, Some(author.id)),
        (reply.ap_id.clone(), Some(reply.id), Some(author.id)),
    ];
    for (ap_id, comment_id, actor_id) in targets {
        report_target::ActiveModel {
            report_id: Set(saved.id),
            ap_id: Set(ap_id),
            post_id: Set(None),
            comment_id: Set(comment_id),
            actor_id: Set(actor_id),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .context("failed to store what the report names")?;
    }
    let inbox = author
        .shared_inbox
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or(author.inbox.clone());
    super::outbox::enqueue_report(&txn, saved.id, &inbox).await?;
    txn.commit().await.context("failed to send the report")?;
    Ok(Some(saved.id))
}

/// What a sent report's `Flag` says: its text and the ids it names.
pub async fn for_flag(
    db: &DatabaseConnection,
    id: i32,
) -> anyhow::Result<Option<(String, Vec<String>)>> {
    let Some(found) = report::Entity::find_by_id(id)
        .one(db)
        .await
        .with_context(|| format!("failed to load report {id}"))?
    else {
        return Ok(None);
    };
    let objects = report_target::Entity::find()
        .filter(report_target::Column::ReportId.eq(id))
        .order_by_asc(report_target::Column::Id)
        .all(db)
        .await
        .context("failed to load what a report names")?
        .into_iter()
        .map(|t| t.ap_id)
        .collect();
    Ok(Some((found.content, objects)))
}

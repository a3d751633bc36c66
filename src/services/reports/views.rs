//! Reports as the admin sees them: each with who reported (or who was
//! reported) and what it names, and the counts the admin pages show.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;

use super::{ReportDirection, ReportStatus, Resolution};
use crate::entities::{actor, post, report, report_target};

/// An account as a report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub ap_id: String,
    pub handle: String,
    pub url: String,
}

impl From<actor::Model> for Account {
    fn from(a: actor::Model) -> Account {
        Account {
            handle: format!("@{}@{}", a.preferred_username, a.host),
            url: a
                .url
                .filter(|u| u.starts_with("http"))
                .unwrap_or(a.ap_id.clone()),
            ap_id: a.ap_id,
        }
    }
}

/// One object a report names, with what the blog knows of it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    pub ap_id: String,
    pub post: Option<(i32, String, String)>,
    pub comment: Option<crate::services::comments::CommentView>,
    pub account: Option<Account>,
}

/// A report as the admin sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub id: i32,
    pub direction: ReportDirection,
    pub status: ReportStatus,
    pub resolution: Option<Resolution>,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who reported (received), or who was reported (sent).
    pub account: Option<Account>,
    pub targets: Vec<TargetView>,
}

/// Reports received (open or resolved) or sent, newest first; at most 200.
/// What they name is loaded in one query per kind, for all of them at once.
pub async fn list(
    db: &DatabaseConnection,
    direction: ReportDirection,
    status: ReportStatus,
) -> anyhow::Result<Vec<ReportView>> {
    let rows = report::Entity::find()
        .filter(report::Column::Direction.eq(direction))
        .filter(report::Column::Status.eq(status))
        .order_by_desc(report::Column::CreatedAt)
        .limit(200)
        .find_also_related(actor::Entity)
        .all(db)
        .await
        .context("failed to load reports")?;
    let targets = report_target::Entity::find()
        .filter(report_target::Column::ReportId.is_in(rows.iter().map(|(r, _)| r.id)))
        .order_by_asc(report_target::Column::Id)
        .all(db)
        .await
        .context("failed to load what reports name")?;
    let posts: HashMap<i32, (i32, String, String)> = post::Entity::find()
        .filter(post::Column::Id.is_in(targets.iter().filter_map(|t| t.post_id)))
        .all(db)
        .await
        .context("failed to load reported posts")?
        .into_iter()
        .map(|p| (p.id, (p.id, p.slug, p.title)))
        .collect();
    let comment_ids: Vec<i32> = targets.iter().filter_map(|t| t.comment_id).collect();
    let mut comments: HashMap<i32, crate::services::comments::CommentView> =
        crate::services::comments::by_ids(db, &comment_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    // An account is shown only where no comment of it is.
    let accounts: HashMap<i32, Account> = actor::Entity::find()
        .filter(
            actor::Column::Id.is_in(
                targets
                    .iter()
                    .filter(|t| t.comment_id.is_none())
                    .filter_map(|t| t.actor_id),
            ),
        )
        .all(db)
        .await
        .context("failed to load reported accounts")?
        .into_iter()
        .map(|a| (a.id, Account::from(a)))
        .collect();
    let mut named: HashMap<i32, Vec<TargetView>> = HashMap::new();
    for t in targets {
        let comment = t.comment_id.and_then(|id| comments.remove(&id));
        let account = match (t.actor_id, &comment) {
            (Some(id), None) => accounts.get(&id).cloned(),
            _ => None,
        };
        named.entry(t.report_id).or_default().push(TargetView {
            ap_id: t.ap_id,
            post: t.post_id.and_then(|id| posts.get(&id).cloned()),
            comment,
            account,
        });
    }
    Ok(rows
        .into_iter()
        .map(|(row, account)| ReportView {
            id: row.id,
            direction: row.direction,
            status: row.status,
            resolution: row.resolution,
            content: row.content,
            created_at: row.created_at,
            resolved_at: row.resolved_at,
            account: account.map(Account::from),
            targets: named.remove(&row.id).unwrap_or_default(),
        })
        .collect())
}

/// How many received reports wait for the admin.
pub async fn open_count(db: &DatabaseConnection) -> anyhow::Result<u64> {
    report::Entity::find()
        .filter(report::Column::Direction.eq(ReportDirection::Incoming))
        .filter(report::Column::Status.eq(ReportStatus::Open))
        .count(db)
        .await
        .context("failed to count reports")
}

/// For each of these comments that an open report names, what the
/// reports say.
pub async fn open_about(
    db: &DatabaseConnection,
    comment_ids: &[i32],
) -> anyhow::Result<HashMap<i32, Vec<String>>> {
    let rows = report_target::Entity::find()
        .filter(report_target::Column::CommentId.is_in(comment_ids.iter().copied()))
        .find_also_related(report::Entity)
        .all(db)
        .await
        .context("failed to load the reports about comments")?;
    let mut about: HashMap<i32, Vec<String>> = HashMap::new();
    for (target, report) in rows {
        if let (Some(id), Some(report)) = (target.comment_id, report)
            && report.status == ReportStatus::Open
        {
            about.entry(id).or_default().push(report.content);
        }
    }
    Ok(about)
}

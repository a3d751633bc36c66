//! A post's comments a page at a time, like WordPress's "break comments
//! into pages": up to `per_page` threads (a top-level comment and its
//! answers), with at most `ANSWERS_PER_THREAD_PAGE` times as many answers; a
//! thread longer than that continues on the next page. Pages are found by
//! keyset over kept columns (`listed`, `thread_size`), so a page costs the
//! same few queries however many replies the post has.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;

use super::{CommentStatus, CommentView, queries::views_of};
use crate::{
    config::CommentOrder,
    entities::{actor, comment},
};

/// Answers a page may show, per thread it has room for.
const ANSWERS_PER_THREAD_PAGE: usize = 4;

/// Where a page starts: at a top-level comment (`from`, the first page when
/// `None`), and within its thread `after` an answer shown on the page before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PageStart {
    pub from: Option<i32>,
    pub after: Option<i32>,
}

impl PageStart {
    /// The page that begins with a whole thread (the first page when `None`).
    fn at(from: Option<i32>) -> PageStart {
        PageStart { from, after: None }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ThreadPage {
    /// In reading order, each with its `depth` in the thread.
    pub comments: Vec<CommentView>,
    /// The page before this one, if any (`from: None` is the first page).
    pub earlier: Option<PageStart>,
    /// The page after this one, if any.
    pub later: Option<PageStart>,
    /// The page that ends with the post's last thread, when that is not
    /// the next one.
    pub last: Option<PageStart>,
    /// The first thread is the rest of one begun on the page before.
    pub continued: bool,
}

/// A comment's place in a post's order of threads.
#[derive(Clone, Copy)]
struct Key {
    published_at: DateTime<Utc>,
    id: i32,
}

fn key_expr() -> Expr {
    Expr::tuple([
        Expr::col((comment::Entity, comment::Column::PublishedAt)),
        Expr::col((comment::Entity, comment::Column::Id)),
    ])
}

fn key_value(key: Key) -> Expr {
    Expr::tuple([Expr::value(key.published_at), Expr::value(key.id)])
}

/// The listed threads of a post, in `order` (or against it), from `key`.
fn threads(
    post_id: i32,
    order: CommentOrder,
    forward: bool,
    from: Option<(Key, bool)>,
) -> Select<comment::Entity> {
    let ascending = (order == CommentOrder::OldestFirst) == forward;
    let mut query = comment::Entity::find()
        .filter(comment::Column::PostId.eq(post_id))
        .filter(comment::Column::Listed.eq(true));
    if let Some((key, inclusive)) = from {
        let bound = match (ascending, inclusive) {
            (true, true) => key_expr().gte(key_value(key)),
            (true, false) => key_expr().gt(key_value(key)),
            (false, true) => key_expr().lte(key_value(key)),
            (false, false) => key_expr().lt(key_value(key)),
        };
        query = query.filter(bound);
    }
    let direction = if ascending { Order::Asc } else { Order::Desc };
    query
        .order_by(comment::Column::PublishedAt, direction.clone())
        .order_by(comment::Column::Id, direction)
}

async fn key_of(
    db: &impl ConnectionTrait,
    post_id: i32,
    id: i32,
) -> anyhow::Result<Option<(Key, Option<i32>)>> {
    let found: Option<(DateTime<Utc>, i32, Option<i32>)> = comment::Entity::find()
        .select_only()
        .column(comment::Column::PublishedAt)
        .column(comment::Column::Id)
        .column(comment::Column::ThreadId)
        .filter(comment::Column::Id.eq(id))
        .filter(comment::Column::PostId.eq(post_id))
        .into_tuple()
        .one(db)
        .await
        .with_context(|| format!("failed to load comment {id}"))?;
    Ok(found.map(|(published_at, id, thread)| (Key { published_at, id }, thread)))
}

type Row = (comment::Model, Option<actor::Model>);

/// One page of a post's threads; `None` when `start` names no comment of it.
pub async fn thread_page(
    db: &impl ConnectionTrait,
    post: (i32, &str, &str),
    start: PageStart,
    per_page: u64,
    order: CommentOrder,
) -> anyhow::Result<Option<ThreadPage>> {
    let (post_id, slug, title) = post;
    let from = match start.from {
        Some(id) => match key_of(db, post_id, id).await? {
            Some((key, None)) => Some(key),
            // Only top-level comments begin pages.
            _ => return Ok(None),
        },
        None => None,
    };
    let after = match (start.from, start.after) {
        (Some(root), Some(id)) => match key_of(db, post_id, id).await? {
            Some((key, Some(thread))) if thread == root => Some(key),
            _ => return Ok(None),
        },
        _ => None,
    };
    let roots: Vec<Row> = threads(post_id, order, true, from.map(|k| (k, true)))
        .find_also_related(actor::Entity)
        .limit(per_page + 1)
        .all(db)
        .await
        .context("failed to load the post's threads")?;
    let budget = per_page as usize * ANSWERS_PER_THREAD_PAGE;
    let fill = fill(db, &roots, per_page as usize, budget, after).await?;
    let earlier = match (start.from, after, from) {
        (Some(root), Some(_), _) => Some(PageStart::at(Some(root))),
        (_, None, Some(key)) => Some(PageStart::at(
            page_ending_before(db, post_id, order, Some(key), per_page).await?,
        )),
        _ => None,
    };
    let last = match fill.later {
        Some(later) => page_ending_before(db, post_id, order, None, per_page)
            .await?
            .map(|from| PageStart::at(Some(from)))
            .filter(|last| *last != later && last.from != start.from),
        None => None,
    };
    let mut rows = fill.shown;
    rows.extend(fill.answers);
    let mut posts = HashMap::new();
    posts.insert(post_id, (slug.to_owned(), title.to_owned()));
    let views = views_of(db, rows, &posts).await?;
    Ok(Some(ThreadPage {
        comments: arrange(views, &fill.roots),
        earlier,
        later: fill.later,
        last,
        continued: after.is_some(),
    }))
}

/// What a page holds: its threads' top-level comments, their answers, and
/// where the next page starts.
struct Fill {
    roots: Vec<i32>,
    shown: Vec<Row>,
    answers: Vec<Row>,
    later: Option<PageStart>,
}

/// Takes threads in order while their answers fit in `budget`; a thread
/// too long for a page, or the rest of one, is cut where the budget ends.
async fn fill(
    db: &impl ConnectionTrait,
    roots: &[Row],
    per_page: usize,
    mut budget: usize,
    after: Option<Key>,
) -> anyhow::Result<Fill> {
    let mut whole = Vec::new();
    let mut fill = Fill {
        roots: Vec::new(),
        shown: Vec::new(),
        answers: Vec::new(),
        later: None,
    };
    for (i, row) in roots.iter().enumerate() {
        let root = &row.0;
        if i == per_page {
            fill.later = Some(PageStart::at(Some(root.id)));
            break;
        }
        let size = usize::try_from(root.thread_size).unwrap_or_default();
        if !(i == 0 && after.is_some()) && size <= budget {
            budget -= size;
            if size > 0 {
                whole.push(root.id);
            }
        } else if i == 0 {
            let mut part = answers_after(db, root.id, after, budget + 1).await?;
            if part.len() > budget {
                part.truncate(budget);
                fill.later = Some(PageStart {
                    from: Some(root.id),
                    after: part.last().map(|(c, _)| c.id),
                });
            }
            budget -= part.len();
            fill.answers.extend(part);
        } else {
            fill.later = Some(PageStart::at(Some(root.id)));
            break;
        }
        fill.roots.push(root.id);
        fill.shown.push(row.clone());
        if fill.later.is_some() {
            break;
        }
    }
    if !whole.is_empty() {
        fill.answers.extend(
            shown_answers()
                .filter(comment::Column::ThreadId.is_in(whole))
                .find_also_related(actor::Entity)
                .all(db)
                .await
                .context("failed to load the threads' answers")?,
        );
    }
    Ok(fill)
}

/// Answers a thread can show: approved, not hidden (deleted ones may stand
/// as placeholders).
fn shown_answers() -> Select<comment::Entity> {
    comment::Entity::find()
        .filter(comment::Column::Status.eq(CommentStatus::Approved))
        .filter(comment::Column::Hidden.eq(false))
}

async fn answers_after(
    db: &impl ConnectionTrait,
    root: i32,
    after: Option<Key>,
    limit: usize,
) -> anyhow::Result<Vec<Row>> {
    let mut query = shown_answers().filter(comment::Column::ThreadId.eq(root));
    if let Some(key) = after {
        query = query.filter(key_expr().gt(key_value(key)));
    }
    query
        .order_by_asc(comment::Column::PublishedAt)
        .order_by_asc(comment::Column::Id)
        .find_also_related(actor::Entity)
        .limit(limit as u64)
        .all(db)
        .await
        .context("failed to load a thread's answers")
}

/// The first thread of the page that ends just before `key` (with the last
/// thread when `key` is `None`); `None` when less than a page lies there.
async fn page_ending_before(
    db: &impl ConnectionTrait,
    post_id: i32,
    order: CommentOrder,
    key: Option<Key>,
    per_page: u64,
) -> anyhow::Result<Option<i32>> {
    let ids: Vec<i32> = threads(post_id, order, false, key.map(|key| (key, false)))
        .select_only()
        .column(comment::Column::Id)
        .limit(per_page)
        .into_tuple()
        .all(db)
        .await
        .context("failed to find where a page of threads begins")?;
    Ok((ids.len() as u64 == per_page)
        .then(|| ids.last().copied())
        .flatten())
}

/// Puts each page's comments in reading order: every thread from its
/// top-level comment down, answers under what they answer (oldest first),
/// an answer to something not shown under its thread's top, and deleted
/// comments kept as placeholders only while answers to them are shown.
fn arrange(views: Vec<CommentView>, roots: &[i32]) -> Vec<CommentView> {
    // A held or hidden top is not shown: its answers stand alone.
    let views: Vec<CommentView> = views
        .into_iter()
        .filter(|c| c.thread_id.is_some() || (c.status == CommentStatus::Approved && !c.hidden))
        .collect();
    let ids: HashSet<i32> = views.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<i32>, Vec<(DateTime<Utc>, i32)>> = HashMap::new();
    for c in views.iter().filter(|c| c.thread_id.is_some()) {
        let parent = match c.parent_id {
            Some(p) if ids.contains(&p) => Some(p),
            // Answers something not shown: under the thread's top if it is.
            _ => c.thread_id.filter(|root| ids.contains(root)),
        };
        children
            .entry(parent)
            .or_default()
            .push((c.published_at, c.id));
    }
    for list in children.values_mut() {
        list.sort_unstable();
    }
    let mut by_id: HashMap<i32, CommentView> = views.into_iter().map(|c| (c.id, c)).collect();
    let mut out = Vec::with_capacity(by_id.len());
    for root in roots {
        if ids.contains(root) {
            walk(*root, 0, &children, &mut by_id, &mut out);
            continue;
        }
        let orphans: Vec<i32> = children
            .get(&None)
            .into_iter()
            .flatten()
            .filter(|(_, id)| by_id.get(id).is_some_and(|c| c.thread_id == Some(*root)))
            .map(|(_, id)| *id)
            .collect();
        for id in orphans {
            walk(id, 0, &children, &mut by_id, &mut out);
        }
    }
    out
}

fn has_visible(
    id: i32,
    children: &HashMap<Option<i32>, Vec<(DateTime<Utc>, i32)>>,
    by_id: &HashMap<i32, CommentView>,
) -> bool {
    by_id.get(&id).is_some_and(|c| !c.deleted)
        || children
            .get(&Some(id))
            .is_some_and(|kids| kids.iter().any(|(_, k)| has_visible(*k, children, by_id)))
}

fn walk(
    id: i32,
    depth: usize,
    children: &HashMap<Option<i32>, Vec<(DateTime<Utc>, i32)>>,
    by_id: &mut HashMap<i32, CommentView>,
    out: &mut Vec<CommentView>,
) {
    if !has_visible(id, children, by_id) {
        return;
    }
    if let Some(mut shown) = by_id.remove(&id) {
        shown.depth = depth;
        out.push(shown);
    }
    for (_, kid) in children.get(&Some(id)).into_iter().flatten() {
        walk(*kid, depth + 1, children, by_id, out);
    }
}

/// Where a shown comment is read: its post and the page of its comments
/// that shows it (the first page when it is there).
#[derive(Debug, Clone)]
pub struct Located {
    pub post_slug: String,
    pub start: PageStart,
    pub comment_id: i32,
}

/// Finds the page that shows the comment with this uuid; `None` unless it
/// is shown under a published post.
pub async fn locate(
    db: &impl ConnectionTrait,
    uuid: &str,
    per_page: u64,
    order: CommentOrder,
) -> anyhow::Result<Option<Located>> {
    let Some((found, Some(post))) = comment::Entity::find_by_uuid(uuid)
        .find_also_related(crate::entities::post::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load comment {uuid}"))?
    else {
        return Ok(None);
    };
    if !found.visible
        || post.deleted_at.is_some()
        || post.status != crate::entities::post::PostStatus::Published
    {
        return Ok(None);
    }
    let root_id = found.thread_id.unwrap_or(found.id);
    let Some(root) = comment::Entity::find_by_id(root_id).one(db).await? else {
        return Ok(None);
    };
    let budget = per_page as usize * ANSWERS_PER_THREAD_PAGE;
    let key = |c: &comment::Model| Key {
        published_at: c.published_at,
        id: c.id,
    };
    // Threads before this one, as many as a page holds: on the first page
    // when fewer, and when their answers leave room for all of its own.
    let before: Vec<i32> = threads(post.id, order, false, Some((key(&root), false)))
        .select_only()
        .column(comment::Column::ThreadSize)
        .limit(per_page)
        .into_tuple()
        .all(db)
        .await
        .context("failed to find the comment's page")?;
    let used: usize = before
        .iter()
        .map(|n| usize::try_from(*n).unwrap_or_default())
        .sum();
    let size = usize::try_from(root.thread_size).unwrap_or_default();
    let mut start = PageStart::default();
    if (before.len() as u64) >= per_page || used + size > budget {
        start.from = Some(root.id);
    }
    if found.id != root.id && size > budget {
        // A long thread: read on from the answer before this one, unless
        // the thread's first page shows it.
        let earlier: Vec<i32> = shown_answers()
            .select_only()
            .column(comment::Column::Id)
            .filter(comment::Column::ThreadId.eq(root.id))
            .filter(key_expr().lt(key_value(key(&found))))
            .order_by_desc(comment::Column::PublishedAt)
            .order_by_desc(comment::Column::Id)
            .limit(budget as u64)
            .into_tuple()
            .all(db)
            .await
            .context("failed to find the comment in its thread")?;
        start.from = Some(root.id);
        if earlier.len() >= budget {
            start.after = earlier.first().copied();
        }
    }
    Ok(Some(Located {
        post_slug: post.slug,
        start,
        comment_id: found.id,
    }))
}

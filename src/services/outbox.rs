//! The transactional outbox: an activity row and one delivery row per
//! destination inbox, written in the caller's transaction. What the activity
//! says on the wire is the federation layer's business.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QuerySelect};

use crate::entities::{activity, actor, delivery, follower};

pub use crate::entities::activity::ActivityKind;

impl ActivityKind {
    /// What followers must be told when a post goes from one state to another.
    /// Drafts never federate.
    pub fn for_transition(was_public: bool, is_public: bool) -> Option<ActivityKind> {
        match (was_public, is_public) {
            (false, true) => Some(ActivityKind::Create),
            (true, true) => Some(ActivityKind::Update),
            (true, false) => Some(ActivityKind::Delete),
            (false, false) => None,
        }
    }
}

/// `host[:port]` of an inbox (the host normalised), the unit that is
/// paused when it keeps failing.
pub fn host_of(inbox: &str) -> String {
    url::Url::parse(inbox)
        .ok()
        .and_then(|url| crate::domain::authority(&url))
        .unwrap_or_else(|| inbox.to_owned())
}

/// What an activity rendered when it is sent is about.
#[derive(Clone, Copy, Debug, Default)]
struct About {
    post: Option<i32>,
    comment: Option<i32>,
    quote: Option<i32>,
    report: Option<i32>,
    /// The author whose account sends it; `None`: the blog.
    sender: Option<i32>,
}

async fn insert_activity(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    about: About,
    payload: Option<String>,
    uuid: String,
) -> anyhow::Result<activity::Model> {
    activity::ActiveModel {
        uuid: Set(uuid),
        kind: Set(kind),
        post_id: Set(about.post),
        comment_id: Set(about.comment),
        quote_id: Set(about.quote),
        report_id: Set(about.report),
        user_id: Set(about.sender),
        payload: Set(payload),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to store activity")
}

async fn insert_deliveries(
    db: &impl ConnectionTrait,
    activity_id: i32,
    inboxes: impl IntoIterator<Item = String>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let rows: Vec<delivery::ActiveModel> = inboxes
        .into_iter()
        .map(|inbox| delivery::ActiveModel {
            activity_id: Set(activity_id),
            host: Set(host_of(&inbox)),
            inbox: Set(inbox),
            state: Set(crate::entities::delivery::DeliveryState::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    // Large follower lists are written in chunks to stay under bind-parameter limits.
    for chunk in rows.chunks(500) {
        delivery::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .context("failed to store deliveries")?;
    }
    Ok(())
}

/// Queues an activity whose JSON `render(uuid)` builds now, for one inbox.
pub async fn enqueue_one(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    render: impl FnOnce(&str) -> String,
    inbox: &str,
) -> anyhow::Result<()> {
    enqueue_one_from(db, kind, None, render, inbox).await
}

/// `enqueue_one` for an activity that author `sender`'s own account sends
/// (the blog's when `None`).
pub async fn enqueue_one_from(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    sender: Option<i32>,
    render: impl FnOnce(&str) -> String,
    inbox: &str,
) -> anyhow::Result<()> {
    let uuid = new_uuid();
    let payload = render(&uuid);
    let about = About {
        sender,
        ..About::default()
    };
    enqueue_for_inbox(db, kind, about, (uuid, Some(payload)), inbox).await
}

/// Queues an activity already rendered under `uuid`, for one inbox.
pub async fn enqueue_one_as(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    uuid: String,
    payload: String,
    inbox: &str,
) -> anyhow::Result<()> {
    enqueue_for_inbox(db, kind, About::default(), (uuid, Some(payload)), inbox).await
}

/// Queues the revocation of quote `quote_id`'s authorisation for the
/// quoter's inbox. Its JSON is rendered when it is first sent.
pub async fn enqueue_revocation(
    db: &impl ConnectionTrait,
    quote_id: i32,
    inbox: &str,
) -> anyhow::Result<()> {
    let about = About {
        quote: Some(quote_id),
        ..About::default()
    };
    enqueue_for_inbox(db, ActivityKind::Revoke, about, (new_uuid(), None), inbox).await
}

/// Queues the `Flag` of sent report `report_id` for the reported
/// account's server. Its JSON is rendered when it is first sent.
pub async fn enqueue_report(
    db: &impl ConnectionTrait,
    report_id: i32,
    inbox: &str,
) -> anyhow::Result<()> {
    let about = About {
        report: Some(report_id),
        ..About::default()
    };
    enqueue_for_inbox(db, ActivityKind::Flag, about, (new_uuid(), None), inbox).await
}

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Queues an activity (with its uuid, and its JSON unless it is rendered
/// when sent) for one inbox.
async fn enqueue_for_inbox(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    about: About,
    (uuid, payload): (String, Option<String>),
    inbox: &str,
) -> anyhow::Result<()> {
    let activity = insert_activity(db, kind, about, payload, uuid).await?;
    insert_deliveries(db, activity.id, [inbox.to_owned()]).await
}

/// Queues the blog's `Move` for every follower. Its JSON is rendered when
/// it is first sent, from where the blog moved.
pub async fn enqueue_move(db: &impl ConnectionTrait) -> anyhow::Result<()> {
    enqueue(db, ActivityKind::Move, About::default(), Vec::new()).await
}

/// Queues `kind` about a post for every follower, one delivery per shared
/// inbox. Its JSON is rendered when it is first sent. A post whose author
/// has an account of their own is sent from it, to their followers and the
/// blog's, and a new one is boosted by the blog (`Announce`).
pub async fn enqueue_for_followers(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    post_id: i32,
) -> anyhow::Result<()> {
    let about = About {
        post: Some(post_id),
        ..About::default()
    };
    let Some(author) = super::authors::of_post(db, post_id).await? else {
        return enqueue(db, kind, about, Vec::new()).await;
    };
    let theirs = super::authors::follower_inboxes(db, author.id).await?;
    let from_author = About {
        sender: Some(author.id),
        ..about
    };
    enqueue(db, kind, from_author, theirs).await?;
    if kind == ActivityKind::Create {
        enqueue(db, ActivityKind::Announce, about, Vec::new()).await?;
    }
    Ok(())
}

/// Queues the author's answer `comment_id` for the followers and for the
/// inbox of the person answered.
pub async fn enqueue_answer(
    db: &impl ConnectionTrait,
    comment_id: i32,
    post_id: i32,
    answered_inbox: Option<String>,
) -> anyhow::Result<()> {
    let about = About {
        post: Some(post_id),
        comment: Some(comment_id),
        ..About::default()
    };
    enqueue(
        db,
        ActivityKind::Reply,
        about,
        answered_inbox.into_iter().collect(),
    )
    .await
}

/// Where to deliver to the actors `query` joins: each one's shared inbox
/// where it names one, else its own.
pub async fn inboxes_of<E: sea_orm::EntityTrait>(
    query: sea_orm::Select<E>,
    db: &impl ConnectionTrait,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let rows: Vec<(String, Option<String>)> = query
        .select_only()
        .column(actor::Column::Inbox)
        .column(actor::Column::SharedInbox)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(inbox, shared)| shared.filter(|s| !s.is_empty()).unwrap_or(inbox))
        .collect())
}

/// Queues `kind` for the blog's followers and `extra_inboxes`.
async fn enqueue(
    db: &impl ConnectionTrait,
    kind: ActivityKind,
    about: About,
    extra_inboxes: Vec<String>,
) -> anyhow::Result<()> {
    let mut inboxes: BTreeSet<String> =
        inboxes_of(follower::Entity::find().inner_join(actor::Entity), db)
            .await
            .context("failed to load follower inboxes")?
            .into_iter()
            .collect();
    inboxes.extend(extra_inboxes);
    if inboxes.is_empty() {
        return Ok(());
    }
    let uuid = new_uuid();
    let activity = insert_activity(db, kind, about, None, uuid).await?;
    insert_deliveries(db, activity.id, inboxes).await
}

/// The JSON of a sent activity that anyone may read (not what was said to
/// one actor alone: an `Accept`, a `Reject`, a revocation).
pub async fn public_payload(
    db: &sea_orm::DatabaseConnection,
    uuid: &str,
) -> anyhow::Result<Option<String>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let found = activity::Entity::find_by_uuid(uuid)
        .filter(activity::Column::Kind.is_not_in([
            ActivityKind::Accept,
            ActivityKind::Reject,
            ActivityKind::Revoke,
            ActivityKind::Flag,
        ]))
        .one(db)
        .await
        .with_context(|| format!("failed to load activity {uuid}"))?;
    Ok(found.and_then(|a| a.payload))
}

//! Writing posts: validation, slugs, tags, publishing and deletion.

pub mod editor;
mod form;
mod imported;
mod queries;

mod schedule;

pub use form::{CUSTOM_SUMMARY_CHARS, FieldErrors, PostForm, ValidPost, local_time_field};
pub use imported::{ImportedPost, find_imported, insert_imported};
pub use queries::*;
pub use schedule::{next_due, publish_due};

use anyhow::Context;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect,
};

use crate::{
    domain::{Slug, TagName, derive_summary, render_markdown},
    entities::{post, post_tag, tag},
    services::{
        is_unique_violation,
        outbox::{self, ActivityKind},
    },
};

/// Longest summary derived from the body; Mastodon shows it under the title.
pub const SUMMARY_CHARS: usize = 280;

pub use crate::entities::post::{PostStatus, QuotePolicy, ReplyPolicy};

/// Where a save puts a post: the author asks for a draft or for publishing;
/// publishing with a time still to come schedules it, with a time gone by
/// backdates it. A post already public keeps its date.
fn placement(
    requested: PostStatus,
    publish_at: Option<DateTime<Utc>>,
    existing: Option<&post::Model>,
    now: DateTime<Utc>,
) -> (PostStatus, Option<DateTime<Utc>>) {
    let current = existing.map(|p| p.status);
    let was_published_at = existing
        .filter(|_| current != Some(PostStatus::Scheduled))
        .and_then(|p| p.published_at);
    match requested {
        PostStatus::Draft => (PostStatus::Draft, was_published_at),
        _ if current == Some(PostStatus::Published) => {
            (PostStatus::Published, was_published_at.or(Some(now)))
        }
        _ => match publish_at {
            Some(at) if at > now => (PostStatus::Scheduled, Some(at)),
            Some(at) => (PostStatus::Published, Some(at)),
            None => (PostStatus::Published, was_published_at.or(Some(now))),
        },
    }
}

/// Whether the post has been public at some time (its slug is then fixed).
pub fn has_been_public(status: PostStatus, published_at: Option<DateTime<Utc>>) -> bool {
    status != PostStatus::Scheduled && published_at.is_some()
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the post has errors")]
    Invalid(FieldErrors),
    #[error("post {0} does not exist")]
    NotFound(i32),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for SaveError {
    fn from(err: sea_orm::DbErr) -> Self {
        SaveError::Other(anyhow::Error::new(err).context("failed to save post"))
    }
}

fn slug_taken() -> SaveError {
    SaveError::Invalid(FieldErrors::one(
        "slug",
        "Another post already uses this slug. Choose a different one.",
    ))
}

/// Creates a post as a draft, scheduled, or published at once (a publish
/// time after `now` schedules it).
pub async fn create(
    db: &DatabaseConnection,
    author_id: i32,
    input: ValidPost,
    requested: PostStatus,
    now: DateTime<Utc>,
) -> Result<post::Model, SaveError> {
    input.check_publishable(requested)?;
    let (status, published_at) = placement(requested, input.publish_at, None, now);
    // A concurrent save can take a derived slug between our check and insert; try again.
    for _ in 0..3 {
        let (txn, _turn) = crate::services::begin_write(db).await?;
        let slug = match &input.slug {
            Some(slug) if slug_exists(&txn, slug, None).await? => return Err(slug_taken()),
            Some(slug) => slug.clone(),
            None => free_slug(&txn, &Slug::derive(&input.title, "post"), None).await?,
        };
        let mut model = post::ActiveModel {
            slug: Set(slug.to_string()),
            author_id: Set(author_id),
            created_at: Set(now),
            deleted_at: Set(None),
            ..Default::default()
        };
        write_content(&mut model, &input, status, published_at, now);
        match model.insert(&txn).await {
            Ok(saved) => {
                after_save(&txn, saved.id, &input, false, status).await?;
                txn.commit().await.context("failed to commit new post")?;
                return Ok(saved);
            }
            Err(err) if is_unique_violation(&err) && input.slug.is_none() => continue,
            Err(err) if is_unique_violation(&err) => return Err(slug_taken()),
            Err(err) => return Err(err.into()),
        }
    }
    Err(SaveError::Other(anyhow::anyhow!(
        "could not find a free slug for \"{}\"",
        input.title
    )))
}

/// Saves changes to a post. The slug is fixed once the post has been published,
/// so its permalink keeps working.
pub async fn update(
    db: &DatabaseConnection,
    id: i32,
    input: ValidPost,
    requested: PostStatus,
    now: DateTime<Utc>,
) -> Result<post::Model, SaveError> {
    input.check_publishable(requested)?;
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let existing = post::Entity::find_by_id(id)
        .filter(post::Column::DeletedAt.is_null())
        .one(&txn)
        .await?
        .ok_or(SaveError::NotFound(id))?;
    let slug_fixed = has_been_public(existing.status, existing.published_at);
    let slug = match &input.slug {
        Some(slug) if !slug_fixed && slug.as_str() != existing.slug => {
            if slug_exists(&txn, slug, Some(id)).await? {
                return Err(slug_taken());
            }
            slug.to_string()
        }
        _ => existing.slug.clone(),
    };
    let was_public = existing.status == PostStatus::Published;
    let (status, published_at) = placement(requested, input.publish_at, Some(&existing), now);
    let mut model: post::ActiveModel = existing.into();
    model.slug = Set(slug);
    write_content(&mut model, &input, status, published_at, now);
    let saved = match model.update(&txn).await {
        Ok(saved) => saved,
        Err(err) if is_unique_violation(&err) => return Err(slug_taken()),
        Err(err) => return Err(err.into()),
    };
    after_save(&txn, id, &input, was_public, status).await?;
    txn.commit()
        .await
        .context("failed to commit post changes")?;
    Ok(saved)
}

/// Deletes a post. Its slug stays reserved so the permalink answers 410 Gone
/// rather than pointing at a different post later. Followers are told when
/// the post was public.
pub async fn delete(db: &DatabaseConnection, id: i32) -> anyhow::Result<bool> {
    let (txn, _turn) = crate::services::begin_write(db).await?;
    let Some(existing) = post::Entity::find_by_id(id)
        .filter(post::Column::DeletedAt.is_null())
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    post_tag::Entity::delete_many()
        .filter(post_tag::Column::PostId.eq(id))
        .exec(&txn)
        .await?;
    if existing.status == PostStatus::Published {
        outbox::enqueue_for_followers(&txn, ActivityKind::Delete, id).await?;
    }
    let mut model: post::ActiveModel = existing.into();
    model.body_markdown = Set(String::new());
    model.body_html = Set(String::new());
    model.summary = Set(String::new());
    model.deleted_at = Set(Some(Utc::now()));
    model.update(&txn).await?;
    txn.commit()
        .await
        .with_context(|| format!("failed to delete post {id}"))?;
    Ok(true)
}

/// Writes what the author typed, and where the post now stands, into `model`.
fn write_content(
    model: &mut post::ActiveModel,
    input: &ValidPost,
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    model.title = Set(input.title.clone());
    model.body_markdown = Set(input.body.clone());
    model.body_html = Set(render_markdown(&input.body).into_string());
    model.summary = Set(summary_of(input));
    model.summary_is_custom = Set(input.summary.is_some());
    model.status = Set(status);
    model.published_at = Set(published_at);
    model.updated_at = Set(now);
    model.reply_policy = Set(input.reply_policy);
    model.quote_policy = Set(input.quote_policy);
    model.language = Set(input.language.as_ref().map(|l| l.as_str().to_owned()));
}

/// In the save's transaction: the post's tags, and the activity its
/// followers are owed when it became, stayed or stopped being public.
async fn after_save(
    txn: &impl ConnectionTrait,
    id: i32,
    input: &ValidPost,
    was_public: bool,
    status: PostStatus,
) -> Result<(), SaveError> {
    set_tags(txn, id, &input.tags).await?;
    crate::services::quoting::set(txn, id, input.quote.as_ref()).await?;
    if let Some(kind) = ActivityKind::for_transition(was_public, status == PostStatus::Published) {
        outbox::enqueue_for_followers(txn, kind, id).await?;
    }
    Ok(())
}

/// The teaser readers see: the author's, or the start of the text.
pub(super) fn summary_of(input: &ValidPost) -> String {
    input
        .summary
        .clone()
        .unwrap_or_else(|| derive_summary(&input.body, SUMMARY_CHARS))
}

async fn slug_exists(
    db: &impl ConnectionTrait,
    slug: &Slug,
    except_id: Option<i32>,
) -> Result<bool, sea_orm::DbErr> {
    let mut query = post::Entity::find().filter(post::Column::Slug.eq(slug.as_str()));
    if let Some(id) = except_id {
        query = query.filter(post::Column::Id.ne(id));
    }
    Ok(query.one(db).await?.is_some())
}

/// `base`, or `base-2`, `base-3`, ... whichever is free first.
async fn free_slug(
    db: &impl ConnectionTrait,
    base: &Slug,
    except_id: Option<i32>,
) -> Result<Slug, sea_orm::DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // Saves deriving the same slug take turns until their transactions
        // end; otherwise each would see the same free suffix and all but one
        // would fail on the unique index. (SQLite writers already take turns.)
        db.execute_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT pg_advisory_xact_lock(1, hashtext($1))",
            [base.as_str().into()],
        ))
        .await?;
    }
    let mut query = post::Entity::find()
        .select_only()
        .column(post::Column::Slug)
        .filter(post::Column::Slug.starts_with(base.as_str()));
    if let Some(id) = except_id {
        query = query.filter(post::Column::Id.ne(id));
    }
    let taken: std::collections::HashSet<String> = query
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    if !taken.contains(base.as_str()) {
        return Ok(base.clone());
    }
    let mut n = 2;
    loop {
        let candidate = base.with_suffix(n);
        if !taken.contains(candidate.as_str()) {
            return Ok(candidate);
        }
        n += 1;
    }
}

async fn set_tags(
    db: &impl ConnectionTrait,
    post_id: i32,
    tags: &[TagName],
) -> Result<(), sea_orm::DbErr> {
    post_tag::Entity::delete_many()
        .filter(post_tag::Column::PostId.eq(post_id))
        .exec(db)
        .await?;
    for name in tags {
        // Two posts may introduce the same new tag at once: whoever inserts
        // second keeps the first spelling.
        tag::Entity::insert(tag::ActiveModel {
            name: Set(name.name.clone()),
            slug: Set(name.slug.to_string()),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([tag::Column::Slug])
        .exec(db)
        .await?;
        let tag_id = tag::Entity::find_by_slug(name.slug.as_str())
            .one(db)
            .await?
            .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("tag {}", name.slug)))?
            .id;
        post_tag::ActiveModel {
            post_id: Set(post_id),
            tag_id: Set(tag_id),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

//! Quotes of the blog's posts (FEP-044f): whether a post may be quoted by
//! whoever asks, the authorisations given, their withdrawal by the quoter
//! and their revocation by the author. What the answers say on the wire is
//! the federation layer's business.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use super::outbox::{self, ActivityKind};
use crate::{
    domain::HttpUrl,
    entities::{
        actor, follower,
        post::{self, PostStatus, QuotePolicy},
        quote,
    },
};

/// A `QuoteRequest` as read: who asked to quote which of our posts (by
/// slug) in which of their posts.
#[derive(Debug, Clone)]
pub struct Request {
    pub request_ap_id: String,
    pub quote_ap_id: String,
    pub post_slug: String,
}

/// The published post `slug`, and whether its setting (or the blog's,
/// `default`) lets `quoter` quote it.
async fn quotable(
    db: &impl ConnectionTrait,
    slug: &str,
    quoter: &actor::Model,
    default: QuotePolicy,
) -> anyhow::Result<Option<(post::Model, bool)>> {
    let Some(found) = post::Entity::find_by_slug(slug)
        .filter(post::Column::Status.eq(PostStatus::Published))
        .filter(post::Column::DeletedAt.is_null())
        .one(db)
        .await
        .context("failed to load the quoted post")?
    else {
        return Ok(None);
    };
    let follows = follower::Entity::find_by_actor_id(quoter.id)
        .one(db)
        .await
        .context("failed to check whether the quoter follows the blog")?
        .is_some();
    let allowed = found.quote_policy.unwrap_or(default).admits(follows);
    Ok(Some((found, allowed)))
}

/// Stores an authorised quote; its authorisation's uuid.
async fn insert(
    db: &impl ConnectionTrait,
    post_id: i32,
    actor_id: i32,
    quote_ap_id: &str,
    request_ap_id: &str,
) -> anyhow::Result<String> {
    let uuid = uuid::Uuid::new_v4().to_string();
    quote::ActiveModel {
        uuid: Set(uuid.clone()),
        post_id: Set(post_id),
        actor_id: Set(actor_id),
        quote_ap_id: Set(quote_ap_id.to_owned()),
        request_ap_id: Set(request_ap_id.to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .context("failed to store the quote")?;
    Ok(uuid)
}

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Authorised: the authorisation's uuid, on post `post_id`.
    Accepted {
        authorization: String,
        post_id: i32,
    },
    Refused,
    /// No such published post.
    NotForUs,
}

/// Decides a request by the post's setting (or the blog's, `default`) and
/// queues the answer for the asker in the same transaction. `render` builds
/// the answer's JSON from its activity uuid and, when accepted, the
/// authorisation's uuid.
pub async fn request(
    db: &DatabaseConnection,
    asker: &actor::Model,
    asked: Request,
    default: QuotePolicy,
    render: impl FnOnce(&str, Option<&str>) -> String,
) -> anyhow::Result<Answer> {
    let (txn, _turn) = super::begin_write(db).await?;
    let Some((found, allowed)) = quotable(&txn, &asked.post_slug, asker, default).await? else {
        return Ok(Answer::NotForUs);
    };
    let earlier = quote::Entity::find_by_quote_ap_id(asked.quote_ap_id.as_str())
        .one(&txn)
        .await
        .context("failed to look up the quote")?;
    let authorization = match earlier {
        _ if !allowed => None,
        // Asked again for the same quote: the same authorisation.
        Some(q) if q.actor_id == asker.id && q.post_id == found.id && q.revoked_at.is_none() => {
            Some(q.uuid)
        }
        // Someone else's post, or an authorisation the author revoked.
        Some(_) => None,
        None => Some(
            insert(
                &txn,
                found.id,
                asker.id,
                &asked.quote_ap_id,
                &asked.request_ap_id,
            )
            .await?,
        ),
    };
    let kind = match authorization {
        Some(_) => ActivityKind::Accept,
        None => ActivityKind::Reject,
    };
    outbox::enqueue_one(
        &txn,
        kind,
        |uuid| render(uuid, authorization.as_deref()),
        &asker.inbox,
    )
    .await?;
    txn.commit().await.context("failed to answer the quote")?;
    Ok(match authorization {
        Some(authorization) => Answer::Accepted {
            authorization,
            post_id: found.id,
        },
        None => Answer::Refused,
    })
}

/// Lists a post quoting one of ours that arrived without a request, when
/// the post's setting (or the blog's, `default`) lets its author quote and
/// it is not known already; the quoted post, if it was listed.
pub async fn noticed(
    db: &DatabaseConnection,
    author: &actor::Model,
    quote_ap_id: &str,
    post_slug: &str,
    default: QuotePolicy,
) -> anyhow::Result<Option<i32>> {
    let (txn, _turn) = super::begin_write(db).await?;
    let Some((found, allowed)) = quotable(&txn, post_slug, author, default).await? else {
        return Ok(None);
    };
    let known = quote::Entity::find_by_quote_ap_id(quote_ap_id)
        .one(&txn)
        .await
        .context("failed to look up the quote")?
        .is_some();
    if known || !allowed {
        return Ok(None);
    }
    insert(&txn, found.id, author.id, quote_ap_id, quote_ap_id).await?;
    txn.commit().await.context("failed to store the quote")?;
    Ok(Some(found.id))
}

/// An authorisation still in force, as served at its id.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub quote_ap_id: String,
    pub post_slug: String,
}

pub async fn authorization(
    db: &DatabaseConnection,
    uuid: &str,
) -> anyhow::Result<Option<Authorization>> {
    let found = quote::Entity::find_by_uuid(uuid)
        .filter(quote::Column::RevokedAt.is_null())
        .find_also_related(post::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load quote authorisation {uuid}"))?;
    Ok(match found {
        Some((quote, Some(post)))
            if post.status == PostStatus::Published && post.deleted_at.is_none() =>
        {
            Some(Authorization {
                quote_ap_id: quote.quote_ap_id,
                post_slug: post.slug,
            })
        }
        _ => None,
    })
}

/// Forgets a quote its author deleted (`id` is the quoting post) or took
/// back (`id` is the request); the post it quoted, if one was forgotten.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor_ap_id: &str,
    id: &str,
) -> anyhow::Result<Option<i32>> {
    let Some(actor) = super::actors::find_by_ap_id(db, actor_ap_id).await? else {
        return Ok(None);
    };
    let (txn, _turn) = super::begin_write(db).await?;
    let found = quote::Entity::find()
        .filter(quote::Column::ActorId.eq(actor.id))
        .filter(
            Condition::any()
                .add(quote::Column::QuoteApId.eq(id))
                .add(quote::Column::RequestApId.eq(id)),
        )
        .one(&txn)
        .await
        .context("failed to look up a withdrawn quote")?;
    let Some(found) = found else {
        return Ok(None);
    };
    quote::Entity::delete_by_id(found.id)
        .exec(&txn)
        .await
        .context("failed to forget the quote")?;
    txn.commit().await.context("failed to forget the quote")?;
    Ok(Some(found.post_id))
}

/// A quote of a post as its page and its editor show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuoteView {
    pub id: i32,
    /// The quoting post, to link to (only ever http(s)).
    pub url: Option<HttpUrl>,
    pub author_name: String,
    pub author_handle: String,
}

/// The quotes in force of post `post_id`, oldest first.
pub async fn of_post(db: &DatabaseConnection, post_id: i32) -> anyhow::Result<Vec<QuoteView>> {
    let rows = quote::Entity::find()
        .filter(quote::Column::PostId.eq(post_id))
        .filter(quote::Column::RevokedAt.is_null())
        .order_by_asc(quote::Column::Id)
        .find_also_related(actor::Entity)
        .all(db)
        .await
        .with_context(|| format!("failed to load the quotes of post {post_id}"))?;
    Ok(rows
        .into_iter()
        .filter_map(|(quote, author)| {
            let author = author?;
            Some(QuoteView {
                id: quote.id,
                url: HttpUrl::parse_opt(&quote.quote_ap_id),
                author_name: author
                    .name
                    .clone()
                    .unwrap_or_else(|| author.preferred_username.clone()),
                author_handle: format!("@{}@{}", author.preferred_username, author.host),
            })
        })
        .collect())
}

/// Revokes authorisation `id` on post `post_id` and queues its withdrawal
/// for the quoter; whether there was one in force.
pub async fn revoke(db: &DatabaseConnection, post_id: i32, id: i32) -> anyhow::Result<bool> {
    let (txn, _turn) = super::begin_write(db).await?;
    let Some((found, Some(quoter))) = quote::Entity::find_by_id(id)
        .filter(quote::Column::PostId.eq(post_id))
        .filter(quote::Column::RevokedAt.is_null())
        .find_also_related(actor::Entity)
        .one(&txn)
        .await
        .context("failed to load the quote")?
    else {
        return Ok(false);
    };
    let mut revoked: quote::ActiveModel = found.into();
    revoked.revoked_at = Set(Some(Utc::now()));
    revoked
        .update(&txn)
        .await
        .context("failed to revoke the quote")?;
    outbox::enqueue_revocation(&txn, id, &quoter.inbox).await?;
    txn.commit().await.context("failed to revoke the quote")?;
    Ok(true)
}

/// A revoked authorisation, as its revocation names it: its uuid and the
/// quoter's id.
pub async fn revoked(db: &DatabaseConnection, id: i32) -> anyhow::Result<Option<(String, String)>> {
    let found = quote::Entity::find_by_id(id)
        .filter(quote::Column::RevokedAt.is_not_null())
        .find_also_related(actor::Entity)
        .one(db)
        .await
        .with_context(|| format!("failed to load revoked quote {id}"))?;
    Ok(match found {
        Some((quote, Some(quoter))) => Some((quote.uuid, quoter.ap_id)),
        _ => None,
    })
}

//! Collections: the outbox (every public post as a Create), followers,
//! following, and each post's replies, likes and shares.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header::VARY},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    Federation, activity_json, context::with_context, error::FedError, objects::article::article,
    wants_activity_json,
};
use crate::{
    pages::{PageTags, Tag},
    services::{
        comments::{self, Listing},
        followers, posts,
    },
};

const OUTBOX_PAGE: u64 = 20;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

pub async fn outbox(
    State(fed): State<Federation>,
    Query(query): Query<PageQuery>,
) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    let urls = &data.urls;
    let id = urls.outbox();
    let total = posts::count_published(&data.db).await?;
    let Some(number) = query.page else {
        let pages = total.div_ceil(OUTBOX_PAGE).max(1);
        let doc = with_context(json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=1"),
            "last": format!("{id}?page={pages}"),
        }));
        return Ok(activity_json(StatusCode::OK, &doc));
    };
    let page = posts::published_page(&data.db, number, OUTBOX_PAGE)
        .await?
        .ok_or_else(FedError::not_found)?;
    let items: Vec<_> = page
        .items
        .iter()
        .map(|post| {
            let object = article(urls, post, &data.config.blog);
            let published = object["published"].clone();
            let id = format!("{}#create", urls.post(&post.slug));
            super::activities::outbound::wrap(urls, id, "Create", published, object)
        })
        .collect();
    let mut doc = json!({
        "id": format!("{id}?page={}", page.number),
        "type": "OrderedCollectionPage",
        "partOf": id,
        "totalItems": total,
        "orderedItems": items,
    });
    if page.number < page.total_pages {
        doc["next"] = json!(format!("{id}?page={}", page.number + 1));
    }
    if page.number > 1 {
        doc["prev"] = json!(format!("{id}?page={}", page.number - 1));
    }
    Ok(activity_json(StatusCode::OK, &with_context(doc)))
}

/// The follower count; who follows is the followers' business.
pub async fn followers(State(fed): State<Federation>) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    let total = followers::count(&data.db).await?;
    let doc = with_context(json!({
        "id": data.urls.followers(),
        "type": "OrderedCollection",
        "totalItems": total,
    }));
    Ok(activity_json(StatusCode::OK, &doc))
}

/// The blog follows no one.
pub async fn following(State(fed): State<Federation>) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    let doc = with_context(json!({
        "id": data.urls.following(),
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    }));
    Ok(activity_json(StatusCode::OK, &doc))
}

#[derive(Deserialize)]
pub struct RepliesQuery {
    page: Option<String>,
    after: Option<i32>,
}

impl RepliesQuery {
    fn wants_page(&self) -> bool {
        self.page.is_some() || self.after.is_some()
    }
}

/// Items per page of a `replies` or `context` collection.
const REPLIES_PAGE: u64 = 50;

/// `/posts/{slug}/replies` (the direct replies), `/context` (the post and
/// every comment under it, FEP-7888), a page at a time with the first page
/// embedded; `/likes` and `/shares` (counts only: who reacted is their
/// business).
pub async fn post_collection(
    State(fed): State<Federation>,
    Path((slug, which)): Path<(String, String)>,
    Query(query): Query<RepliesQuery>,
    headers: HeaderMap,
) -> Result<Response, FedError> {
    if !wants_activity_json(&headers) {
        return Ok(for_people(&crate::urls::post_path(&slug)));
    }
    let data = fed.to_request_data();
    let post = match posts::published_by_slug(&data.db, &slug).await? {
        posts::Lookup::Found(post) => post,
        _ => return Err(FedError::not_found()),
    };
    let db = &data.db;
    let id = format!("{}/{which}", data.urls.post(&slug));
    let doc = match which.as_str() {
        "replies" => listed(db, &id, &query, Listing::RepliesToPost(post.id), None).await?,
        "context" => {
            let lead = data.urls.post(&slug);
            let conversation = Listing::Conversation(post.id);
            let mut doc = listed(db, &id, &query, conversation, Some(lead)).await?;
            doc["attributedTo"] = json!(data.urls.actor());
            doc
        }
        "likes" => json!({
            "id": id,
            "type": "Collection",
            "totalItems": post.reactions.likes + post.reactions.reactions,
        }),
        "shares" => json!({ "id": id, "type": "Collection", "totalItems": post.reactions.boosts }),
        _ => return Err(FedError::not_found()),
    };
    let doc = activity_json(StatusCode::OK, &with_context(doc));
    Ok(PageTags(vec![Tag::Post(post.id)]).on(doc))
}

/// `/comments/{uuid}/replies`: the direct answers to a comment shown under
/// a published post, whether the comment is the author's or a reply from
/// elsewhere.
pub async fn comment_replies(
    State(fed): State<Federation>,
    Path(uuid): Path<String>,
    Query(query): Query<RepliesQuery>,
    headers: HeaderMap,
) -> Result<Response, FedError> {
    if !wants_activity_json(&headers) {
        return Ok(for_people(&format!("/comments/{uuid}")));
    }
    let data = fed.to_request_data();
    let db = &data.db;
    let comment = comments::by_uuid(db, &uuid)
        .await?
        .filter(|c| c.status == comments::CommentStatus::Approved && !c.hidden)
        .ok_or_else(FedError::not_found)?;
    posts::published_id(db, &comment.post_slug)
        .await?
        .ok_or_else(FedError::not_found)?;
    let id = data.urls.comment_replies(&uuid);
    let answers = Listing::RepliesToComment(comment.id);
    let doc = with_context(listed(db, &id, &query, answers, None).await?);
    Ok(PageTags(vec![Tag::Post(comment.post_id)]).on(activity_json(StatusCode::OK, &doc)))
}

/// A collection asked for by a browser: the page that shows the same
/// conversation.
fn for_people(page: &str) -> Response {
    let mut response = Redirect::to(page).into_response();
    response
        .headers_mut()
        .insert(VARY, axum::http::HeaderValue::from_static("Accept"));
    response
}

/// The page of `collection` (holding `listing`) asked for, or the
/// collection with its first page embedded. `lead` opens the first page and
/// counts among the items (a conversation's post).
async fn listed(
    db: &sea_orm::DatabaseConnection,
    collection: &str,
    query: &RepliesQuery,
    listing: Listing,
    lead: Option<String>,
) -> Result<serde_json::Value, FedError> {
    let page = comments::listed_page(db, listing, query.after, REPLIES_PAGE).await?;
    let total = comments::listed_count(db, listing).await? + u64::from(lead.is_some());
    let lead = lead.filter(|_| query.after.is_none());
    Ok(collection_document(collection, query, total, page, lead))
}

fn collection_document(
    collection: &str,
    query: &RepliesQuery,
    total: u64,
    page: comments::IdPage,
    lead: Option<String>,
) -> serde_json::Value {
    let page_id = |after: Option<i32>| match after {
        Some(after) => format!("{collection}?page=true&after={after}"),
        None => format!("{collection}?page=true"),
    };
    let items: Vec<String> = lead.into_iter().chain(page.items).collect();
    let mut first = json!({
        "id": page_id(query.after),
        "type": "OrderedCollectionPage",
        "partOf": collection,
        "orderedItems": items,
    });
    if let Some(next) = page.next {
        first["next"] = json!(page_id(Some(next)));
    }
    if query.wants_page() {
        return first;
    }
    json!({
        "id": collection,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": first,
    })
}

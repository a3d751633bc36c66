//! Single documents: the actor, a post's Article (the web layer hands over
//! when the request asks for ActivityPub), and stored activities.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    FedContext, Federation, activity_json, error::FedError, objects::article,
    objects::person::local_person, wants_activity_json,
};
use crate::{
    pages::{PageTags, Tag},
    services::posts::{self, Lookup},
};

/// The actor's id: JSON for servers, the home page for people.
pub async fn actor(
    State(fed): State<Federation>,
    headers: HeaderMap,
) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    if !wants_activity_json(&headers) {
        let mut response = Redirect::to("/").into_response();
        response.headers_mut().insert(
            axum::http::header::VARY,
            axum::http::HeaderValue::from_static("Accept"),
        );
        return Ok(response);
    }
    Ok(activity_json(StatusCode::OK, &local_person(&data).await?))
}

/// A post as an Article, or a Tombstone with 410 once deleted.
pub async fn article(data: &FedContext, slug: &str) -> Result<Response, FedError> {
    match posts::published_by_slug(&data.db, slug).await? {
        Lookup::Found(post) => {
            let doc = article::article_document(&data.urls, &post, &data.config.blog);
            Ok(PageTags(vec![Tag::Post(post.id)]).on(activity_json(StatusCode::OK, &doc)))
        }
        Lookup::Deleted => {
            let doc = super::context::with_context(article::tombstone(&data.urls, slug));
            Ok(activity_json(StatusCode::GONE, &doc))
        }
        Lookup::Missing => Err(FedError::not_found()),
    }
}

/// An activity the blog sent, as it was sent. Accepts are between the blog
/// and one follower, so they are not shown.
pub async fn activity(
    State(fed): State<Federation>,
    Path(uuid): Path<String>,
) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    let payload = crate::services::outbox::public_payload(&data.db, &uuid)
        .await?
        .ok_or_else(FedError::not_found)?;
    let value: serde_json::Value = serde_json::from_str(&payload).map_err(|e| {
        FedError::from(anyhow::Error::new(e).context("stored activity is not JSON"))
    })?;
    Ok(activity_json(StatusCode::OK, &value))
}

/// An authorisation to quote a post, while the author has not revoked it
/// and the post is public.
pub async fn quote_authorization(
    State(fed): State<Federation>,
    Path(uuid): Path<String>,
) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    let found = crate::services::quotes::authorization(&data.db, &uuid)
        .await?
        .ok_or_else(FedError::not_found)?;
    let doc = super::activities::outbound::quote_authorization(
        &data.urls,
        &uuid,
        &found.quote_ap_id,
        &found.post_slug,
    );
    Ok(activity_json(
        StatusCode::OK,
        &super::context::with_context(doc),
    ))
}

/// The author's answers, as the `Note`s they were sent as (the web layer
/// hands over when the request asks for ActivityPub).
pub async fn comment(data: &FedContext, uuid: &str) -> Result<Response, FedError> {
    let answer = crate::services::comments::by_uuid(&data.db, uuid)
        .await?
        .filter(|c| c.is_local && !c.deleted)
        .ok_or_else(FedError::not_found)?;
    let answered = match answer.parent_id {
        Some(parent) => crate::services::comments::by_id(&data.db, parent).await?,
        None => None,
    }
    .ok_or_else(FedError::not_found)?;
    let note = super::activities::outbound::answer_note(&data.urls, &answer, &answered);
    let doc = activity_json(StatusCode::OK, &super::context::with_context(note));
    Ok(PageTags(vec![Tag::Post(answer.post_id)]).on(doc))
}

//! The pages readers see.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{
    AppState,
    templates::{base_context, to_value},
};
use crate::{
    config::CommentOrder,
    error::{AppError, AppResult},
    federation,
    pages::{PageTags, Tag},
    services::{
        comments::{self, PageStart},
        posts::{self, Lookup},
    },
};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

#[derive(Deserialize)]
pub struct IndexQuery {
    page: Option<u64>,
    /// An imported blog's post number: `/?p=123`.
    p: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    Query(query): Query<IndexQuery>,
) -> AppResult<Response> {
    if let Some(id) = &query.p {
        return super::errors::moved_permanently(&state, "/", Some(&format!("p={id}"))).await;
    }
    Ok(home(&state, query.page).await?.into_response())
}

async fn home(state: &AppState, page: Option<u64>) -> AppResult<Html<String>> {
    let per_page = state.config.blog.posts_per_page;
    let page = posts::published_page(&state.db, page.unwrap_or(1), per_page)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            page => to_value(&page),
            base_path => "/",
            actor_url => state.federation.to_request_data().urls.actor(),
        }
    };
    Ok(Html(state.templates.render("index.html", ctx)?))
}

/// Which page of a post's comments: from a thread, and within it after an
/// answer (see `services::comments::thread_page`).
#[derive(Default, Deserialize)]
pub struct CommentsQuery {
    from: Option<i32>,
    after: Option<i32>,
}

/// One URL, two representations: the Article for ActivityPub clients, the
/// page for everyone else.
pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(page): Query<CommentsQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if federation::wants_activity_json(&headers) {
        return Ok(federation::documents::article(&state, &slug)
            .await
            .into_response());
    }
    let start = PageStart {
        from: page.from,
        after: page.after,
    };
    let mut response = match post_page(&state, &slug, Interaction::default(), start).await {
        Ok((page, post_id)) => PageTags(vec![Tag::Post(post_id)]).on(page),
        Err(err) => err.into_response(),
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// A comment's own address. ActivityPub clients get the author's answers as
/// `Note`s; people are sent to the page of the post that shows the comment.
pub async fn comment(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if federation::wants_activity_json(&headers) {
        return Ok(federation::documents::comment(&state, &uuid)
            .await
            .into_response());
    }
    let blog = &state.config.blog;
    let found = comments::locate(
        &state.db,
        &uuid,
        blog.comments_per_page,
        blog.comments_order,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let page = comments_url(&found.post_slug, &found.start);
    let page = page.trim_end_matches("#replies");
    let mut response =
        Redirect::to(&format!("{page}#comment-{}", found.comment_id)).into_response();
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// What the visitor typed into "Reply from your fediverse account", and why
/// it did not work.
#[derive(Default, Deserialize)]
pub struct Interaction {
    #[serde(default)]
    handle: String,
    #[serde(skip)]
    error: Option<String>,
}

/// The address of a page of a post's comments.
fn comments_url(slug: &str, start: &PageStart) -> String {
    let path = posts::post_path(slug);
    match (start.from, start.after) {
        (Some(from), Some(after)) => format!("{path}?from={from}&after={after}#replies"),
        (Some(from), None) => format!("{path}?from={from}#replies"),
        _ => format!("{path}#replies"),
    }
}

async fn post_page(
    state: &AppState,
    slug: &str,
    interaction: Interaction,
    start: PageStart,
) -> AppResult<(Html<String>, i32)> {
    let fed = state.federation.to_request_data();
    let post = match posts::published_by_slug(&state.db, slug).await? {
        Lookup::Found(post) => post,
        Lookup::Deleted => return Err(AppError::Gone),
        Lookup::Missing => return Err(AppError::NotFound),
    };
    let blog = &state.config.blog;
    let thread = comments::thread_page(
        &state.db,
        (post.id, &post.slug, &post.title),
        start,
        blog.comments_per_page,
        blog.comments_order,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let link = |start: &Option<PageStart>| start.as_ref().map(|s| comments_url(slug, s));
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            url => state.config.url(&post.path()),
            activity_url => fed.urls.post(&post.slug),
            edited => post.was_edited(),
            // Link previews show the first picture.
            image => crate::domain::images(&post.markdown)
                .into_iter()
                .map(|image| if image.url.starts_with('/') { state.config.url(&image.url) } else { image.url })
                .find(|url| url.starts_with("https://") || url.starts_with("http://")),
            post => to_value(&post),
            comments => to_value(&thread.comments),
            paged => start != PageStart::default(),
            continued => thread.continued,
            earlier_url => link(&thread.earlier),
            later_url => link(&thread.later),
            last_url => link(&thread.last),
            oldest_first => blog.comments_order == CommentOrder::OldestFirst,
            handle => interaction.handle,
            interact_error => interaction.error,
        }
    };
    Ok((Html(state.templates.render("post.html", ctx)?), post.id))
}

/// Sends a visitor to their own server to reply to the post there.
pub async fn interact(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(mut interaction): Query<Interaction>,
) -> AppResult<Response> {
    let fed = state.federation.to_request_data();
    let target = fed.urls.post(&slug);
    match federation::interact::remote_interaction_url(&fed, &interaction.handle, &target).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(err) => {
            interaction.error = Some(err.to_string());
            let (page, _) = post_page(&state, &slug, interaction, PageStart::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn tag(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let per_page = state.config.blog.posts_per_page;
    let (tag, page) = posts::tag_page(&state.db, &slug, query.page.unwrap_or(1), per_page)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! { base_path => format!("/tags/{}", tag.slug), tag => to_value(&tag), page => to_value(&page) }
    };
    Ok(Html(state.templates.render("tag.html", ctx)?))
}

pub async fn stylesheet(State(state): State<AppState>) -> AppResult<Response> {
    let css = state.templates.render("style.css", context! {})?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        css,
    )
        .into_response())
}

const AVATAR: &[u8] = include_bytes!("../../templates/static/avatar.png");

/// The built-in picture the blog shows on the fediverse.
pub async fn avatar() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        AVATAR,
    )
        .into_response()
}

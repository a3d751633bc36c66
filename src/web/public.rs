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
    error::{AppError, AppResult},
    federation,
    services::{
        comments,
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

/// One URL, two representations: the Article for ActivityPub clients, the
/// page for everyone else.
pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if federation::wants_activity_json(&headers) {
        return Ok(federation::documents::article(&state, &slug)
            .await
            .into_response());
    }
    let mut response = post_page(&state, &slug, Interaction::default())
        .await
        .into_response();
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

async fn post_page(
    state: &AppState,
    slug: &str,
    interaction: Interaction,
) -> AppResult<Html<String>> {
    let fed = state.federation.to_request_data();
    let post = match posts::published_by_slug(&state.db, slug).await? {
        Lookup::Found(post) => post,
        Lookup::Deleted => return Err(AppError::Gone),
        Lookup::Missing => return Err(AppError::NotFound),
    };
    let thread = comments::thread(&state.db, post.id).await?;
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
            comments => to_value(&thread),
            handle => interaction.handle,
            interact_error => interaction.error,
        }
    };
    Ok(Html(state.templates.render("post.html", ctx)?))
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
            let page = post_page(&state, &slug, interaction).await?;
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

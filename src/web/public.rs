//! The pages readers see.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{Html, IntoResponse, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{
    AppState,
    templates::{base_context, to_value},
};
use crate::{
    error::{AppError, AppResult},
    services::posts::{self, Lookup},
};

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

pub async fn index(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let per_page = state.config.blog.posts_per_page;
    let page = posts::published_page(&state.db, query.page.unwrap_or(1), per_page)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! { page => to_value(&page), base_path => "/" }
    };
    Ok(Html(state.templates.render("index.html", ctx)?))
}

pub async fn post(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<Html<String>> {
    let post = match posts::published_by_slug(&state.db, &slug).await? {
        Lookup::Found(post) => post,
        Lookup::Deleted => return Err(AppError::Gone),
        Lookup::Missing => return Err(AppError::NotFound),
    };
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            url => state.config.url(&post.path()),
            edited => post.was_edited(),
            post => to_value(&post),
        }
    };
    Ok(Html(state.templates.render("post.html", ctx)?))
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

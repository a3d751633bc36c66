//! An author's own pages, when they have a fediverse account of their own:
//! their posts, and their feed.

use axum::{
    extract::{Path, Query, State},
    response::{Html, Response},
};
use minijinja::context;

use super::{
    WebState,
    feeds::{Channel, atom_document},
    public::PageQuery,
    templates::{base_context, to_value},
};
use crate::{
    error::{AppError, AppResult},
    services::{authors, posts},
};

async fn author(state: &WebState, name: &str) -> AppResult<authors::AuthorAccount> {
    authors::by_username(&state.db, name)
        .await?
        .ok_or(AppError::NotFound)
}

/// The author's published posts, newest first, with their handle.
pub async fn page(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let author = author(&state, &name).await?;
    let per_page = state.config.blog.posts_per_page;
    let page = posts::published_page_by(&state.db, author.id, query.page.unwrap_or(1), per_page)
        .await?
        .ok_or(AppError::NotFound)?;
    let followers = authors::follower_count(&state.db, author.id).await?;
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            author => to_value(&author),
            author_handle => state.config.handle(&author.username),
            actor_url => state.urls.author(&author.username),
            followers => followers,
            page => to_value(&page),
            base_path => format!("/authors/{}", author.username),
        }
    };
    Ok(Html(state.templates.render("author.html", ctx)?))
}

/// The author's newest posts as an Atom feed.
pub async fn feed(State(state): State<WebState>, Path(name): Path<String>) -> AppResult<Response> {
    let author = author(&state, &name).await?;
    let posts = posts::recent_by(&state.db, author.id, 20).await?;
    let about = Channel {
        title: format!("{} · {}", author.name, state.config.blog.title),
        subtitle: format!("Posts by {} on {}", author.name, state.config.blog.title),
        home: state.urls.author_page(&author.username),
        this: state
            .urls
            .absolute(&format!("/authors/{}/feed.atom", author.username)),
    };
    Ok(atom_document(&state, &posts, about))
}

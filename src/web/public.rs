//! The pages readers see.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{
    WebState,
    templates::{base_context, to_value},
};
use crate::{
    config::CommentOrder,
    error::{AppError, AppResult},
    pages::{PageTags, Tag},
    services::{
        comments::{self, PageStart},
        posts::{self, Lookup},
    },
};

#[derive(Deserialize)]
pub struct PageQuery {
    pub page: Option<u64>,
}

#[derive(Deserialize)]
pub struct IndexQuery {
    page: Option<u64>,
    /// An imported blog's post number: `/?p=123`.
    p: Option<String>,
}

pub async fn index(
    State(state): State<WebState>,
    Query(query): Query<IndexQuery>,
) -> AppResult<Response> {
    if let Some(id) = &query.p {
        return super::errors::moved_permanently(&state, "/", Some(&format!("p={id}"))).await;
    }
    Ok(home(&state, query.page).await?.into_response())
}

async fn home(state: &WebState, page: Option<u64>) -> AppResult<Html<String>> {
    let per_page = state.config.blog.posts_per_page;
    let page = posts::published_page(&state.db, page.unwrap_or(1), per_page)
        .await?
        .ok_or(AppError::NotFound)?;
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            page => to_value(&page),
            moved => moved(state).await?,
            base_path => "/",
            actor_url => state.urls.actor(),
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

/// A post's page (its URL serves the Article to ActivityPub clients: see
/// `crate::routes`).
pub async fn post(
    State(state): State<WebState>,
    Path(slug): Path<String>,
    Query(page): Query<CommentsQuery>,
) -> AppResult<Response> {
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

/// A comment's own address, for people: the page of the post that shows
/// the comment (ActivityPub clients get the author's answers as `Note`s:
/// see `crate::routes`).
pub async fn comment(
    State(state): State<WebState>,
    Path(uuid): Path<String>,
) -> AppResult<Response> {
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
    pub handle: String,
    #[serde(skip)]
    pub error: Option<String>,
}

/// The address of a page of a post's comments.
fn comments_url(slug: &str, start: &PageStart) -> String {
    let path = crate::urls::post_path(slug);
    match (start.from, start.after) {
        (Some(from), Some(after)) => format!("{path}?from={from}&after={after}#replies"),
        (Some(from), None) => format!("{path}?from={from}#replies"),
        _ => format!("{path}#replies"),
    }
}

async fn post_page(
    state: &WebState,
    slug: &str,
    interaction: Interaction,
    start: PageStart,
) -> AppResult<(Html<String>, i32)> {
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
            url => state.urls.absolute(&post.path()),
            activity_url => state.urls.post(&post.slug),
            edited => post.was_edited(),
            // Link previews show the first picture.
            image => crate::domain::images(&post.markdown)
                .into_iter()
                .map(|image| if image.url.starts_with('/') { state.urls.absolute(&image.url) } else { image.url })
                .find(|url| url.starts_with("https://") || url.starts_with("http://")),
            post => to_value(&post),
            moved => moved(state).await?,
            quotes => to_value(&crate::services::quotes::of_post(&state.db, post.id).await?),
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

/// The post's page again, with why the visitor's handle could not be used
/// to reply from their own server (the lookup is federation's: see
/// `crate::routes`).
pub async fn interaction_failed(
    state: &WebState,
    slug: &str,
    interaction: Interaction,
) -> AppResult<Response> {
    let (page, _) = post_page(state, slug, interaction, PageStart::default()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// Where the blog moved, for the notice on its pages.
pub(super) async fn moved(state: &WebState) -> AppResult<minijinja::Value> {
    let identity = crate::services::identity::load(&state.db).await?;
    Ok(to_value(&identity.moved))
}

pub async fn tag(
    State(state): State<WebState>,
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

pub async fn stylesheet(State(state): State<WebState>) -> AppResult<Response> {
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
const ADMIN_JS: &str = include_str!("../../templates/static/admin.js");

/// The admin pages' optional script (they work without it).
pub async fn admin_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        ADMIN_JS,
    )
        .into_response()
}

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

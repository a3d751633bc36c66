//! Atom, RSS and JSON feeds of the newest posts.

use atom_syndication::{
    ContentBuilder, EntryBuilder, FeedBuilder, FixedDateTime, LinkBuilder, PersonBuilder,
};
use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use rss::{ChannelBuilder, GuidBuilder, ItemBuilder};
use serde_json::json;

use super::WebState;
use crate::{error::AppResult, services::posts};

const FEED_LENGTH: u64 = 20;

/// A feed's document with its media type.
fn feed_response(media_type: &'static str, document: String) -> Response {
    ([(header::CONTENT_TYPE, media_type)], document).into_response()
}

fn fixed(date: chrono::DateTime<Utc>) -> FixedDateTime {
    date.fixed_offset()
}

pub async fn atom(State(state): State<WebState>) -> AppResult<Response> {
    let posts = posts::recent(&state.db, FEED_LENGTH).await?;
    let config = &state.config;
    let about = Channel {
        title: config.blog.title.clone(),
        subtitle: config.blog.description.clone(),
        home: state.urls.absolute("/"),
        this: state.urls.absolute("/feed.atom"),
    };
    Ok(atom_document(&state, &posts, about))
}

/// What a feed is the feed of.
pub(super) struct Channel {
    pub title: String,
    pub subtitle: String,
    /// The page it follows.
    pub home: String,
    /// The feed's own address.
    pub this: String,
}

/// An Atom feed of `posts`.
pub(super) fn atom_document(
    state: &WebState,
    posts: &[posts::PostView],
    about: Channel,
) -> Response {
    let config = &state.config;
    let entries = posts.iter().map(|post| {
        let url = state.urls.absolute(&post.path());
        let published = fixed(post.published_at.unwrap_or(post.updated_at));
        EntryBuilder::default()
            .id(url.clone())
            .title(post.title.clone())
            .link(LinkBuilder::default().href(url).rel("alternate").build())
            .published(Some(published))
            .updated(fixed(post.updated_at).max(published))
            .author(PersonBuilder::default().name(post.author.clone()).build())
            .summary(Some(post.summary.clone().into()))
            .content(Some(
                ContentBuilder::default()
                    .content_type(Some("html".into()))
                    .value(Some(post.html.clone()))
                    .build(),
            ))
            .build()
    });
    let entries: Vec<_> = entries.collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| fixed(Utc::now()));
    let feed = FeedBuilder::default()
        .id(about.home.clone())
        .title(about.title)
        .subtitle(Some(about.subtitle.into()))
        .lang(Some(config.blog.language.clone()))
        .updated(updated)
        .link(
            LinkBuilder::default()
                .href(about.home)
                .rel("alternate")
                .build(),
        )
        .link(
            LinkBuilder::default()
                .href(about.this)
                .rel("self")
                .mime_type(Some("application/atom+xml".into()))
                .build(),
        )
        .entries(entries)
        .build();
    feed_response("application/atom+xml; charset=utf-8", feed.to_string())
}

pub async fn rss(State(state): State<WebState>) -> AppResult<Response> {
    let config = &state.config;
    let posts = posts::recent(&state.db, FEED_LENGTH).await?;
    let items: Vec<_> = posts
        .iter()
        .map(|post| {
            let url = state.urls.absolute(&post.path());
            ItemBuilder::default()
                .title(Some(post.title.clone()))
                .link(Some(url.clone()))
                .guid(Some(
                    GuidBuilder::default().value(url).permalink(true).build(),
                ))
                .pub_date(post.published_at.map(|d| d.to_rfc2822()))
                .author(None)
                .description(Some(post.summary.clone()))
                .content(Some(post.html.clone()))
                .build()
        })
        .collect();
    let channel = ChannelBuilder::default()
        .title(config.blog.title.clone())
        .link(state.urls.absolute("/"))
        .description(config.blog.description.clone())
        .language(Some(config.blog.language.clone()))
        .items(items)
        .build();
    Ok(feed_response(
        "application/rss+xml; charset=utf-8",
        channel.to_string(),
    ))
}

/// The newest posts as a JSON Feed 1.1.
pub async fn json_feed(State(state): State<WebState>) -> AppResult<Response> {
    let config = &state.config;
    let items: Vec<_> = posts::recent(&state.db, FEED_LENGTH)
        .await?
        .iter()
        .map(|post| {
            let url = state.urls.absolute(&post.path());
            json!({
                "id": url,
                "url": url,
                "title": post.title,
                "content_html": post.html,
                "summary": post.summary,
                "date_published": post.published_at.map(|d| d.to_rfc3339()),
                "date_modified": post.updated_at.to_rfc3339(),
                "authors": [{ "name": post.author }],
                "tags": post.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.blog.title,
        "description": config.blog.description,
        "home_page_url": state.urls.absolute("/"),
        "feed_url": state.urls.absolute("/feed.json"),
        "language": config.blog.language,
        "items": items,
    });
    Ok(feed_response("application/feed+json", feed.to_string()))
}

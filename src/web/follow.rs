//! "Follow from your fediverse account": a page with the blog's (or an
//! author's) handle that asks the visitor for their own address. Sending
//! the visitor to their server is federation's work: see `crate::routes`.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use minijinja::context;
use serde::Serialize;

use super::{
    WebState,
    public::Interaction,
    templates::{base_context, to_value},
};
use crate::{
    error::{AppError, AppResult},
    services::authors,
};

/// An account visitors can follow: the blog's, or an author's own.
#[derive(Debug, Serialize)]
pub struct Followable {
    pub name: String,
    pub handle: String,
    /// The id their server follows.
    pub actor_url: String,
    pub follow_path: String,
    pub feed_path: String,
    is_blog: bool,
}

impl Followable {
    pub fn blog(state: &WebState) -> Followable {
        let config = &state.config;
        Followable {
            name: config.blog.title.clone(),
            handle: config.handle(&config.blog.username),
            actor_url: state.urls.actor(),
            follow_path: "/follow".to_owned(),
            feed_path: "/feed.atom".to_owned(),
            is_blog: true,
        }
    }

    /// An author with an account of their own; none else can be followed.
    pub async fn author(state: &WebState, username: &str) -> AppResult<Followable> {
        let author = authors::by_username(&state.db, username)
            .await?
            .ok_or(AppError::NotFound)?;
        let path = format!("/authors/{}", author.username);
        Ok(Followable {
            handle: state.config.handle(&author.username),
            actor_url: state.urls.author(&author.username),
            follow_path: format!("{path}/follow"),
            feed_path: format!("{path}/feed.atom"),
            name: author.name,
            is_blog: false,
        })
    }
}

/// The page, with why the visitor's address could not be used when it
/// could not.
pub async fn page(
    state: &WebState,
    account: &Followable,
    interaction: Interaction,
) -> AppResult<Response> {
    let status = if interaction.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // Once the blog has moved, its followers belong to the new account.
    let moved = if account.is_blog {
        super::public::moved(state).await?
    } else {
        minijinja::Value::from(())
    };
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            account => to_value(account),
            moved => moved,
            handle => interaction.handle,
            interact_error => interaction.error,
        }
    };
    let html = state.templates.render("follow.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

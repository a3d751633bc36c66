//! The admin's fediverse page: followers (and their export), servers that
//! have trouble receiving, and the blog's identity: the accounts that are
//! also the blog, and moving it to another account.

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_csrf::CsrfToken;
use minijinja::context;
use serde::Deserialize;

use super::{
    WebState,
    admin_page::{AdminPage, page},
    auth::CurrentUser,
    csrf::CsrfForm,
    notice::{Notice, NoticeQuery},
    templates::to_value,
};
use crate::{error::AppResult, pages::Change, services::identity};

/// The followers as a CSV download (Mastodon's format).
pub async fn followers_csv(AdminPage { state, .. }: AdminPage) -> AppResult<Response> {
    let body = crate::services::followers::export_csv(&state.db).await?;
    Ok(csv_download("followers.csv", body))
}

/// A CSV file the browser saves as `file_name`.
pub(super) fn csv_download(file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// What the page shows besides its lists: a notice, or why a change was
/// refused (with what was typed).
#[derive(Default)]
struct Said {
    notice: Option<&'static str>,
    error: Option<String>,
    aliases: Option<String>,
    target: Option<String>,
}

async fn fediverse_page(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    said: Said,
) -> AppResult<Response> {
    let followers = crate::services::followers::list(&state.db).await?;
    let hosts = crate::services::deliveries::failing_hosts(&state.db).await?;
    let identity = identity::load(&state.db).await?;
    let handle = state.config.handle(&state.config.blog.username);
    let aliases = said.aliases.unwrap_or_else(|| {
        identity
            .also_known_as
            .iter()
            .map(|a| a.handle.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    });
    let status = if said.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let extra = context! {
        followers => to_value(&followers),
        hosts => to_value(&hosts),
        handle => handle,
        actor_id => state.urls.actor(),
        unreachable => state.urls.unreachable_because(),
        public_url => state.config.public_url.as_str(),
        identity => to_value(&identity),
        aliases => aliases,
        target => said.target.unwrap_or_default(),
        notice => said.notice,
        error => said.error,
    };
    page(state, user, token, "admin/fediverse.html", status, extra).await
}

/// Followers, and the servers that have trouble receiving from the blog.
pub async fn fediverse(
    AdminPage { state, user, token }: AdminPage,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    let said = Said {
        notice: query.text(),
        ..Said::default()
    };
    fediverse_page(&state, &user, token, said).await
}

#[derive(Deserialize)]
pub struct AliasesForm {
    #[serde(default)]
    aliases: String,
}

/// Sets the accounts that are also the blog (`alsoKnownAs`).
pub async fn set_aliases(
    AdminPage { state, user, token }: AdminPage,
    CsrfForm(form): CsrfForm<AliasesForm>,
) -> AppResult<Response> {
    let lines: Vec<String> = form.aliases.lines().map(str::to_owned).collect();
    match identity::set_aliases(&state.db, state.directory.as_ref(), &lines).await? {
        Ok(_) => {
            state.changed(&[Change::Everything]).await;
            Ok(Notice::Saved.after("/admin/fediverse").into_response())
        }
        Err(why) => {
            let said = Said {
                error: Some(why),
                aliases: Some(form.aliases),
                ..Said::default()
            };
            fediverse_page(&state, &user, token, said).await
        }
    }
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    target: String,
}

/// Moves the blog to another account, which must list the blog among its
/// aliases; every follower is sent a `Move`.
pub async fn move_blog(
    AdminPage { state, user, token }: AdminPage,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> AppResult<Response> {
    let ours = state.urls.actor();
    match identity::move_to(&state.db, state.directory.as_ref(), &ours, &form.target).await? {
        Ok(_) => {
            state.wake_delivery();
            state.changed(&[Change::Everything]).await;
            Ok(Redirect::to("/admin/fediverse?notice=moved").into_response())
        }
        Err(refused) => {
            let said = Said {
                error: Some(refused.to_string()),
                target: Some(form.target),
                ..Said::default()
            };
            fediverse_page(&state, &user, token, said).await
        }
    }
}

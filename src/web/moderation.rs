//! The admin's comment pages: the moderation queue, bulk and single actions,
//! blocks, and answering a comment.

use super::admin_page::{AdminAction, AdminPage};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Redirect, Response},
};
use axum_csrf::CsrfToken;
use minijinja::context;
use serde::Deserialize;

use super::{
    WebState,
    admin_page::page,
    auth::CurrentUser,
    csrf::CsrfForm,
    notice::{Notice, NoticeQuery},
    templates::to_value,
};
use crate::{
    domain::render_markdown,
    error::{AppError, AppResult},
    pages::Change,
    services::{
        blocks,
        comments::{self, CommentStatus},
        moderation::{self, Action},
    },
};

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    notice: Option<Notice>,
}

/// The tab asked for; an unknown one is not a page.
fn tab(query: &QueueQuery) -> AppResult<CommentStatus> {
    match query.status.as_deref() {
        None => Ok(CommentStatus::Pending),
        Some(name) => CommentStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or(AppError::NotFound),
    }
}

pub async fn queue(
    AdminPage { state, user, token }: AdminPage,
    Query(query): Query<QueueQuery>,
) -> AppResult<Response> {
    if !user.is_admin() {
        return comments_on_own_posts(&state, &user, token, query).await;
    }
    let status = tab(&query)?;
    let list = comments::with_status(&state.db, status).await?;
    let counts = comments::status_counts(&state.db).await?;
    let ids: Vec<i32> = list.iter().map(|c| c.id).collect();
    let reported: std::collections::HashMap<String, Vec<String>> =
        crate::services::reports::open_about(&state.db, &ids)
            .await?
            .into_iter()
            .map(|(id, texts)| (id.to_string(), texts))
            .collect();
    let extra = context! {
        reported => to_value(&reported),
        status => status.as_str(),
        comments => to_value(&list),
        counts => to_value(&counts),
        notice => query.notice.and_then(Notice::text),
    };
    page(
        &state,
        &user,
        token,
        "admin/comments.html",
        StatusCode::OK,
        extra,
    )
    .await
}

/// An author's view: the shown comments on their own posts, to answer.
/// Moderation itself is the admins'.
async fn comments_on_own_posts(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    query: QueueQuery,
) -> AppResult<Response> {
    let list = comments::shown_on_posts_of(&state.db, user.0.id).await?;
    let extra = context! {
        comments => to_value(&list),
        notice => query.notice.and_then(Notice::text),
    };
    page(
        state,
        user,
        token,
        "admin/answers.html",
        StatusCode::OK,
        extra,
    )
    .await
}

/// A comment `user` may answer: on their own post, or any for an admin.
async fn answerable(
    state: &WebState,
    user: &CurrentUser,
    id: i32,
) -> AppResult<comments::CommentView> {
    let comment = comments::by_id(&state.db, id)
        .await?
        .filter(|c| !c.deleted)
        .ok_or(AppError::NotFound)?;
    let owner = crate::services::posts::owner_of(&state.db, comment.post_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::services::posts::may_manage(&user.0, owner) {
        return Err(AppError::Forbidden(
            "This comment is on another author's post: they and the admins answer it.".into(),
        ));
    }
    Ok(comment)
}

#[derive(Deserialize)]
pub struct Moderate {
    #[serde(default)]
    ids: Vec<i32>,
    #[serde(default)]
    action: String,
    /// A single comment's button: `verb:id`.
    #[serde(default)]
    row_action: Option<String>,
    /// The tab to go back to.
    #[serde(default)]
    status: Option<CommentStatus>,
    /// "Apply to every one shown": the whole tab, not only those ticked.
    #[serde(default)]
    every: Option<String>,
}

pub async fn moderate(
    State(state): State<WebState>,
    _user: CurrentUser,
    CsrfForm(form): CsrfForm<Moderate>,
) -> AppResult<Redirect> {
    let (action, ids) = match form.row_action.as_deref().and_then(|r| r.split_once(':')) {
        Some((verb, id)) => {
            let id = id
                .parse()
                .map_err(|_| AppError::BadRequest("bad comment id".into()))?;
            let action = Action::parse(verb).ok_or_else(|| unknown_action(verb))?;
            (action, vec![id])
        }
        None => {
            let action = Action::parse(&form.action).ok_or_else(|| unknown_action(&form.action))?;
            let ids = match (&form.every, form.status) {
                (Some(_), Some(status)) => comments::with_status(&state.db, status)
                    .await?
                    .into_iter()
                    .map(|c| c.id)
                    .collect(),
                _ => form.ids.clone(),
            };
            (action, ids)
        }
    };
    if ids.is_empty() {
        return Err(AppError::BadRequest("select at least one comment".into()));
    }
    let applied = moderation::apply(&state.db, action, &ids).await?;
    let mut changes = replies(applied.posts);
    if applied.blocked {
        state.blocks.forget();
        changes.push(Change::Followers);
    }
    state.changed(&changes).await;
    let back = form.status.unwrap_or(CommentStatus::Pending).as_str();
    let notice = if applied.blocked {
        Notice::Blocked
    } else {
        Notice::Done
    };
    Ok(notice.after(&format!("/admin/comments?status={back}")))
}

fn unknown_action(verb: &str) -> AppError {
    AppError::BadRequest(format!("unknown moderation action \"{verb}\""))
}

/// The pages of these posts show other replies now.
pub(super) fn replies(posts: Vec<i32>) -> Vec<Change> {
    posts.into_iter().map(Change::Replies).collect()
}

pub async fn answer_form(
    AdminPage { state, user, token }: AdminPage,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let comment = answerable(&state, &user, id).await?;
    let extra = context! { comment => to_value(&comment), body => "", error => None::<String> };
    page(
        &state,
        &user,
        token,
        "admin/answer.html",
        StatusCode::OK,
        extra,
    )
    .await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    body: String,
}

pub async fn answer(
    AdminPage { state, user, token }: AdminPage,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    let comment = answerable(&state, &user, id).await?;
    if form.body.trim().is_empty() || form.body.len() > 64 * 1024 {
        let extra = context! {
            comment => to_value(&comment),
            body => form.body,
            error => Some("Write an answer of at most 64 KiB."),
        };
        return page(
            &state,
            &user,
            token,
            "admin/answer.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            extra,
        )
        .await;
    }
    let html = render_markdown(&form.body);
    let saved = comments::answer(&state.db, &user.0, id, html, |uuid| {
        state.urls.comment(uuid)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    state.changed(&[Change::Replies(saved.post_id)]).await;
    state.wake_delivery();
    let back = if user.is_admin() {
        "/admin/comments?status=approved"
    } else {
        "/admin/comments"
    };
    Ok(axum::response::IntoResponse::into_response(
        Notice::Answered.after(back),
    ))
}

pub async fn block_list(
    AdminPage { state, user, token }: AdminPage,
    Query(query): Query<NoticeQuery>,
) -> AppResult<Response> {
    let all = blocks::all(&state.db).await?;
    let extra = context! { blocks => to_value(&all), notice => query.text() };
    page(
        &state,
        &user,
        token,
        "admin/blocks.html",
        StatusCode::OK,
        extra,
    )
    .await
}

#[derive(Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    reason: String,
}

pub async fn block_domain(
    State(state): State<WebState>,
    _user: CurrentUser,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> AppResult<Redirect> {
    let typed = form.domain.trim();
    let typed = typed
        .strip_prefix("https://")
        .or_else(|| typed.strip_prefix("http://"))
        .unwrap_or(typed)
        .trim_end_matches('/');
    let domain = crate::domain::HostName::parse(typed)
        .map_err(|_| AppError::BadRequest("type a server's name, such as spam.example".into()))?;
    let mut changes = replies(
        blocks::add(
            &state.db,
            blocks::BlockKind::Domain,
            domain.as_str(),
            Some(&form.reason),
        )
        .await?,
    );
    changes.push(Change::Followers);
    state.blocks.forget();
    state.changed(&changes).await;
    Ok(Notice::Blocked.after("/admin/blocks"))
}

pub async fn unblock(
    Path(id): Path<i32>,
    AdminAction { state, .. }: AdminAction,
) -> AppResult<Redirect> {
    let posts = blocks::remove(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    state.blocks.forget();
    state.changed(&replies(posts)).await;
    Ok(Notice::Unblocked.after("/admin/blocks"))
}

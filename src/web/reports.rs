//! Reports: those received from other servers' moderators (resolved by
//! removing what they name, blocking its authors, or dismissing them), and
//! those the admin sends about a reply's author.

use axum::{
    extract::{Path, Query},
    http::StatusCode,
    response::{Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{
    WebState,
    admin_page::{AdminPage, page},
    csrf::CsrfForm,
    notice::Notice,
    templates::to_value,
};
use crate::{
    error::{AppError, AppResult},
    pages::Change,
    services::{
        comments,
        reports::{self, ReportDirection, ReportStatus, Resolution},
    },
};

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Tab {
    #[default]
    Open,
    Resolved,
    Sent,
}

impl Tab {
    fn as_str(self) -> &'static str {
        match self {
            Tab::Open => "open",
            Tab::Resolved => "resolved",
            Tab::Sent => "sent",
        }
    }

    fn filter(self) -> (ReportDirection, ReportStatus) {
        match self {
            Tab::Open => (ReportDirection::Incoming, ReportStatus::Open),
            Tab::Resolved => (ReportDirection::Incoming, ReportStatus::Resolved),
            Tab::Sent => (ReportDirection::Outgoing, ReportStatus::Sent),
        }
    }
}

#[derive(Deserialize)]
pub struct ReportsQuery {
    #[serde(default)]
    tab: Tab,
    notice: Option<Notice>,
}

pub async fn list(
    AdminPage { state, user, token }: AdminPage,
    Query(query): Query<ReportsQuery>,
) -> AppResult<Response> {
    let (direction, status) = query.tab.filter();
    let found = reports::list(&state.db, direction, status).await?;
    let extra = context! {
        tab => query.tab.as_str(),
        reports => to_value(&found),
        notice => query.notice.and_then(Notice::text),
    };
    page(
        &state,
        &user,
        token,
        "admin/reports.html",
        StatusCode::OK,
        extra,
    )
    .await
}

#[derive(Deserialize)]
pub struct ResolveForm {
    resolution: Resolution,
}

pub async fn resolve(
    AdminPage { state, .. }: AdminPage,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> AppResult<Redirect> {
    let done = reports::resolve(&state.db, id, form.resolution)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut changes = super::moderation::replies(done.posts);
    if done.blocked {
        state.blocks.forget();
        changes.push(Change::Followers);
    }
    if !done.deleted_posts.is_empty() {
        changes.extend(done.deleted_posts.into_iter().map(Change::Post));
        state.wake_delivery();
    }
    state.changed(&changes).await;
    Ok(Notice::Done.after("/admin/reports"))
}

/// A remote reply the admin may report: not the blog's own, not deleted.
async fn reportable(state: &WebState, id: i32) -> AppResult<comments::CommentView> {
    comments::by_id(&state.db, id)
        .await?
        .filter(|c| !c.deleted && !c.is_local && c.author_ap_id.is_some())
        .ok_or(AppError::NotFound)
}

pub async fn report_form(
    AdminPage { state, user, token }: AdminPage,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let comment = reportable(&state, id).await?;
    let server = comment
        .author_ap_id
        .as_deref()
        .and_then(crate::services::blocks::domain_of)
        .unwrap_or_default();
    let extra = context! { comment => to_value(&comment), server => server };
    page(
        &state,
        &user,
        token,
        "admin/report.html",
        StatusCode::OK,
        extra,
    )
    .await
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    comment: String,
}

pub async fn send(
    AdminPage { state, .. }: AdminPage,
    Path(id): Path<i32>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> AppResult<Redirect> {
    reportable(&state, id).await?;
    if form.comment.chars().count() > 1000 {
        return Err(AppError::BadRequest(
            "Keep the comment to their moderators under 1,000 characters.".into(),
        ));
    }
    reports::send(&state.db, id, &form.comment)
        .await?
        .ok_or(AppError::NotFound)?;
    state.wake_delivery();
    Ok(Notice::Reported.after("/admin/reports?tab=sent"))
}

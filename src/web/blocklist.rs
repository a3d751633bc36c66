//! Shared domain blocklists: import one (a preview of what it changes, then
//! apply) and export ours, both in Mastodon's CSV format.

use axum::{
    http::StatusCode,
    response::{Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{
    admin_page::{AdminPage, page},
    csrf::{CsrfForm, CsrfUpload},
    notice::Notice,
    templates::to_value,
};
use crate::{
    error::{AppError, AppResult},
    services::blocks::blocklist::{self, Blocklist},
};

/// The largest blocklist read (Mastodon's biggest shared lists are well
/// under this).
const MAX_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
pub struct ImportForm {
    /// A list pasted as text, when no file is sent.
    #[serde(default)]
    csv: String,
}

/// The list sent, from the file if there is one, else the pasted text.
fn sent_text(form: ImportForm, files: Vec<super::csrf::Upload>) -> AppResult<String> {
    let file = files.into_iter().find(|f| !f.bytes.is_empty());
    let text = match file {
        Some(file) => String::from_utf8(file.bytes).map_err(|_| {
            AppError::BadRequest("The blocklist is not a text file (UTF-8 CSV).".into())
        })?,
        None => form.csv,
    };
    if text.trim().is_empty() {
        return Err(AppError::BadRequest(
            "Choose a blocklist file (CSV) or paste one.".into(),
        ));
    }
    if text.len() > MAX_BYTES {
        return Err(AppError::TooLarge(
            "The blocklist is larger than 2 MiB.".into(),
        ));
    }
    Ok(text)
}

/// What importing the list would change; nothing is blocked yet.
pub async fn preview(
    AdminPage { state, user, token }: AdminPage,
    CsrfUpload(form, files): CsrfUpload<ImportForm>,
) -> AppResult<Response> {
    let text = sent_text(form, files)?;
    let preview = blocklist::preview(&state.db, Blocklist::parse(&text)).await?;
    let extra = context! { preview => to_value(&preview), csv => text };
    page(
        &state,
        &user,
        token,
        "admin/blocklist.html",
        StatusCode::OK,
        extra,
    )
    .await
}

/// Blocks what the previewed list blocks.
pub async fn apply(
    AdminPage { state, .. }: AdminPage,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> AppResult<Redirect> {
    let text = sent_text(form, Vec::new())?;
    let (added, posts) = blocklist::apply(&state.db, Blocklist::parse(&text)).await?;
    if added > 0 {
        let mut changes = super::moderation::replies(posts);
        changes.push(crate::pages::Change::Followers);
        state.blocks.forget();
        state.changed(&changes).await;
    }
    Ok(Notice::Imported.after("/admin/blocks"))
}

/// The servers blocked here, as a CSV file to share.
pub async fn export(AdminPage { state, .. }: AdminPage) -> AppResult<Response> {
    let body = blocklist::export_csv(&state.db).await?;
    Ok(super::fediverse::csv_download("domain_blocks.csv", body))
}

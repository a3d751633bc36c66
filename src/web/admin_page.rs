//! The admin pages' frame: the signed-in user, the CSRF token for the
//! page's forms, and the count of replies waiting for moderation.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use axum_csrf::CsrfToken;
use minijinja::{Value, context};

use super::{WebState, auth::CurrentUser, csrf::form_token, templates::base_context};
use crate::error::AppResult;

/// Renders admin page `name` with `extra` in its context.
pub(super) async fn page(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    name: &str,
    status: StatusCode,
    extra: Value,
) -> AppResult<Response> {
    let csrf = form_token(&token)?;
    let pending = crate::services::comments::pending_count(&state.db).await?;
    let ctx = context! {
        ..base_context(&state.config, Some(&user.0), Some(&csrf)),
        ..context! { pending_count => pending },
        ..extra
    };
    let html = state.templates.render(name, ctx)?;
    Ok((status, token, Html(html)).into_response())
}

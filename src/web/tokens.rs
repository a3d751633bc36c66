//! Tokens for publishing apps, made and revoked on the account page.

use super::admin_page::{AdminAction, AdminPage};
use axum::{
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{account::account_page, csrf::CsrfForm};
use crate::{
    error::{AppError, AppResult},
    services::tokens::{self, TokenError},
};

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: Vec<String>,
}

/// Makes a token and shows it, once, on the account page.
pub async fn create(
    AdminPage { state, user, token }: AdminPage,
    CsrfForm(form): CsrfForm<NewToken>,
) -> AppResult<Response> {
    let (status, extra) = match tokens::create(&state.db, user.0.id, &form.name, &form.scope).await
    {
        Ok(secret) => (
            StatusCode::OK,
            context! { new_token => context! { name => form.name.trim(), token => secret } },
        ),
        Err(TokenError::Other(err)) => return Err(AppError::Internal(err)),
        Err(err) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { token_error => err.to_string() },
        ),
    };
    account_page(&state, &user, token, status, extra).await
}

pub async fn revoke(
    Path(id): Path<i32>,
    AdminAction { state, user }: AdminAction,
) -> AppResult<Response> {
    if !tokens::revoke(&state.db, user.0.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/account#apps").into_response())
}

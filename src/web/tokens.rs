//! Tokens for publishing apps, made and revoked on the account page.

use super::admin_page::AdminPage;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{
    WebState,
    account::account_page,
    auth::CurrentUser,
    csrf::{CsrfForm, NoFields},
};
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
    State(state): State<WebState>,
    user: CurrentUser,
    Path(id): Path<i32>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    if !tokens::revoke(&state.db, user.0.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/account#apps").into_response())
}

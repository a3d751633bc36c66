//! The author's account: changing the password and logging out everywhere.

use super::admin_page::{AdminAction, AdminPage};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_csrf::CsrfToken;
use minijinja::context;
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    WebState,
    admin_page::page,
    auth::{CurrentUser, start_session},
    csrf::CsrfForm,
    notice::{Notice, NoticeQuery},
};
use crate::{
    domain::Password,
    error::{AppError, AppResult},
    services::users::{self, ChangePasswordError},
};

pub async fn account(
    AdminPage { state, user, token }: AdminPage,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
) -> AppResult<Response> {
    let notice = query.text();
    account_page(
        &state,
        &user,
        token,
        StatusCode::OK,
        context! { notice => notice, error => None::<String> },
    )
    .await
}

/// The account page with the user's app tokens.
pub(super) async fn account_page(
    state: &WebState,
    user: &CurrentUser,
    token: CsrfToken,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    let tokens = crate::services::tokens::list(&state.db, user.0.id).await?;
    let followers = if user.0.fediverse_account {
        crate::services::authors::follower_count(&state.db, user.0.id).await?
    } else {
        0
    };
    let extra = context! {
        tokens => super::templates::to_value(&tokens),
        own_account => user.0.fediverse_account,
        own_handle => state.config.handle(&user.0.username),
        own_followers => followers,
        ..extra
    };
    let mut response = page(state, user, token, "admin/account.html", status, extra).await?;
    // It may show a new token, once: never kept by a browser or a proxy.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

pub async fn change_password(
    AdminPage { state, user, token }: AdminPage,
    session: Session,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let refused = |message: String| async {
        let extra = context! { error => message };
        account_page(
            &state,
            &user,
            token,
            StatusCode::UNPROCESSABLE_ENTITY,
            extra,
        )
        .await
    };
    if form.new_password != form.confirm_password {
        return refused("The two new passwords differ.".to_owned()).await;
    }
    let new = match Password::parse(form.new_password) {
        Ok(new) => new,
        Err(err) => return refused(format!("The new password is not accepted: {err}.")).await,
    };
    let epoch = match users::change_password(&state.db, &user.0, &form.current_password, &new).await
    {
        Ok(epoch) => epoch,
        Err(ChangePasswordError::WrongPassword) => {
            return refused("The current password is wrong.".to_owned()).await;
        }
        Err(ChangePasswordError::Other(err)) => return Err(AppError::Internal(err)),
    };
    session
        .cycle_id()
        .await
        .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?;
    start_session(&session, user.0.id, epoch).await?;
    Ok(Notice::Password.after("/admin/account").into_response())
}

pub async fn logout_everywhere(
    session: Session,
    AdminAction { state, user }: AdminAction,
) -> AppResult<Redirect> {
    users::end_all_sessions(&state.db, &user.0).await?;
    session
        .flush()
        .await
        .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?;
    Ok(Redirect::to("/login"))
}

#[derive(Deserialize)]
pub struct OwnAccountForm {
    /// Present when the box is ticked.
    #[serde(default)]
    account: Option<String>,
}

/// Turns the user's own fediverse account on or off. Their followers stay
/// recorded, so turning it on again keeps them.
pub async fn own_account(
    AdminPage { state, user, .. }: AdminPage,
    CsrfForm(form): CsrfForm<OwnAccountForm>,
) -> AppResult<Redirect> {
    let on = form.account.is_some();
    if on
        && user
            .0
            .username
            .eq_ignore_ascii_case(&state.config.blog.username)
    {
        return Err(AppError::BadRequest(format!(
            "{} is the blog's own account. Rename the blog's account ([blog] username) or this user first.",
            state.config.handle(&user.0.username)
        )));
    }
    crate::services::authors::set_account(&state.db, user.0.id, on).await?;
    state.changed(&[crate::pages::Change::Everything]).await;
    Ok(Notice::Saved.after("/admin/account"))
}

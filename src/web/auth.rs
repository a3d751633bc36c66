//! Logging in and out, and the extractor that guards the admin pages.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts, Query, State},
    http::{StatusCode, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
};
use axum_csrf::CsrfToken;
use minijinja::context;
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    WebState,
    csrf::{CsrfForm, NoFields, form_token},
    templates::base_context,
};
use crate::{entities::user, error::AppError, error::AppResult, services::users};

const USER_KEY: &str = "user_id";
const EPOCH_KEY: &str = "epoch";

/// The logged-in user. Pages that take it send visitors to the login form.
#[derive(Clone)]
pub struct CurrentUser(pub user::Model);

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.0.is_admin
    }
}

impl FromRequestParts<WebState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, AppError> {
        // Found already by the access guard (`web::access`).
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Ok(user.clone());
        }
        let next = parts
            .uri
            .path_and_query()
            .map_or("/admin".to_owned(), |pq| pq.to_string());
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))?;
        let id: Option<i32> = session
            .get(USER_KEY)
            .await
            .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?;
        let Some(id) = id else {
            return Err(AppError::LoginRequired { next });
        };
        let epoch: Option<i32> = session
            .get(EPOCH_KEY)
            .await
            .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?;
        match users::find(&state.db, id).await? {
            // A session from before "log out everywhere" or a password change is over.
            Some(user) if epoch == Some(user.session_epoch) => Ok(CurrentUser(user)),
            _ => Err(AppError::LoginRequired { next }),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only an absolute path on this site, so the login form cannot bounce
/// anyone elsewhere: no `//` (another host), no backslash (which browsers
/// read as a slash), no control characters or whitespace (browsers drop a
/// tab or newline, turning `/\t/evil.example` into `//evil.example`).
fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if local { next } else { "/admin" }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_only_ever_a_path_on_this_site() {
        for good in [
            "/admin",
            "/admin/posts/3/edit?notice=saved",
            "/posts/a#comment-2",
        ] {
            assert_eq!(safe_next(good), good);
        }
        for bad in [
            "//evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "evil.example",
            "/\u{3000}/evil.example",
            "/\u{0}/x",
            "",
        ] {
            assert_eq!(safe_next(bad), "/admin", "{bad:?}");
        }
    }
}

async fn login_page(
    state: &WebState,
    token: CsrfToken,
    next: &str,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let csrf = form_token(&token)?;
    // A new install has no one to log in as: the page says how to make the
    // first admin, which only the server's command line can.
    let no_admin = !users::admin_exists(&state.db).await?;
    let ctx = context! {
        ..base_context(&state.config, None, Some(&csrf)),
        ..context! { next => safe_next(next), username => username, error => error, no_admin => no_admin }
    };
    let page = state.templates.render("login.html", ctx)?;
    Ok((status, token, Html(page)).into_response())
}

pub async fn login_form(
    State(state): State<WebState>,
    token: CsrfToken,
    Query(query): Query<NextQuery>,
) -> AppResult<Response> {
    login_page(&state, token, &query.next, "", None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    token: CsrfToken,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    if let Err(wait) = state
        .login_limiter
        .check(&crate::limits::ClientKey::of(peer.ip()))
    {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
        });
    }
    let Some(user) = users::verify_login(&state.db, &form.username, &form.password).await? else {
        tracing::info!(username = %form.username, peer = %peer.ip(), "failed login");
        return login_page(
            &state,
            token,
            &form.next,
            &form.username,
            Some("Wrong username or password."),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    };
    // A new session id at login, so an id planted before it is worthless.
    session
        .cycle_id()
        .await
        .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?;
    start_session(&session, user.id, user.session_epoch).await?;
    users::logged_in(&state.db, user.id).await?;
    Ok(Redirect::to(safe_next(&form.next)).into_response())
}

/// Marks the session as `user_id`'s, in their current epoch.
pub async fn start_session(session: &Session, user_id: i32, epoch: i32) -> AppResult<()> {
    let fail = |err: tower_sessions::session::Error| AppError::Internal(anyhow::Error::new(err));
    session.insert(USER_KEY, user_id).await.map_err(fail)?;
    session.insert(EPOCH_KEY, epoch).await.map_err(fail)?;
    Ok(())
}

pub async fn logout(session: Session, CsrfForm(_): CsrfForm<NoFields>) -> AppResult<Redirect> {
    session
        .flush()
        .await
        .map_err(|err| AppError::Internal(anyhow::Error::new(err)))?;
    Ok(Redirect::to("/"))
}

/// Browser sessions, kept in the database.
pub fn sessions(
    state: &WebState,
) -> tower_sessions::SessionManagerLayer<crate::services::sessions::DbSessionStore> {
    use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};
    SessionManagerLayer::new(crate::services::sessions::DbSessionStore::new(
        state.db.clone(),
    ))
    .with_name("blog_session")
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_secure(state.config.https())
    .with_expiry(Expiry::OnInactivity(time::Duration::days(14)))
}

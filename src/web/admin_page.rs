//! The admin pages' frame: the signed-in user, the CSRF token for the
//! page's forms, and the count of replies waiting for moderation.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{StatusCode, request::Parts},
    response::{Html, IntoResponse, Response},
};
use axum_csrf::CsrfToken;
use minijinja::{Value, context};

use super::{
    WebState,
    auth::CurrentUser,
    csrf::{CsrfForm, NoFields, form_token},
    templates::base_context,
};
use crate::error::{AppError, AppResult};

/// What an admin page's handler starts from: the blog's state, the
/// signed-in user and the CSRF token the page's forms carry.
pub(super) struct AdminPage {
    pub state: WebState,
    pub user: CurrentUser,
    pub token: CsrfToken,
}

impl FromRequestParts<WebState> for AdminPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let user = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let token = CsrfToken::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(AdminPage {
            state: state.clone(),
            user,
            token,
        })
    }
}

/// What an admin action (a button that posts a form with no fields of its
/// own) starts from: the blog's state and the signed-in user, the form's
/// CSRF token checked.
pub(super) struct AdminAction {
    pub state: WebState,
    pub user: CurrentUser,
}

impl FromRequest<WebState> for AdminAction {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &WebState) -> Result<Self, AppError> {
        let (mut parts, body) = request.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let CsrfForm(NoFields {}) = CsrfForm::from_request(request, state).await?;
        Ok(AdminAction {
            state: state.clone(),
            user,
        })
    }
}

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
    let reports = if user.is_admin() {
        crate::services::reports::open_count(&state.db).await?
    } else {
        0
    };
    let ctx = context! {
        ..base_context(&state.config, Some(&user.0), Some(&csrf)),
        ..context! { pending_count => pending, report_count => reports },
        ..extra
    };
    let html = state.templates.render(name, ctx)?;
    let policy = [(
        axum::http::header::CONTENT_SECURITY_POLICY,
        super::ADMIN_CSP,
    )];
    Ok((status, token, policy, Html(html)).into_response())
}

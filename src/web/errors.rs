//! Error responses as pages: any plain-text error from a handler or an
//! extractor is shown inside the site layout.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use minijinja::context;

use super::{AppState, templates::base_context};
use crate::error::AppError;

/// Nothing else matched: an old address of an imported post moves
/// permanently to its permalink; anything else is not here.
pub async fn not_found(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
) -> Result<Response, AppError> {
    if method != Method::GET && method != Method::HEAD {
        return Err(AppError::NotFound);
    }
    moved_permanently(&state, uri.path(), uri.query()).await
}

/// 301 to where an old address now lives, or 404.
pub async fn moved_permanently(
    state: &AppState,
    path: &str,
    query: Option<&str>,
) -> Result<Response, AppError> {
    let target = crate::services::redirects::target(&state.db, path, query)
        .await?
        .ok_or(AppError::NotFound)?;
    let location = HeaderValue::from_str(&target).map_err(|_| AppError::NotFound)?;
    Ok((
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, location)],
    )
        .into_response())
}

pub async fn render_error_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !is_text {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let message = if status.is_server_error() {
        "Something went wrong on our side. It has been logged; please try again later.".to_owned()
    } else {
        let bytes = to_bytes(body, 16 * 1024).await.unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            status => status.as_u16(),
            reason => status.canonical_reason().unwrap_or("Error"),
            message => message,
        }
    };
    match state.templates.render("error.html", ctx) {
        Ok(page) => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(page))
        }
        Err(err) => {
            tracing::error!(error = ?err, "failed to render the error page");
            (status, Html(format!("<h1>{status}</h1>"))).into_response()
        }
    }
}

//! Error responses as pages: any plain-text error from a handler or an
//! extractor is shown inside the site layout.

use axum::{
    Json,
    body::to_bytes,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use minijinja::context;
use serde_json::json;

use super::{WebState, templates::base_context};
use crate::error::{AppError, Logged};

/// Nothing else matched: an old address of an imported post moves
/// permanently to its permalink; anything else is not here.
pub async fn not_found(
    State(state): State<WebState>,
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
    state: &WebState,
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

const SERVER_ERROR: &str =
    "Something went wrong on our side. It has been logged; please try again later.";

/// Every error answer as a page in the site's layout, or as JSON for
/// ActivityPub clients; every server error is logged with its cause once.
pub async fn render_error_pages(
    State(state): State<WebState>,
    request: Request,
    next: Next,
) -> Response {
    let wants_json = crate::negotiation::wants_activity_json(request.headers());
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let is_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    let logged = response.extensions().get::<Logged>().is_some();
    let unlogged_failure = status.is_server_error() && !logged;
    if !(status.is_client_error() || status.is_server_error()) || (!is_text && !unlogged_failure) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if unlogged_failure {
        tracing::error!(%method, path, status = status.as_u16(), cause = %text, "request failed");
    }
    let message = if status.is_server_error() {
        SERVER_ERROR.to_owned()
    } else {
        text
    };
    let mut answer = error_response(&state, status, message, wants_json);
    // Keep what the handler said besides the body (Location, Retry-After, cookies).
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    answer
}

/// An error answer: the error page for people, `{"error": ...}` for
/// ActivityPub clients.
pub fn error_response(
    state: &WebState,
    status: StatusCode,
    message: String,
    wants_json: bool,
) -> Response {
    if wants_json {
        let mut response = (status, Json(json!({ "error": message }))).into_response();
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept"));
        return response;
    }
    let ctx = context! {
        ..base_context(&state.config, None, None),
        ..context! {
            status => status.as_u16(),
            reason => status.canonical_reason().unwrap_or("Error"),
            message => message,
        }
    };
    match state.templates.render("error.html", ctx) {
        Ok(page) => (status, Html(page)).into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "failed to render the error page");
            (status, Html(format!("<h1>{status}</h1>"))).into_response()
        }
    }
}

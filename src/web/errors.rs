//! Error responses as pages: any plain-text error from a handler or an
//! extractor is shown inside the site layout.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use minijinja::context;

use super::{AppState, templates::base_context};
use crate::error::AppError;

pub async fn not_found() -> AppError {
    AppError::NotFound
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

//! One URL, two representations: pages for browsers, ActivityPub JSON for
//! servers that ask for it (`Accept`), both marked `Vary: Accept`.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};

pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Whether a request asks for the ActivityPub representation. Mastodon sends
/// both types in one header.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/activity+json") || v.contains("application/ld+json"))
}

/// A JSON-LD document with the ActivityPub media type.
pub fn activity_json(status: axum::http::StatusCode, value: &serde_json::Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ACTIVITY_JSON),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

//! Who may use which admin route. Every route under `/admin` and
//! `/micropub` is in [`RULES`] with the role it needs, and one guard
//! checks it before any handler runs. A route missing from the table is
//! refused to everyone (and logged), so a new page cannot be reachable
//! before someone decided who may reach it; the integration tests hold
//! their own copy of the table and try every entry with each role.
//!
//! What a role may do within a route (an author editing only their own
//! posts, answering only comments on them) is checked by the handlers.

use axum::{
    extract::{FromRequestParts, MatchedPath, Request, State},
    http::Method,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{WebState, auth::CurrentUser};
use crate::error::AppError;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any logged-in user: an author or an admin.
    Author,
    /// An admin only.
    Admin,
    /// An app token (Micropub); the handler checks it and its scopes.
    Token,
}

/// Every guarded route: method, path as the router writes it, access.
pub const RULES: &[(&str, &str, Access)] = &[
    ("GET", "/admin", Access::Author),
    ("GET", "/admin/posts/new", Access::Author),
    ("POST", "/admin/posts/new", Access::Author),
    ("GET", "/admin/posts/{id}/edit", Access::Author),
    ("POST", "/admin/posts/{id}/edit", Access::Author),
    ("GET", "/admin/posts/{id}/delete", Access::Author),
    ("POST", "/admin/posts/{id}/delete", Access::Author),
    (
        "POST",
        "/admin/posts/{id}/quotes/{quote}/revoke",
        Access::Author,
    ),
    ("GET", "/admin/media", Access::Author),
    ("POST", "/admin/media", Access::Author),
    ("GET", "/admin/account", Access::Author),
    ("POST", "/admin/account/password", Access::Author),
    ("POST", "/admin/account/tokens", Access::Author),
    ("POST", "/admin/account/fediverse", Access::Author),
    ("POST", "/admin/account/tokens/{id}/revoke", Access::Author),
    ("POST", "/admin/account/logout-everywhere", Access::Author),
    ("GET", "/admin/comments", Access::Author),
    ("POST", "/admin/comments", Access::Admin),
    ("GET", "/admin/comments/{id}/reply", Access::Author),
    ("POST", "/admin/comments/{id}/reply", Access::Author),
    ("GET", "/admin/blocks", Access::Admin),
    ("POST", "/admin/blocks", Access::Admin),
    ("POST", "/admin/blocks/{id}/delete", Access::Admin),
    ("GET", "/admin/reports", Access::Admin),
    ("POST", "/admin/reports/{id}/resolve", Access::Admin),
    ("GET", "/admin/comments/{id}/report", Access::Admin),
    ("POST", "/admin/comments/{id}/report", Access::Admin),
    ("POST", "/admin/blocks/import", Access::Admin),
    ("POST", "/admin/blocks/import/apply", Access::Admin),
    ("GET", "/admin/blocks/export.csv", Access::Admin),
    ("GET", "/admin/fediverse", Access::Admin),
    ("GET", "/admin/fediverse/followers.csv", Access::Admin),
    ("POST", "/admin/fediverse/aliases", Access::Admin),
    ("POST", "/admin/fediverse/move", Access::Admin),
    ("GET", "/micropub", Access::Token),
    ("POST", "/micropub", Access::Token),
    ("POST", "/micropub/media", Access::Token),
];

/// The rule for a request, if there is one (`HEAD` is a `GET`).
pub fn rule(method: &Method, path: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    RULES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, access)| *access)
}

/// The guard: the route's rule, then the user's role. The user it found
/// is handed to the handler.
pub async fn guard(
    State(state): State<WebState>,
    matched: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let path = matched
        .as_ref()
        .map_or(request.uri().path(), |m| m.as_str());
    let Some(access) = rule(request.method(), path) else {
        tracing::warn!(
            method = %request.method(),
            path,
            "route has no access rule in web::access::RULES; refused"
        );
        return AppError::Forbidden("This page has no access rule yet.".into()).into_response();
    };
    if access == Access::Token {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, &state).await {
        Ok(user) => user,
        Err(err) => return err.into_response(),
    };
    if access == Access::Admin && !user.0.is_admin {
        return AppError::Forbidden(
            "This page is for the blog's admins. Ask one of them if you need it.".into(),
        )
        .into_response();
    }
    parts.extensions.insert(user);
    next.run(Request::from_parts(parts, body)).await
}

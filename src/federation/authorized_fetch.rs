//! Authorized fetch (`[federation] authorized_fetch`): the blog's ActivityPub
//! documents are served only to requests signed by a server that is not
//! blocked, as Mastodon's secure mode does. Actors, WebFinger and NodeInfo
//! stay public (a server must read the actor's key to sign at all), and so
//! do the pages people read.

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use url::Url;

use super::{FedContext, Federation, error::FedError, inbox::signature};

/// Documents served as ActivityPub JSON whatever the request accepts.
const ALWAYS_JSON: [&str; 2] = ["/activities/", "/quote-authorizations/"];

/// Whether the request asks for an ActivityPub document that authorized
/// fetch protects.
fn is_protected(request: &Request, actor_path: &str) -> bool {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return false;
    }
    let path = request.uri().path();
    if path.starts_with("/.well-known/") || path.starts_with("/nodeinfo/") {
        return false;
    }
    // An actor (`/users/NAME`), but not its collections.
    if let Some(name) = path.strip_prefix("/users/")
        && !name.is_empty()
        && !name.contains('/')
    {
        return false;
    }
    let collections = ["/outbox", "/followers", "/following"];
    super::wants_activity_json(request.headers())
        || ALWAYS_JSON.iter().any(|p| path.starts_with(p))
        || collections
            .iter()
            .any(|c| path.strip_prefix(actor_path) == Some(c))
}

/// Lets the request through when authorized fetch is off, the request is
/// not for a protected document, or it is signed by a server not blocked;
/// else 401 (unsigned or unverifiable) or 403 (blocked).
pub async fn guard(State(fed): State<Federation>, request: Request, next: Next) -> Response {
    // Every page passes here: when it is off (the default), nothing is
    // built or parsed for it.
    let shared: &super::FedData = &fed;
    if !shared.config.federation.authorized_fetch
        || !is_protected(&request, shared.urls.actor_url().path())
    {
        return next.run(request).await;
    }
    let data = fed.to_request_data();
    let (parts, body) = request.into_parts();
    match signer(&parts, &data).await {
        Ok(()) => {
            let mut response = next.run(Request::from_parts(parts, body)).await;
            // What one signer may read, another may not: never a shared cache.
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("private"),
            );
            response
        }
        Err(err) => err.into_response(),
    }
}

/// The request's signature verifies with the key of an actor whose server
/// is not blocked.
async fn signer(parts: &axum::http::request::Parts, data: &FedContext) -> Result<(), FedError> {
    if !parts.headers.contains_key("signature") {
        return Err(FedError::new(
            StatusCode::UNAUTHORIZED,
            "this blog serves its ActivityPub documents only to signed requests",
        ));
    }
    let signed = signature::signed_request(parts, &data.urls, false)?;
    let mut actor = Url::parse(signed.key_id())
        .map_err(|_| FedError::new(StatusCode::UNAUTHORIZED, "the keyId is not a URL"))?;
    actor.set_fragment(None);
    if data.blocks.blocks(&data.db, actor.as_str()).await? {
        return Err(FedError::new(
            StatusCode::FORBIDDEN,
            "this server is blocked here",
        ));
    }
    if data.urls.is_ours(&actor) {
        let pem = data.actor.public_key_pem.clone();
        return data.verifier.verify(signed, &pem);
    }
    let signer = super::actor::RemoteActorId::from(actor)
        .dereference(data)
        .await
        .map_err(|err| {
            FedError::new(
                StatusCode::UNAUTHORIZED,
                format!("the signer's key could not be read: {err}"),
            )
        })?;
    use activitypub_federation::traits::Actor;
    data.verifier.verify(signed, signer.public_key_pem())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str, accept: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(path);
        if let Some(accept) = accept {
            builder = builder.header("accept", accept);
        }
        builder.body(axum::body::Body::empty()).expect("request")
    }

    #[test]
    fn documents_are_protected_and_actors_and_pages_are_not() {
        let json = Some("application/activity+json");
        let protected = |path, accept| is_protected(&request(path, accept), "/users/blog");
        assert!(protected("/posts/hello", json));
        assert!(protected("/comments/abc", json));
        assert!(protected("/activities/abc", None));
        assert!(protected("/users/blog/outbox", None));
        assert!(protected("/users/blog/followers", json));
        assert!(!protected("/users/blog", json));
        assert!(!protected("/users/ada", json));
        assert!(!protected("/posts/hello", Some("text/html")));
        assert!(!protected("/.well-known/webfinger", json));
        assert!(!protected("/nodeinfo/2.1", None));
    }
}

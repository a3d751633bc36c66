//! How other servers find the blog: WebFinger, NodeInfo and host-meta.

use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{FedContext, Federation, error::FedError};
use crate::services::posts;

#[derive(Deserialize)]
pub struct WebfingerQuery {
    #[serde(default)]
    resource: String,
}

/// The name of an `acct:name@host` resource (`acct:` optional) whose host
/// is this blog's, with or without the port.
fn local_name<'a>(data: &FedContext, resource: &'a str) -> Option<&'a str> {
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let (user, host) = acct.rsplit_once('@')?;
    let ours = data.urls.is_our_host(host)
        || crate::domain::HostName::parse(host).is_ok_and(|h| {
            crate::domain::HostName::of_url(&data.config.public_url).is_some_and(|ours| ours == h)
        });
    ours.then_some(user)
}

/// Which resources name the blog: `acct:blog@host` (with or without the
/// port), the actor's id, or the home page.
fn names_the_blog(data: &FedContext, resource: &str) -> bool {
    let urls = &data.urls;
    resource == urls.actor()
        || resource == urls.home()
        || resource == urls.home().trim_end_matches('/')
        || local_name(data, resource)
            .is_some_and(|user| user.eq_ignore_ascii_case(&data.config.blog.username))
}

/// The author a resource names: `acct:name@host` on this blog's host, or
/// their account's id.
fn named_author<'a>(data: &FedContext, resource: &'a str) -> Option<&'a str> {
    data.urls
        .author_name(resource)
        .or_else(|| local_name(data, resource))
}

pub async fn webfinger(
    State(fed): State<Federation>,
    Query(query): Query<WebfingerQuery>,
) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    if query.resource.is_empty() {
        return Err(FedError::bad_request("the resource parameter is required"));
    }
    let urls = &data.urls;
    let (name, actor, profile) = if names_the_blog(&data, &query.resource) {
        (data.config.blog.username.clone(), urls.actor(), urls.home())
    } else {
        let author = match named_author(&data, &query.resource) {
            Some(name) => crate::services::authors::by_username(&data.db, name).await?,
            None => None,
        }
        .ok_or_else(FedError::not_found)?;
        let name = author.username;
        (name.clone(), urls.author(&name), urls.author_page(&name))
    };
    let subject = format!("acct:{name}@{}", data.config.host());
    let body = json!({
        "subject": subject,
        "aliases": [actor, profile],
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": actor },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile },
        ],
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/jrd+json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body.to_string(),
    )
        .into_response())
}

const NODEINFO_SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

pub async fn nodeinfo_links(State(fed): State<Federation>) -> Response {
    let data = fed.to_request_data();
    let href = data.urls.absolute("/nodeinfo/2.1");
    axum::Json(json!({ "links": [{ "rel": NODEINFO_SCHEMA, "href": href }] })).into_response()
}

pub async fn nodeinfo(State(fed): State<Federation>) -> Result<Response, FedError> {
    let data = fed.to_request_data();
    let posts = posts::count_published(&data.db).await?;
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "blog",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": data.urls.absolute("/"),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["atom1.0", "rss2.0"] },
        "openRegistrations": false,
        "usage": {
            "users": { "total": 1, "activeMonth": 1, "activeHalfyear": 1 },
            "localPosts": posts,
        },
        "metadata": { "nodeName": data.config.blog.title, "nodeDescription": data.config.blog.description },
    });
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            format!("application/json; profile=\"{NODEINFO_SCHEMA}#\""),
        )],
        body.to_string(),
    )
        .into_response())
}

fn webfinger_template(data: &FedContext) -> String {
    format!(
        "{}?resource={{uri}}",
        data.urls.absolute("/.well-known/webfinger")
    )
}

pub async fn host_meta(State(fed): State<Federation>) -> Response {
    let data = fed.to_request_data();
    let template = webfinger_template(&data)
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

pub async fn host_meta_json(State(fed): State<Federation>) -> Response {
    let data = fed.to_request_data();
    axum::Json(json!({ "links": [{ "rel": "lrdd", "template": webfinger_template(&data) }] }))
        .into_response()
}

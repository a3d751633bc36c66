//! Site-wide documents: the sitemap, robots.txt and the health check.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use quick_xml::escape::escape;
use sea_orm::ConnectionTrait;

use super::WebState;
use crate::{error::AppResult, services::posts};

/// Every public post, for search engines.
pub async fn sitemap(State(state): State<WebState>) -> AppResult<Response> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let entries = posts::sitemap(&state.db).await?;
    let newest = entries.iter().map(|(_, at)| *at).max();
    let mut add = |path: &str, modified: Option<chrono::DateTime<chrono::Utc>>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&escape(state.urls.absolute(path).as_str()));
        xml.push_str("</loc>");
        if let Some(at) = modified {
            xml.push_str("<lastmod>");
            xml.push_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    add("/", newest);
    for (slug, updated) in &entries {
        add(&crate::urls::post_path(slug), Some(*updated));
    }
    xml.push_str("</urlset>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

pub async fn robots(State(state): State<WebState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /admin\nDisallow: /login\n\nSitemap: {}\n",
        state.urls.absolute("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// For load balancers and monitoring: 200 when the database answers.
pub async fn healthz(State(state): State<WebState>) -> Response {
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (no_store, "ok\n").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                no_store,
                "the database does not answer\n",
            )
                .into_response()
        }
    }
}

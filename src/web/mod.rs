//! Everything browser-facing: routes, extractors and page handlers.

pub mod access;
mod account;
mod admin;
mod admin_page;
mod auth;
mod authors;
mod blocklist;
pub mod caching;
mod client;
mod csrf;
mod errors;
mod fediverse;
mod feeds;
pub mod follow;
mod media;
mod micropub;
mod moderation;
mod multipart;
mod notice;
pub mod public;
mod reports;
mod site;
mod state;
mod templates;
mod tokens;

pub use state::{Parts as WebParts, WebState};

use crate::pages;
pub use templates::Templates;

use axum::http::{HeaderValue, header};
use axum::{
    Router,
    handler::Handler,
    middleware,
    routing::{get, post},
};
use tower_http::{
    CompressionLevel, catch_panic::CatchPanicLayer, compression::CompressionLayer,
    set_header::SetResponseHeaderLayer,
};

/// The browser-facing routes, on their own state. The post and comment
/// permalinks, which also serve ActivityPub, are put together with
/// federation's in `crate::routes` from `public::post`, `public::comment`
/// and `public::interaction_failed`, and so are the follow pages
/// (`follow`).
pub fn routes<S: Clone + Send + Sync + 'static>(state: &WebState) -> Router<S> {
    // Lists of posts: their cached copies last until the posts change.
    let listings = Router::new()
        .route("/", get(public::index))
        .route("/tags/{slug}", get(public::tag))
        .route("/feed.atom", get(feeds::atom))
        .route("/feed.rss", get(feeds::rss))
        .route("/feed.json", get(feeds::json_feed))
        .route("/sitemap.xml", get(site::sitemap))
        .route("/authors/{name}", get(authors::page))
        .route("/authors/{name}/feed.atom", get(authors::feed))
        .route_layer(middleware::map_response(pages::shows_listing));
    // Pages that only a new configuration changes.
    let fixed = Router::new()
        .route("/robots.txt", get(site::robots))
        .route("/style.css", get(public::stylesheet))
        .route("/avatar.png", get(public::avatar))
        .route("/admin.js", get(public::admin_script))
        .route_layer(middleware::map_response(pages::shows_nothing_changing));
    Router::new()
        .merge(listings)
        .merge(fixed)
        .route("/healthz", get(site::healthz))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/media/{name}", get(media::serve))
        .merge(guarded_routes(state))
        .fallback(errors::not_found)
        .with_state(state.clone())
}

/// What every page (and every document fetched like a page) passes
/// through: panics caught, errors shown as pages, compression, the page
/// cache, browser sessions.
pub fn page_layers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    state: &WebState,
) -> Router<S> {
    catch_panics(router)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            errors::render_error_pages,
        ))
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(CompressionLevel::Precise(5)),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            caching::pages,
        ))
        .layer(auth::sessions(state))
}

/// The inboxes take JSON from servers: no sessions, compression or page
/// cache in their way, which a viral post's stream of replies would pay
/// for on every request; panics and errors are still answered.
pub fn inbox_layers<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    state: &WebState,
) -> Router<S> {
    catch_panics(router).layer(middleware::from_fn_with_state(
        state.clone(),
        errors::render_error_pages,
    ))
}

/// Around everything: the client's real address behind trusted proxies,
/// and the browser protections.
pub fn outer_layers(router: Router, state: &WebState) -> Router {
    with_security_headers(router.layer(middleware::from_fn_with_state(
        state.clone(),
        client::real_address,
    )))
}

/// The admin pages and Micropub, behind the access guard: each route's
/// rule in `access::RULES` is checked before its handler runs.
fn guarded_routes(state: &WebState) -> Router<WebState> {
    Router::new()
        .route("/admin", get(admin::list))
        .route("/admin/fediverse", get(fediverse::fediverse))
        .route(
            "/admin/fediverse/followers.csv",
            get(fediverse::followers_csv),
        )
        .route("/admin/fediverse/aliases", post(fediverse::set_aliases))
        .route("/admin/fediverse/move", post(fediverse::move_blog))
        .route("/admin/account", get(account::account))
        .route("/admin/account/password", post(account::change_password))
        .route("/admin/account/tokens", post(tokens::create))
        .route("/admin/account/fediverse", post(account::own_account))
        .route("/admin/account/tokens/{id}/revoke", post(tokens::revoke))
        .route(
            "/admin/account/logout-everywhere",
            post(account::logout_everywhere),
        )
        .route(
            "/admin/comments",
            get(moderation::queue).post(moderation::moderate),
        )
        .route(
            "/admin/comments/{id}/reply",
            get(moderation::answer_form).post(moderation::answer),
        )
        .route(
            "/admin/blocks",
            get(moderation::block_list).post(moderation::block_domain),
        )
        .route("/admin/blocks/{id}/delete", post(moderation::unblock))
        .route("/admin/reports", get(reports::list))
        .route("/admin/reports/{id}/resolve", post(reports::resolve))
        .route(
            "/admin/comments/{id}/report",
            get(reports::report_form).post(reports::send),
        )
        .route("/admin/blocks/import", post(blocklist::preview))
        .route("/admin/blocks/import/apply", post(blocklist::apply))
        .route("/admin/blocks/export.csv", get(blocklist::export))
        .route(
            "/admin/posts/new",
            get(admin::new_form).post(admin::create.layer(media::upload_limit(state))),
        )
        .route(
            "/admin/posts/{id}/edit",
            get(admin::edit_form).post(admin::update.layer(media::upload_limit(state))),
        )
        .route(
            "/admin/posts/{id}/delete",
            get(admin::delete_form).post(admin::delete),
        )
        .route(
            "/admin/posts/{id}/quotes/{quote}/revoke",
            post(admin::revoke_quote),
        )
        .route(
            "/admin/media",
            get(media::library).post(media::upload.layer(media::upload_limit(state))),
        )
        .route(
            "/micropub",
            get(micropub::query).post(micropub::publish.layer(media::upload_limit(state))),
        )
        .route(
            "/micropub/media",
            post(micropub::media_endpoint.layer(media::upload_limit(state))),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), access::guard))
}

/// A panic in any handler becomes a logged 500 (shown as the error page),
/// never a dead server.
pub fn catch_panics<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(CatchPanicLayer::custom(
        |panic: Box<dyn std::any::Any + Send>| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, "a request handler panicked");
            let mut response = axum::response::IntoResponse::into_response((
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. It has been logged; please try again later.",
            ));
            response.extensions_mut().insert(crate::error::Logged);
            response
        },
    ))
}

/// Browser protections on every response: a strict Content-Security-Policy
/// (no scripts at all; remote pictures only), no MIME sniffing, no framing,
/// and full referrers only within the site.
/// What every page may load: no script at all.
const PUBLIC_CSP: &str = "default-src 'none'; img-src 'self' https: data:; style-src 'self'; \
     form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'";

/// The admin pages may also run the blog's own script (`/admin.js`), which
/// only adds conveniences; they work without it.
pub(crate) const ADMIN_CSP: &str = "default-src 'none'; script-src 'self'; img-src 'self' https: data:; \
     style-src 'self'; form-action 'self' https:; frame-ancestors 'none'; base-uri 'none'";

fn with_security_headers(router: Router) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, PUBLIC_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

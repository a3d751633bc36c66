//! The whole router: the web pages, the federation documents and inboxes,
//! and the addresses that are both (a post, a comment): one URL, two
//! representations, the ActivityPub one for clients that ask for it.

use axum::{
    Router,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};

use crate::{
    error::AppResult,
    federation::{self, Federation},
    negotiation::wants_activity_json,
    state::AppState,
    web::{
        self, WebState,
        follow::{self, Followable},
        public::{self, CommentsQuery, Interaction},
    },
};

pub fn router(state: AppState) -> Router {
    let config = state.web.config.clone();
    let pages = Router::new()
        .route("/posts/{slug}", get(post))
        .route("/posts/{slug}/interact", get(interact))
        .route("/comments/{uuid}", get(comment))
        .route("/follow", get(follow_blog))
        .route("/authors/{name}/follow", get(follow_author))
        .merge(federation::routes(&config))
        .merge(web::routes(&state.web));
    // Checked before the page cache, which would otherwise answer first.
    let pages = web::page_layers(pages, &state.web).layer(axum::middleware::from_fn_with_state(
        state.clone(),
        federation::authorized_fetch::guard,
    ));
    let inboxes = web::inbox_layers(federation::inbox_routes(&config), &state.web);
    let web = state.web.clone();
    web::outer_layers(pages.merge(inboxes).with_state(state), &web)
}

/// A post: its Article for ActivityPub clients, its page for people.
async fn post(
    State(web): State<WebState>,
    State(federation): State<Federation>,
    Path(slug): Path<String>,
    query: Query<CommentsQuery>,
    headers: HeaderMap,
) -> Response {
    let data = federation.to_request_data();
    negotiated(
        &headers,
        federation::documents::article(&data, &slug),
        public::post(State(web), Path(slug.clone()), query),
    )
    .await
}

/// A comment: an author's answer as a `Note` for ActivityPub clients, the
/// page that shows it for people.
async fn comment(
    State(web): State<WebState>,
    State(federation): State<Federation>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let data = federation.to_request_data();
    negotiated(
        &headers,
        federation::documents::comment(&data, &uuid),
        public::comment(State(web), Path(uuid.clone())),
    )
    .await
}

/// The document when the client asks for ActivityPub JSON, else the page;
/// only the one chosen is made.
async fn negotiated(
    headers: &HeaderMap,
    document: impl Future<Output = impl IntoResponse>,
    page: impl Future<Output = impl IntoResponse>,
) -> Response {
    if wants_activity_json(headers) {
        document.await.into_response()
    } else {
        page.await.into_response()
    }
}

/// "Reply from your fediverse account": the visitor's server is found by
/// WebFinger and the visitor sent there, or the page says why not.
async fn interact(
    State(web): State<WebState>,
    State(federation): State<Federation>,
    Path(slug): Path<String>,
    Query(mut interaction): Query<Interaction>,
) -> AppResult<Response> {
    let data = federation.to_request_data();
    let target = data.urls.post(&slug);
    match federation::interact::remote_interaction_url(&data, &interaction.handle, &target).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(err) => {
            interaction.error = Some(err.to_string());
            public::interaction_failed(&web, &slug, interaction).await
        }
    }
}

/// "Follow from your fediverse account", for the blog.
async fn follow_blog(
    State(web): State<WebState>,
    State(federation): State<Federation>,
    Query(interaction): Query<Interaction>,
) -> AppResult<Response> {
    let account = Followable::blog(&web);
    follow_from_home(&web, &federation, &account, interaction).await
}

/// "Follow from your fediverse account", for an author with an account of
/// their own.
async fn follow_author(
    State(web): State<WebState>,
    State(federation): State<Federation>,
    Path(name): Path<String>,
    Query(interaction): Query<Interaction>,
) -> AppResult<Response> {
    let account = Followable::author(&web, &name).await?;
    follow_from_home(&web, &federation, &account, interaction).await
}

/// Without an address, the page that asks for one; with one, the visitor
/// is sent to their own server's page for following `account`, or the page
/// says why not.
async fn follow_from_home(
    web: &WebState,
    federation: &Federation,
    account: &Followable,
    mut interaction: Interaction,
) -> AppResult<Response> {
    if interaction.handle.trim().is_empty() {
        return follow::page(web, account, interaction).await;
    }
    let data = federation.to_request_data();
    match federation::interact::remote_interaction_url(
        &data,
        &interaction.handle,
        &account.actor_url,
    )
    .await
    {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(err) => {
            interaction.error = Some(err.to_string());
            follow::page(web, account, interaction).await
        }
    }
}

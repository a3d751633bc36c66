//! Statuses, kinds and scopes are read into enums; a value outside their
//! set, however it got into the database, is brought into it by a
//! migration (or, for scopes, left out), so no row becomes unreadable.

use blog::entities::{api_token, post};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};

use crate::helpers::TestApp;

#[tokio::test]
async fn values_outside_their_set_are_brought_into_it() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;
    app.write_post(&admin, &[("title", "Odd"), ("body", "x")], "publish")
        .await;
    crate::micropub::token(&app, &admin, &["create"]).await;
    let backend = app.db.get_database_backend();
    for sql in [
        "UPDATE posts SET status = 'archived'",
        "UPDATE api_tokens SET scope = 'create teleport'",
    ] {
        app.db
            .execute_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect(sql);
    }
    assert!(
        post::Entity::find().all(&app.db).await.is_err(),
        "an unknown status cannot be read"
    );

    crate::helpers::migrate_again_from(&app.db, "m20261205_000010_closed_sets").await;

    let posts = post::Entity::find().all(&app.db).await.expect("readable");
    assert_eq!(posts[0].status, post::PostStatus::Draft);
    let tokens = api_token::Entity::find()
        .all(&app.db)
        .await
        .expect("readable");
    assert_eq!(
        tokens[0].scope,
        api_token::Scopes::new([api_token::Scope::Create])
    );
}

/// A remote account fetched again replaces what was kept of it (a new key,
/// a new inbox, a new name) in the same row, so its comments and follows
/// stay attached to it.
#[tokio::test]
async fn an_actor_fetched_again_is_updated_in_place() {
    use blog::services::actors::{self, RemoteActorData};
    let app = TestApp::spawn().await;
    let first = app
        .remote_actor(
            "https://a.example/users/ann",
            "https://a.example/users/ann/inbox",
        )
        .await;
    let later = chrono::Utc::now() + chrono::Duration::minutes(5);
    let again = actors::upsert(
        &app.db,
        RemoteActorData {
            ap_id: first.ap_id.clone(),
            inbox: "https://a.example/inbox2".into(),
            shared_inbox: Some("https://a.example/inbox".into()),
            public_key_pem: "a new key".into(),
            preferred_username: "ann".into(),
            name: Some("Ann Again".into()),
            host: "a.example".into(),
            url: Some("https://a.example/@ann".into()),
            icon_url: None,
        },
        later,
    )
    .await
    .expect("stored again");
    assert_eq!(again.id, first.id, "the same row");
    assert_eq!(again.inbox, "https://a.example/inbox2");
    assert_eq!(
        again.shared_inbox.as_deref(),
        Some("https://a.example/inbox")
    );
    assert_eq!(again.public_key_pem, "a new key");
    assert_eq!(again.name.as_deref(), Some("Ann Again"));
    assert_eq!(again.url.as_deref(), Some("https://a.example/@ann"));
    assert!(again.fetched_at > first.fetched_at, "{again:?}");
    let rows = blog::entities::actor::Entity::find()
        .all(&app.db)
        .await
        .expect("actors");
    assert_eq!(rows.len(), 1, "{rows:?}");
}

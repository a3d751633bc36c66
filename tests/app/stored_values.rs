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

//! Local accounts: creation and password checks.

use anyhow::Context;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::is_unique_violation;
use crate::{
    domain::{Password, Role, Username},
    entities::user,
};

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error(
        "a user called {0} already exists; to give them a new password run `blog user passwd {0}`, to change what they may do `blog user role {0} admin` (or author)"
    )]
    Exists(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Hashing is deliberately slow, so it runs off the async threads.
async fn hash(password: &Password) -> anyhow::Result<String> {
    let plain = password.expose().to_owned();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(plain))
        .await
        .context("password hashing task failed")
}

pub async fn create(
    db: &DatabaseConnection,
    username: &Username,
    password: &Password,
    is_admin: bool,
) -> Result<user::Model, CreateUserError> {
    if find_by_username(db, username.as_str()).await?.is_some() {
        return Err(CreateUserError::Exists(username.to_string()));
    }
    let password_hash = hash(password).await?;
    let model = user::ActiveModel {
        username: Set(username.to_string()),
        password_hash: Set(password_hash),
        display_name: Set(None),
        is_admin: Set(is_admin),
        created_at: Set(Utc::now()),
        session_epoch: Set(0),
        // Every column given: what an insert returns never rests on a
        // default the database fills in.
        fediverse_account: Set(false),
        last_login_at: Set(None),
        ..Default::default()
    };
    match model.insert(db).await {
        Ok(user) => Ok(user),
        // Lost a race with another `user add` for the same name.
        Err(err) if is_unique_violation(&err) => Err(CreateUserError::Exists(username.to_string())),
        Err(err) => Err(anyhow::Error::new(err)
            .context(format!("failed to create user {username}"))
            .into()),
    }
}

/// What `set_role` did.
#[derive(Debug, PartialEq, Eq)]
pub enum RoleChange {
    Changed,
    Unchanged,
}

/// Makes `username` an admin or an author. The last admin cannot become
/// an author: someone must be able to moderate.
pub async fn set_role(
    db: &DatabaseConnection,
    username: &str,
    role: Role,
) -> anyhow::Result<RoleChange> {
    let (txn, _turn) = super::begin_write(db)
        .await
        .context("failed to start changing a role")?;
    let user = user::Entity::find_by_username(username)
        .one(&txn)
        .await
        .with_context(|| format!("failed to load user {username}"))?
        .with_context(|| format!("there is no user called {username}"))?;
    if user.is_admin == role.is_admin() {
        return Ok(RoleChange::Unchanged);
    }
    if !role.is_admin() {
        let admins = user::Entity::find()
            .filter(user::Column::IsAdmin.eq(true))
            .count(&txn)
            .await
            .context("failed to count admins")?;
        anyhow::ensure!(
            admins > 1,
            "{username} is the only admin; make another user an admin first"
        );
    }
    let mut model: user::ActiveModel = user.into();
    model.is_admin = Set(role.is_admin());
    model
        .update(&txn)
        .await
        .with_context(|| format!("failed to change the role of {username}"))?;
    txn.commit()
        .await
        .with_context(|| format!("failed to change the role of {username}"))?;
    Ok(RoleChange::Changed)
}

pub async fn find(db: &DatabaseConnection, id: i32) -> anyhow::Result<Option<user::Model>> {
    user::Entity::find_by_id(id)
        .one(db)
        .await
        .with_context(|| format!("failed to load user {id}"))
}

pub async fn find_by_username(
    db: &DatabaseConnection,
    username: &str,
) -> anyhow::Result<Option<user::Model>> {
    user::Entity::find_by_username(username)
        .one(db)
        .await
        .with_context(|| format!("failed to load user {username}"))
}

pub async fn admin_exists(db: &DatabaseConnection) -> anyhow::Result<bool> {
    let count = user::Entity::find()
        .filter(user::Column::IsAdmin.eq(true))
        .count(db)
        .await
        .context("failed to count admin users")?;
    Ok(count > 0)
}

/// The first admin account made, who owns posts brought in from elsewhere.
pub async fn first_admin(db: &impl ConnectionTrait) -> anyhow::Result<Option<user::Model>> {
    user::Entity::find()
        .filter(user::Column::IsAdmin.eq(true))
        .order_by_asc(user::Column::Id)
        .one(db)
        .await
        .context("failed to load the first admin user")
}

/// Returns the user when the name and password match. Takes the same time
/// whether or not the name exists, so it does not reveal which names do.
pub async fn verify_login(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> anyhow::Result<Option<user::Model>> {
    let user = find_by_username(db, username.trim()).await?;
    let stored_hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => dummy_hash().await?,
    };
    let attempt = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        password_auth::verify_password(attempt, &stored_hash).is_ok()
    })
    .await
    .context("password check task failed")?;
    Ok(user.filter(|_| matches))
}

async fn dummy_hash() -> anyhow::Result<String> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| async {
            tokio::task::spawn_blocking(|| password_auth::generate_hash("not a real password"))
                .await
                .context("password hashing task failed")
        })
        .await
        .cloned()
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("The current password is wrong.")]
    WrongPassword,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Changes a password after checking the current one, ends every other
/// session and revokes every app token (in one transaction). Returns the
/// new session epoch for the session that stays.
pub async fn change_password(
    db: &DatabaseConnection,
    user: &user::Model,
    current: &str,
    new: &Password,
) -> Result<i32, ChangePasswordError> {
    if verify_login(db, &user.username, current).await?.is_none() {
        return Err(ChangePasswordError::WrongPassword);
    }
    let password_hash = hash(new).await?;
    Ok(start_over(db, user, Some(password_hash)).await?)
}

/// Gives user `name` a new password without the old one (for the command
/// line: a forgotten password), ending their sessions and revoking their
/// app tokens. `false` when there is no such user.
pub async fn reset_password(
    db: &DatabaseConnection,
    name: &str,
    new: &Password,
) -> anyhow::Result<bool> {
    let Some(user) = find_by_username(db, name).await? else {
        return Ok(false);
    };
    let password_hash = hash(new).await?;
    start_over(db, &user, Some(password_hash)).await?;
    Ok(true)
}

/// A user as `blog user list` shows them.
#[derive(Debug, Clone)]
pub struct UserSummary {
    pub username: String,
    pub role: Role,
    pub created_at: chrono::DateTime<Utc>,
    pub last_login_at: Option<chrono::DateTime<Utc>>,
}

/// Every user, by name.
pub async fn list(db: &DatabaseConnection) -> anyhow::Result<Vec<UserSummary>> {
    let all = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await
        .context("failed to load users")?;
    Ok(all
        .into_iter()
        .map(|u| UserSummary {
            role: if u.is_admin {
                Role::Admin
            } else {
                Role::Author
            },
            username: u.username,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        })
        .collect())
}

/// Notes that `user` logged in now.
pub async fn logged_in(db: &DatabaseConnection, id: i32) -> anyhow::Result<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::LastLoginAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await
        .context("failed to note the login")?;
    Ok(())
}

/// Ends every session of `user`, everywhere, and revokes their app tokens.
pub async fn end_all_sessions(db: &DatabaseConnection, user: &user::Model) -> anyhow::Result<()> {
    start_over(db, user, None).await.map(|_| ())
}

/// Raises `user`'s session epoch (ending every session begun before) and
/// revokes their app tokens, with a new password hash if one is given, in
/// one transaction; returns the new epoch.
async fn start_over(
    db: &DatabaseConnection,
    user: &user::Model,
    password_hash: Option<String>,
) -> anyhow::Result<i32> {
    let failed = || format!("failed to end the sessions of {}", user.username);
    let epoch = user.session_epoch + 1;
    let (txn, _turn) = super::begin_write(db).await.with_context(failed)?;
    let mut model: user::ActiveModel = user.clone().into();
    if let Some(hash) = password_hash {
        model.password_hash = Set(hash);
    }
    model.session_epoch = Set(epoch);
    model.update(&txn).await.with_context(failed)?;
    super::tokens::revoke_all(&txn, user.id).await?;
    txn.commit().await.with_context(failed)?;
    Ok(epoch)
}

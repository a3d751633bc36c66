//! Remote accounts as the blog sees them: an RSA-2048 key each, the actor
//! row the blog holds for them (so it never fetches them), and
//! Mastodon-shaped activities they sign for the shared inbox.
//!
//! Signing competes with the server for the cores, so scenarios sign every
//! request before their clock starts and time only the sending.

use std::sync::Arc;

use blog::services::actors::{self, RemoteActorData};
use bytes::Bytes;
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::signing::Key;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// One remote account: `https://{host}/users/{name}`.
pub struct Account {
    pub host: String,
    pub name: String,
    key: Key,
}

impl Account {
    pub fn id(&self) -> String {
        format!("https://{}/users/{}", self.host, self.name)
    }

    /// What the blog would have stored after fetching the account.
    fn remote(&self) -> RemoteActorData {
        let id = self.id();
        RemoteActorData {
            inbox: format!("{id}/inbox"),
            shared_inbox: Some(format!("https://{}/inbox", self.host)),
            public_key_pem: self.key.public_pem.clone(),
            preferred_username: self.name.clone(),
            name: Some(format!("Reader {} of {}", self.name, self.host)),
            url: Some(format!("https://{}/@{}", self.host, self.name)),
            icon_url: None,
            host: self.host.clone(),
            ap_id: id,
        }
    }

    fn sign(&self, base: &str, activity: &serde_json::Value) -> anyhow::Result<Signed> {
        let body = Bytes::from(activity.to_string());
        let host = base.trim_start_matches("http://");
        let key_id = format!("{}#main-key", self.id());
        let headers = self.key.sign_post(&key_id, host, "/inbox", &body)?;
        Ok(Signed { headers, body })
    }
}

/// `count` accounts, account `n` on host and with the name `place(n)` gives;
/// the keys are generated on every core.
pub async fn generate(
    count: usize,
    place: impl Fn(usize) -> (String, String),
) -> anyhow::Result<Vec<Account>> {
    let tasks: Vec<_> = (0..count)
        .map(|_| tokio::task::spawn_blocking(Key::generate))
        .collect();
    let mut accounts = Vec::with_capacity(count);
    for (n, task) in tasks.into_iter().enumerate() {
        let (host, name) = place(n);
        accounts.push(Account {
            host,
            name,
            key: task.await??,
        });
    }
    Ok(accounts)
}

/// Stores the accounts with their public keys, as a fetch would have.
pub async fn store(db: &DatabaseConnection, accounts: &[Account]) -> anyhow::Result<()> {
    for account in accounts {
        actors::upsert(db, account.remote(), chrono::Utc::now()).await?;
    }
    Ok(())
}

/// One inbox POST, signed in advance.
pub struct Signed {
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// Reply number `n` to the post `slug` of the blog at `base`, as Mastodon
/// sends it: a `Create` of a `Note` that mentions the blog.
pub fn reply(account: &Account, n: usize, base: &str, slug: &str) -> anyhow::Result<Signed> {
    let actor = account.id();
    let blog = format!("{base}/users/blog");
    let note = format!("{actor}/statuses/{n}");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let activity = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": format!("{note}/activity"),
        "type": "Create",
        "actor": actor,
        "published": now,
        "to": [PUBLIC],
        "cc": [format!("{actor}/followers"), blog],
        "object": {
            "id": note,
            "type": "Note",
            "attributedTo": actor,
            "inReplyTo": format!("{base}/posts/{slug}"),
            "content": format!(
                "<p><span class=\"h-card\"><a href=\"{base}/@blog\" class=\"u-url mention\">@<span>blog</span></a></span> \
                 Reply number {n}, with <strong>some</strong> words about the post.</p>"
            ),
            "published": now,
            "url": format!("https://{}/@{}/{n}", account.host, account.name),
            "to": [PUBLIC],
            "cc": [format!("{actor}/followers"), blog],
            "sensitive": false,
            "tag": [{ "type": "Mention", "href": blog, "name": "@blog" }],
        },
    });
    account.sign(base, &activity)
}

/// Like number `n` of the post `slug`, as Mastodon sends it.
pub fn like(account: &Account, n: usize, base: &str, slug: &str) -> anyhow::Result<Signed> {
    let actor = account.id();
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}#likes/{n}"),
        "type": "Like",
        "actor": actor,
        "object": format!("{base}/posts/{slug}"),
    });
    account.sign(base, &activity)
}

/// Requests `0..count`, made by `make` on every core.
pub async fn sign_all<F>(count: usize, make: F) -> anyhow::Result<Vec<Signed>>
where
    F: Fn(usize) -> anyhow::Result<Signed> + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let tasks: Vec<_> = (0..threads)
        .map(|first| {
            let make = make.clone();
            tokio::task::spawn_blocking(move || {
                (first..count)
                    .step_by(threads)
                    .map(|n| make(n).map(|signed| (n, signed)))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
        })
        .collect();
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.append(&mut task.await??);
    }
    // In request order, so a schedule sends them as numbered.
    all.sort_by_key(|(n, _)| *n);
    Ok(all.into_iter().map(|(_, signed)| signed).collect())
}

/// One signed POST; its status, 0 when no answer came.
pub async fn post(client: &reqwest::Client, url: &str, request: &Signed) -> u16 {
    let mut builder = client
        .post(url)
        .header("content-type", "application/activity+json")
        .body(request.body.clone());
    for (name, value) in &request.headers {
        builder = builder.header(*name, value);
    }
    match builder.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            // A body cut short still answered with its status.
            let _ = response.bytes().await;
            status
        }
        Err(_) => 0,
    }
}

//! A small remote fediverse server for the tests, built on
//! `activitypub_federation` like a real peer: its own host name, actors with
//! keys, WebFinger, and inboxes that verify every HTTP signature and record
//! what arrives. It can be told to answer with failures first.

use std::{
    collections::{HashMap, VecDeque},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use activitypub_federation::{
    activity_sending::SendActivityTask,
    axum::inbox::{ActivityData, receive_activity},
    config::{Data, FederationConfig},
    fetch::webfinger::webfinger_resolve_actor,
    http_signatures::generate_actor_keypair,
    traits::{Activity, Actor, Object},
};
use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{FromRequest, Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use url::Url;

/// A client that finds every test host on loopback.
pub fn resolving_client(hosts: &[(String, SocketAddr)]) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10));
    for (host, addr) in hosts {
        builder = builder.resolve(host, *addr);
    }
    builder.build().expect("client")
}

#[derive(Debug, Clone)]
pub struct Received {
    pub inbox: String,
    pub activity: Value,
}

#[derive(Clone)]
pub struct PeerData {
    base: String,
    users: Arc<Vec<PeerUser>>,
    received: Arc<Mutex<Vec<Received>>>,
    failures: Arc<Mutex<VecDeque<u16>>>,
    remote: Arc<Mutex<HashMap<Url, RemoteActor>>>,
    notes: Arc<Mutex<HashMap<String, Value>>>,
    note_fetches: Arc<std::sync::atomic::AtomicUsize>,
    /// While set, every fetch of a note answers 503, as a busy server does.
    notes_unavailable: Arc<std::sync::atomic::AtomicBool>,
    /// How long fetches of an account take to answer.
    actor_delay: Arc<Mutex<Duration>>,
    /// Fields that replace those of an account's document, by name.
    actor_fields: Arc<Mutex<HashMap<String, serde_json::Map<String, Value>>>>,
    /// The remote-interaction template WebFinger names, if not the usual.
    interaction_template: Arc<Mutex<Option<String>>>,
}

/// An account on the peer.
#[derive(Debug, Clone)]
pub struct PeerUser {
    pub name: String,
    pub id: Url,
    inbox: Url,
    public_key: String,
    private_key: String,
}

/// An actor of another server (the blog), as the peer caches it.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    id: Url,
    inbox: Url,
    public_key: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteKey {
    public_key_pem: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteDoc {
    id: Url,
    inbox: Url,
    public_key: RemoteKey,
}

#[derive(Debug)]
pub struct PeerError(pub String);

impl From<activitypub_federation::error::Error> for PeerError {
    fn from(err: activitypub_federation::error::Error) -> Self {
        PeerError(err.to_string())
    }
}

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl IntoResponse for PeerError {
    fn into_response(self) -> Response {
        (StatusCode::UNAUTHORIZED, self.0).into_response()
    }
}

#[async_trait::async_trait]
impl Object for RemoteActor {
    type DataType = PeerData;
    type Kind = RemoteDoc;
    type Error = PeerError;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &Data<PeerData>) -> Result<Option<Self>, PeerError> {
        Ok(data.remote.lock().expect("lock").get(&id).cloned())
    }

    async fn into_json(self, _: &Data<PeerData>) -> Result<RemoteDoc, PeerError> {
        Err(PeerError("not served".into()))
    }

    async fn verify(_: &RemoteDoc, _: &Url, _: &Data<PeerData>) -> Result<(), PeerError> {
        Ok(())
    }

    async fn from_json(json: RemoteDoc, data: &Data<PeerData>) -> Result<Self, PeerError> {
        let actor = RemoteActor {
            id: json.id,
            inbox: json.inbox,
            public_key: json.public_key.public_key_pem,
        };
        data.remote
            .lock()
            .expect("lock")
            .insert(actor.id.clone(), actor.clone());
        Ok(actor)
    }
}

impl Actor for RemoteActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

#[async_trait::async_trait]
impl Object for PeerUser {
    type DataType = PeerData;
    type Kind = Value;
    type Error = PeerError;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(id: Url, data: &Data<PeerData>) -> Result<Option<Self>, PeerError> {
        Ok(data.users.iter().find(|u| u.id == id).cloned())
    }

    async fn into_json(self, data: &Data<PeerData>) -> Result<Value, PeerError> {
        Ok(json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.name,
            "name": format!("{} on the peer", self.name),
            "inbox": self.inbox,
            "endpoints": { "sharedInbox": format!("{}/inbox", data.base) },
            "url": format!("{}/@{}", data.base, self.name),
            "icon": { "type": "Image", "url": format!("{}/avatars/{}.png", data.base, self.name) },
            "publicKey": { "id": format!("{}#main-key", self.id), "owner": self.id, "publicKeyPem": self.public_key },
        }))
    }

    async fn verify(_: &Value, _: &Url, _: &Data<PeerData>) -> Result<(), PeerError> {
        Ok(())
    }

    async fn from_json(_: Value, _: &Data<PeerData>) -> Result<Self, PeerError> {
        Err(PeerError("local".into()))
    }
}

impl Actor for PeerUser {
    fn public_key_pem(&self) -> &str {
        &self.public_key
    }
    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key.clone())
    }
    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

/// Any activity, kept as JSON once its signature checked out.
#[derive(Debug, Deserialize, Serialize)]
pub struct AnyActivity {
    id: Url,
    actor: Url,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

#[async_trait::async_trait]
impl Activity for AnyActivity {
    type DataType = PeerData;
    type Error = PeerError;

    fn id(&self) -> &Url {
        &self.id
    }
    fn actor(&self) -> &Url {
        &self.actor
    }
    async fn verify(&self, _: &Data<PeerData>) -> Result<(), PeerError> {
        Ok(())
    }
    async fn receive(self, _: &Data<PeerData>) -> Result<(), PeerError> {
        Ok(())
    }
}

/// Waits until the blog has applied what it was sent.
pub type Settle =
    Arc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync>;

pub struct Peer {
    pub host: String,
    pub base: String,
    settle: Option<Settle>,
    data: PeerData,
    config: Option<FederationConfig<PeerData>>,
    client: Option<reqwest::Client>,
    listener: Option<TcpListener>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Peer {
    /// Binds a port for `host` with these account names; `start` serves it.
    pub async fn bind(host: &str, users: &[&str]) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind peer");
        let port = listener.local_addr().expect("address").port();
        let base = format!("http://{host}:{port}");
        let users = users
            .iter()
            .map(|name| {
                let keys = generate_actor_keypair().expect("keys");
                PeerUser {
                    name: (*name).to_owned(),
                    id: Url::parse(&format!("{base}/users/{name}")).expect("url"),
                    inbox: Url::parse(&format!("{base}/users/{name}/inbox")).expect("url"),
                    public_key: keys.public_key,
                    private_key: keys.private_key,
                }
            })
            .collect();
        let data = PeerData {
            base: base.clone(),
            users: Arc::new(users),
            received: Arc::default(),
            failures: Arc::default(),
            remote: Arc::default(),
            notes: Arc::default(),
            note_fetches: Arc::default(),
            notes_unavailable: Arc::default(),
            actor_delay: Arc::default(),
            actor_fields: Arc::default(),
            interaction_template: Arc::default(),
        };
        Peer {
            host: host.to_owned(),
            base,
            settle: None,
            data,
            config: None,
            client: None,
            listener: Some(listener),
            server: None,
        }
    }

    pub fn addr(&self) -> (String, SocketAddr) {
        let listener = self.listener.as_ref().expect("not started yet");
        (self.host.clone(), listener.local_addr().expect("address"))
    }

    pub async fn start(&mut self, client: reqwest::Client) {
        self.client = Some(client.clone());
        let first = self.data.users[0].clone();
        let config = FederationConfig::builder()
            .domain(self.host.clone())
            .app_data(self.data.clone())
            .client(client.into())
            .debug(true)
            .signed_fetch_actor(&first)
            .build()
            .await
            .expect("peer config");
        let router = Router::new()
            .route("/users/{name}", get(actor))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox))
            .route("/notes/{id}", get(note))
            .route("/.well-known/webfinger", get(webfinger))
            .with_state(config.clone());
        let listener = self.listener.take().expect("start once");
        self.server = Some(tokio::spawn(async move {
            axum::serve(listener, router).await.expect("peer serves");
        }));
        self.config = Some(config);
    }

    /// After each send, wait for `settle` (the blog applies activities
    /// after acknowledging them).
    pub fn after_sending(&mut self, settle: Settle) {
        self.settle = Some(settle);
    }

    async fn settled(&self) {
        if let Some(settle) = &self.settle {
            settle().await;
        }
    }

    fn data(&self) -> Data<PeerData> {
        self.config.as_ref().expect("started").to_request_data()
    }

    pub fn has_user(&self, name: &str) -> bool {
        self.data.users.iter().any(|u| u.name == name)
    }

    pub fn user_count(&self) -> usize {
        self.data.users.len()
    }

    pub fn user(&self, name: &str) -> PeerUser {
        self.data
            .users
            .iter()
            .find(|u| u.name == name)
            .cloned()
            .expect("known user")
    }

    /// The next answers of the inbox, before it accepts again.
    pub fn fail_with(&self, statuses: &[u16]) {
        self.data.failures.lock().expect("lock").extend(statuses);
    }

    pub fn received(&self) -> Vec<Received> {
        self.data.received.lock().expect("lock").clone()
    }

    /// Waits until `count` activities of `kind` have arrived; returns them.
    pub async fn wait_for(&self, kind: &str, count: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let found: Vec<Received> = self
                .received()
                .into_iter()
                .filter(|r| r.activity["type"] == kind)
                .collect();
            if found.len() >= count {
                return found;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited in vain for {count} {kind}; received: {:#?}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Looks `handle` up by WebFinger, as Mastodon does; returns the actor id.
    pub async fn webfinger(&self, handle: &str) -> Url {
        let actor: RemoteActor = webfinger_resolve_actor(handle, &self.data())
            .await
            .expect("webfinger");
        actor.id
    }

    /// Signs and sends `activity` from `user` to `inbox`.
    pub async fn send(&self, user: &str, activity: Value, inbox: &Url) {
        let sender = self.user(user);
        let activity: AnyActivity = serde_json::from_value(activity).expect("activity shape");
        let data = self.data();
        for task in SendActivityTask::prepare(&activity, &sender, vec![inbox.clone()], &data)
            .await
            .expect("prepare")
        {
            task.sign_and_send(&data).await.expect("sent");
        }
        self.settled().await;
    }

    /// Follows the blog at `handle`; returns the Follow's id.
    pub async fn follow(&self, user: &str, handle: &str) -> String {
        let blog = self.webfinger(handle).await;
        let id = format!("{}/follows/{}", self.base, uuid::Uuid::new_v4());
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": "Follow",
            "actor": self.user(user).id,
            "object": blog,
        });
        self.send(user, follow, &inbox_of(&blog)).await;
        id
    }
}

impl Peer {
    /// Makes fetches of an account take `delay` to answer.
    pub fn slow_actors(&self, delay: Duration) {
        *self.data.actor_delay.lock().expect("lock") = delay;
    }

    /// Serves `user`'s document with these fields replaced, as a hostile or
    /// careless server might write it.
    pub fn set_actor_fields(&self, user: &str, fields: Value) {
        let fields = fields.as_object().cloned().unwrap_or_default();
        self.data
            .actor_fields
            .lock()
            .expect("lock")
            .insert(user.to_owned(), fields);
    }

    /// Names this remote-interaction template in WebFinger answers.
    pub fn set_interaction_template(&self, template: &str) {
        *self.data.interaction_template.lock().expect("lock") = Some(template.to_owned());
    }

    /// How often the peer's notes were fetched.
    pub fn note_fetches(&self) -> usize {
        self.data
            .note_fetches
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Makes every fetch of a note answer 503 until called with `false`.
    pub fn notes_unavailable(&self, unavailable: bool) {
        self.data
            .notes_unavailable
            .store(unavailable, std::sync::atomic::Ordering::SeqCst);
    }

    /// A new note id on this peer.
    pub fn note_id(&self) -> String {
        format!("{}/notes/{}", self.base, uuid::Uuid::new_v4())
    }

    /// Serves `note` at its id, as servers do for their posts.
    pub fn publish(&self, note: &Value) {
        let id = note["id"].as_str().expect("note id").to_owned();
        let key = id.rsplit('/').next().expect("last segment").to_owned();
        self.data
            .notes
            .lock()
            .expect("lock")
            .insert(key, note.clone());
    }

    /// A reply from `user` to `in_reply_to`, with a mention of the blog.
    pub fn reply(&self, user: &str, in_reply_to: &str, html: &str) -> Value {
        let actor = self.user(user).id;
        json!({
            "id": self.note_id(),
            "type": "Note",
            "attributedTo": actor,
            "inReplyTo": in_reply_to,
            "content": html,
            "published": "2026-11-20T10:00:00Z",
            "url": format!("{}/@{user}/1", self.base),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{actor}/followers")],
        })
    }

    /// Wraps `object` in a signed activity of `kind` from `user` to `inbox`.
    pub async fn send_activity(
        &self,
        user: &str,
        kind: &str,
        object: Value,
        inbox: &Url,
    ) -> String {
        let actor = self.user(user).id;
        let id = format!("{}/activities/{}", self.base, uuid::Uuid::new_v4());
        let activity = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": kind,
            "actor": actor,
            "object": object,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        });
        self.send(user, activity, inbox).await;
        id
    }

    /// Signs `activity` as the peer's first account, posts it and returns the
    /// status the blog answered with (the library's sender hides 4xx answers).
    pub async fn post_signed(&self, activity: Value, inbox: &Url) -> u16 {
        self.post_signed_at(activity, inbox, std::time::SystemTime::now(), &[])
            .await
            .status()
            .as_u16()
    }

    /// Signs any bytes, valid JSON or not, and posts them.
    pub async fn post_raw_signed(&self, body: Vec<u8>, inbox: &Url) -> reqwest::Response {
        let data = self.data();
        let client = self.client.clone().expect("started");
        let builder = reqwest_middleware::ClientWithMiddleware::from(client.clone())
            .post(inbox.as_str())
            .header("content-type", "application/activity+json")
            .header("host", host_header(inbox))
            .header(
                "date",
                httpdate::fmt_http_date(std::time::SystemTime::now()),
            );
        let request = data
            .sign_request(builder, body.into())
            .await
            .expect("signed");
        let response = client.execute(request).await.expect("sent");
        self.settled().await;
        response
    }

    /// Like `post_signed`, with the signature dated `date` and extra headers.
    pub async fn post_signed_at(
        &self,
        activity: Value,
        inbox: &Url,
        date: std::time::SystemTime,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let data = self.data();
        let body = activity.to_string();
        let client = self.client.clone().expect("started");
        let mut builder = reqwest_middleware::ClientWithMiddleware::from(client.clone())
            .post(inbox.as_str())
            .header("content-type", "application/activity+json")
            .header("date", httpdate::fmt_http_date(date));
        // Signed like every real sender's: for the host it is sent to,
        // unless the test names another.
        if !extra
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            builder = builder.header("host", host_header(inbox));
        }
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        let request = data
            .sign_request(builder, body.into())
            .await
            .expect("signed");
        let response = client.execute(request).await.expect("sent");
        self.settled().await;
        response
    }
}

/// The `Host` header a request to `url` carries.
pub fn host_header(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::new(),
    }
}

impl Peer {
    /// Posts `activity` signed by `user` by hand: the signature covers
    /// exactly `signed` (header names and `(request-target)`), and the
    /// request names `host` (the inbox's own when `None`), so tests can
    /// send what careless or hostile senders do.
    pub async fn post_signed_over(
        &self,
        user: &str,
        activity: &Value,
        inbox: &Url,
        signed: &[&str],
        host: Option<&str>,
    ) -> reqwest::Response {
        use base64::Engine;
        use sha2::{Digest, Sha256};
        let body = activity.to_string();
        let base64 = base64::engine::general_purpose::STANDARD;
        let mut values = HashMap::new();
        values.insert(
            "host",
            host.map_or_else(|| host_header(inbox), str::to_owned),
        );
        values.insert(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        );
        values.insert(
            "digest",
            format!("SHA-256={}", base64.encode(Sha256::digest(body.as_bytes()))),
        );
        values.insert("content-type", "application/activity+json".to_owned());
        values.insert("(request-target)", format!("post {}", inbox.path()));
        let header = self.signature(user, signed, &values);
        let client = self.client.clone().expect("started");
        let mut request = client
            .post(inbox.as_str())
            .header("signature", header)
            .body(body);
        for name in ["host", "date", "digest", "content-type"] {
            request = request.header(name, values[name].as_str());
        }
        let response = request.send().await.expect("sent");
        self.settled().await;
        response
    }
}

impl Peer {
    /// The `Signature` header `user` makes over the `signed` headers, whose
    /// values are in `values`.
    fn signature(&self, user: &str, signed: &[&str], values: &HashMap<&str, String>) -> String {
        self.signature_as(user, &self.user(user).id, signed, values)
    }

    /// A `Signature` made with `user`'s key that names `key_owner`'s key.
    fn signature_as(
        &self,
        user: &str,
        key_owner: &Url,
        signed: &[&str],
        values: &HashMap<&str, String>,
    ) -> String {
        use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
        use base64::Engine;
        let sender = self.user(user);
        let base64 = base64::engine::general_purpose::STANDARD;
        let signing_string = signed
            .iter()
            .map(|name| format!("{name}: {}", values[name]))
            .collect::<Vec<_>>()
            .join("\n");
        let (_, der) = pem_rfc7468::decode_vec(sender.private_key.as_bytes()).expect("PEM");
        let key = RsaKeyPair::from_pkcs8(&der).expect("private key");
        let mut signature = vec![0; key.public_modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            signing_string.as_bytes(),
            &mut signature,
        )
        .expect("signature");
        format!(
            r#"keyId="{key_owner}#main-key",algorithm="rsa-sha256",headers="{}",signature="{}""#,
            signed.join(" "),
            base64.encode(signature)
        )
    }

    /// GETs `url` asking for ActivityPub JSON, as a server in secure mode
    /// does: signed by `user` over `(request-target) host date`.
    pub async fn get_signed(&self, user: &str, url: &str) -> reqwest::Response {
        self.get_signed_as(user, &self.user(user).id, url).await
    }

    /// `get_signed` with `user`'s key, naming `key_owner`'s.
    pub async fn get_signed_as(&self, user: &str, key_owner: &Url, url: &str) -> reqwest::Response {
        let url = Url::parse(url).expect("URL");
        let mut values = HashMap::new();
        values.insert("host", host_header(&url));
        values.insert(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        );
        let target = match url.query() {
            Some(query) => format!("get {}?{query}", url.path()),
            None => format!("get {}", url.path()),
        };
        values.insert("(request-target)", target);
        let header = self.signature_as(
            user,
            key_owner,
            &["(request-target)", "host", "date"],
            &values,
        );
        self.client
            .clone()
            .expect("started")
            .get(url.as_str())
            .header("accept", "application/activity+json")
            .header("signature", header)
            .header("host", values["host"].as_str())
            .header("date", values["date"].as_str())
            .send()
            .await
            .expect("GET")
    }
}

pub fn inbox_of(actor: &Url) -> Url {
    Url::parse(&format!("{actor}/inbox")).expect("inbox URL")
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

async fn actor(
    State(config): State<FederationConfig<PeerData>>,
    Path(name): Path<String>,
) -> Result<Response, PeerError> {
    let data = config.to_request_data();
    let Some(user) = data.users.iter().find(|u| u.name == name).cloned() else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let delay = *data.actor_delay.lock().expect("lock");
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut json = user.into_json(&data).await?;
    if let Some(fields) = data.actor_fields.lock().expect("lock").get(&name) {
        for (key, value) in fields {
            json[key] = value.clone();
        }
    }
    Ok((
        [("content-type", "application/activity+json")],
        json.to_string(),
    )
        .into_response())
}

async fn inbox(State(config): State<FederationConfig<PeerData>>, request: Request) -> Response {
    let data = config.to_request_data();
    if let Some(status) = data.failures.lock().expect("lock").pop_front() {
        return StatusCode::from_u16(status)
            .expect("status")
            .into_response();
    }
    let path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.expect("body");
    let request = Request::from_parts(parts, Body::from(bytes.clone()));
    let activity = match ActivityData::from_request(request, &()).await {
        Ok(activity) => activity,
        Err(response) => return response,
    };
    match receive_activity::<AnyActivity, RemoteActor, PeerData>(activity, &data).await {
        Ok(()) => {
            let activity = serde_json::from_slice(&bytes).expect("JSON body");
            data.received.lock().expect("lock").push(Received {
                inbox: path,
                activity,
            });
            StatusCode::ACCEPTED.into_response()
        }
        Err(err) => (StatusCode::UNAUTHORIZED, err.0).into_response(),
    }
}

async fn note(
    State(config): State<FederationConfig<PeerData>>,
    Path(id): Path<String>,
) -> Response {
    let data = config.to_request_data();
    data.note_fetches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if data
        .notes_unavailable
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy, try later").into_response();
    }
    match data.notes.lock().expect("lock").get(&id) {
        Some(note) => (
            [("content-type", "application/activity+json")],
            note.to_string(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn webfinger(
    State(config): State<FederationConfig<PeerData>>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let data = config.to_request_data();
    let resource = query.get("resource").cloned().unwrap_or_default();
    let name = resource
        .trim_start_matches("acct:")
        .split('@')
        .next()
        .unwrap_or_default()
        .to_owned();
    let Some(user) = data.users.iter().find(|u| u.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let template = data
        .interaction_template
        .lock()
        .expect("lock")
        .clone()
        .unwrap_or_else(|| format!("{}/authorize_interaction?uri={{uri}}", data.base));
    axum::Json(json!({
        "subject": resource,
        "links": [
            { "rel": "self", "type": "application/activity+json", "href": user.id },
            { "rel": "http://ostatus.org/schema/1.0/subscribe", "template": template },
        ],
    }))
    .into_response()
}

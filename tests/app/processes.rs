//! Several `blog serve` processes on one PostgreSQL database, as behind a
//! load balancer: each delivery is sent by exactly one of them, and one that
//! is killed mid-delivery loses nothing.

use std::{
    collections::HashMap,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use blog::{
    app,
    config::Config,
    domain::{Password, Username},
    entities::{delivery, follower},
    services::{
        actors::{self, RemoteActorData},
        posts::{self, PostForm, PostStatus},
        users,
    },
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use tokio::net::TcpListener;

use blog::entities::delivery::DeliveryState;

use crate::helpers::TestDb;

/// A `blog serve` process on a port it bound itself, killed when dropped.
pub struct Process {
    pub child: Child,
    pub port: u16,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The public address the processes of a test share (behind a proxy that
/// passes `Host` on; requests go straight to each process's own port).
pub const PUBLIC_URL: &str = "http://blog.test";

fn serve(db: &TestDb, lease_secs: u64) -> Process {
    serve_with(db, lease_secs, &[])
}

/// `blog serve` on `db` with more `BLOG_*` settings: it binds a port of
/// its own choosing and says which in its log, which is read here and then
/// passed on to the test's output.
pub fn serve_with(db: &TestDb, lease_secs: u64, settings: &[(&str, &str)]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blog"))
        .envs(settings.iter().copied())
        .arg("serve")
        .current_dir(db.dir.path())
        .env("BLOG_DATABASE_URL", &db.url)
        .env("BLOG_DATA_DIR", db.data_dir())
        .env("BLOG_LISTEN", "127.0.0.1:0")
        .env("BLOG_PUBLIC_URL", PUBLIC_URL)
        .env("BLOG_FEDERATION__ALLOW_INSECURE_LOCAL", "true")
        .env(
            "BLOG_FEDERATION__DELIVERY_LEASE_SECS",
            lease_secs.to_string(),
        )
        .env("RUST_LOG", "warn,blog::app=info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("blog serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let (port, _) = reported_port(stderr);
    Process { child, port }
}

/// A server's log as it is written.
pub type Log = Arc<Mutex<String>>;

/// Reads a starting server's log up to the line that names its address;
/// the whole log is kept (and shown with the test's output).
pub fn reported_port(log: impl std::io::Read + Send + 'static) -> (u16, Log) {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(log).lines();
    let mut seen = String::new();
    let port = loop {
        let Some(Ok(line)) = lines.next() else {
            panic!("blog serve stopped before it listened: {seen}");
        };
        if let Some(port) = line
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split([' ', ')']).next())
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|port| port.parse().ok())
        {
            break port;
        }
        seen.push_str(&line);
        seen.push('\n');
    };
    let kept: Log = Arc::new(Mutex::new(seen));
    let writer = kept.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            eprintln!("{line}");
            let mut log = writer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            log.push_str(&line);
            log.push('\n');
        }
    });
    (port, kept)
}

pub async fn wait_until_up(port: u16) {
    let started = Instant::now();
    let client = reqwest::Client::new();
    loop {
        let answer = client.get(format!("http://127.0.0.1:{port}/")).send().await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "blog on port {port} did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every POST received: (inbox URL, activity id).
type Received = Arc<Mutex<Vec<(String, String)>>>;

#[derive(Clone)]
struct Inboxes {
    received: Received,
    delay: Duration,
}

async fn inbox(
    State(inboxes): State<Inboxes>,
    Path(n): Path<u32>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    tokio::time::sleep(inboxes.delay).await;
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let id = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    assert!(headers.contains_key("signature"), "deliveries are signed");
    inboxes
        .received
        .lock()
        .expect("lock")
        .push((format!("http://{host}/inbox/{n}"), id));
    StatusCode::ACCEPTED
}

/// `hosts` servers on distinct loopback addresses (127.0.0.2, .3, ...), each
/// with `per_host` followers with inboxes of their own. Returns the inboxes.
async fn followers_on_loopback(
    db: &sea_orm::DatabaseConnection,
    received: Received,
    hosts: u8,
    per_host: u32,
    delay: Duration,
) -> Vec<String> {
    let mut inboxes = Vec::new();
    for h in 0..hosts {
        let listener = TcpListener::bind(format!("127.0.0.{}:0", h + 2))
            .await
            .expect("bind a loopback address");
        let host = listener.local_addr().expect("address").to_string();
        let router = Router::new()
            .route("/inbox/{n}", post(inbox))
            .with_state(Inboxes {
                received: received.clone(),
                delay,
            });
        tokio::spawn(async move { axum::serve(listener, router).await });
        for n in 0..per_host {
            let ap_id = format!("http://{host}/users/{n}");
            let inbox = format!("http://{host}/inbox/{n}");
            let actor = actors::upsert(
                db,
                RemoteActorData {
                    ap_id: ap_id.clone(),
                    inbox: inbox.clone(),
                    shared_inbox: None,
                    public_key_pem: "unused".into(),
                    preferred_username: format!("reader{n}"),
                    name: None,
                    host: host.clone(),
                    url: None,
                    icon_url: None,
                },
                chrono::Utc::now(),
            )
            .await
            .expect("actor stored");
            follower::ActiveModel {
                actor_id: Set(actor.id),
                follow_ap_id: Set(format!("{ap_id}#follow")),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await
            .expect("follower stored");
            inboxes.push(inbox);
        }
    }
    inboxes
}

pub async fn publish(db: &sea_orm::DatabaseConnection, author: i32, title: &str) {
    let form = PostForm {
        title: title.into(),
        body: format!("{title}, for every follower."),
        ..Default::default()
    };
    let valid = form.validate(chrono_tz::Tz::UTC).expect("valid post");
    posts::create(db, author, valid, PostStatus::Published, chrono::Utc::now())
        .await
        .expect("post published");
}

async fn wait_for(received: &Received, count: usize, within: Duration) {
    let started = Instant::now();
    while received.lock().expect("lock").len() < count {
        assert!(
            started.elapsed() < within,
            "only {} of {count} deliveries arrived",
            received.lock().expect("lock").len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn open(db: &TestDb) -> sea_orm::DatabaseConnection {
    let config = Config {
        database_url: Some(db.url.clone()),
        ..Config::default()
    };
    app::connect(&config).await.expect("test connection")
}

pub async fn admin(db: &sea_orm::DatabaseConnection) -> i32 {
    users::create(
        db,
        &Username::parse("alice").expect("name"),
        &Password::parse("correct horse battery staple".into()).expect("password"),
        true,
    )
    .await
    .expect("admin")
    .id
}

/// Two `blog serve` processes started together on a fresh PostgreSQL
/// database (so migrations race), with an admin and 100 followers on ten
/// loopback hosts whose inboxes answer after `delay`. `None` on SQLite.
struct Cluster {
    first: Process,
    second: Process,
    db: sea_orm::DatabaseConnection,
    author: i32,
    received: Received,
    inboxes: Vec<String>,
    _store: TestDb,
}

async fn cluster(test: &str, lease_secs: u64, delay: Duration) -> Option<Cluster> {
    let store = TestDb::postgres(test).await?;
    let first = serve(&store, lease_secs);
    let second = serve(&store, lease_secs);
    wait_until_up(first.port).await;
    wait_until_up(second.port).await;
    let db = open(&store).await;
    let author = admin(&db).await;
    let received = Received::default();
    let inboxes = followers_on_loopback(&db, received.clone(), 10, 10, delay).await;
    Some(Cluster {
        first,
        second,
        db,
        author,
        received,
        inboxes,
        _store: store,
    })
}

#[tokio::test]
async fn two_processes_send_every_delivery_exactly_once() {
    let Some(Cluster {
        first: _first,
        second: _second,
        db,
        author,
        received,
        inboxes,
        _store,
    }) = cluster(
        "two_processes_send_every_delivery_exactly_once",
        120,
        Duration::from_millis(20),
    )
    .await
    else {
        return;
    };

    for n in 1..=3 {
        publish(&db, author, &format!("Letter {n}")).await;
    }
    let expected = inboxes.len() * 3;
    wait_for(&received, expected, Duration::from_secs(60)).await;
    // Every delivery recorded as delivered: no process will send again.
    let started = Instant::now();
    while delivery::Entity::find()
        .filter(delivery::Column::State.ne(DeliveryState::Delivered))
        .count(&db)
        .await
        .expect("deliveries")
        > 0
    {
        assert!(started.elapsed() < Duration::from_secs(60), "never settled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let received = received.lock().expect("lock").clone();
    let mut counts: HashMap<&(String, String), usize> = HashMap::new();
    for pair in &received {
        *counts.entry(pair).or_default() += 1;
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(received.len(), expected);
    for inbox in &inboxes {
        let creates = received.iter().filter(|(to, _)| to == inbox).count();
        assert_eq!(creates, 3, "{inbox} should hold three posts");
    }
    let open_rows = delivery::Entity::find()
        .filter(delivery::Column::State.ne(DeliveryState::Delivered))
        .all(&db)
        .await
        .expect("deliveries");
    assert!(open_rows.is_empty(), "{open_rows:?}");
}

#[tokio::test]
async fn a_process_killed_mid_delivery_loses_nothing() {
    let Some(Cluster {
        first: _survivor,
        second: victim,
        db,
        author,
        received,
        inboxes,
        _store,
    }) = cluster(
        "a_process_killed_mid_delivery_loses_nothing",
        2,
        Duration::from_millis(300),
    )
    .await
    else {
        return;
    };

    publish(&db, author, "Before the crash").await;
    wait_for(&received, 10, Duration::from_secs(30)).await;
    drop(victim);
    let in_flight = delivery::Entity::find()
        .filter(delivery::Column::State.eq(DeliveryState::Pending))
        .all(&db)
        .await
        .expect("deliveries")
        .len();
    assert!(in_flight > 0, "the kill should come mid-delivery");

    let started = Instant::now();
    loop {
        let pending = delivery::Entity::find()
            .filter(delivery::Column::State.ne(DeliveryState::Delivered))
            .all(&db)
            .await
            .expect("deliveries");
        if pending.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} deliveries never went out",
            pending.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let received = received.lock().expect("lock").clone();
    for inbox in &inboxes {
        assert!(
            received.iter().any(|(to, _)| to == inbox),
            "{inbox} never got the post"
        );
    }
}

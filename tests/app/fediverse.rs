//! A small fediverse on loopback: the blog as `blog.test` and peers with
//! their own host names, all resolving each other through one client.

use serde_json::Value;
use tokio::net::TcpListener;

use crate::{
    helpers::{TestApp, TestDb},
    peer::{Peer, resolving_client},
};

pub struct Fediverse {
    pub blog: TestApp,
    pub peers: Vec<Peer>,
}

impl Fediverse {
    /// The blog plus one peer per `(host, accounts)`.
    pub async fn start(peers: &[(&str, &[&str])]) -> Fediverse {
        Self::start_with(peers, &[], |_| {}).await
    }

    /// Like `start`, with more host names the blog resolves (other servers
    /// a test runs itself) and changes to the blog's configuration.
    pub async fn start_with(
        peers: &[(&str, &[&str])],
        others: &[(&str, std::net::SocketAddr)],
        change: impl FnOnce(&mut blog::config::Config),
    ) -> Fediverse {
        Self::start_with_clock(peers, others, blog::clock::Clock::system(), change).await
    }

    /// Like `start_with`, the blog going by `clock`.
    pub async fn start_with_clock(
        peers: &[(&str, &[&str])],
        others: &[(&str, std::net::SocketAddr)],
        clock: blog::clock::Clock,
        change: impl FnOnce(&mut blog::config::Config),
    ) -> Fediverse {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind blog");
        let blog_addr = listener.local_addr().expect("address");
        let mut bound = Vec::new();
        for (host, users) in peers {
            bound.push(Peer::bind(host, users).await);
        }
        let mut hosts = vec![("blog.test".to_owned(), blog_addr)];
        hosts.extend(bound.iter().map(Peer::addr));
        hosts.extend(
            others
                .iter()
                .map(|(host, addr)| ((*host).to_owned(), *addr)),
        );
        let client = resolving_client(&hosts);
        for peer in &mut bound {
            peer.start(client.clone()).await;
        }
        let blog =
            TestApp::start_on_clock(TestDb::new().await, listener, Some(client), clock, |c| {
                c.public_url = format!("http://blog.test:{}", blog_addr.port())
                    .parse()
                    .expect("URL");
                c.federation.allow_insecure_local = true;
                c.federation.retry_delay_ms = 100;
                change(c);
            })
            .await;
        let settle = crate::helpers::settle_hook(&blog.config).await;
        for peer in &mut bound {
            peer.after_sending(settle.clone());
        }
        Fediverse { blog, peers: bound }
    }

    /// A blog that shows replies at once, with one published post titled
    /// `title`, and its admin's logged-in client.
    pub async fn with_open_post(
        peers: &[(&str, &[&str])],
        title: &str,
        change: impl FnOnce(&mut blog::config::Config),
    ) -> (Fediverse, reqwest::Client) {
        let net = Fediverse::start_with(peers, &[], |c| {
            c.moderation.policy = blog::config::ModerationPolicy::Open;
            change(c);
        })
        .await;
        let admin = net.blog.logged_in_admin().await;
        net.blog
            .write_post(&admin, &[("title", title), ("body", "x")], "publish")
            .await;
        (net, admin)
    }

    /// Whether the blog refuses a Follow from the first peer's `user` (403).
    pub async fn refuses_follow_from(&self, user: &str) -> bool {
        let peer = &self.peers[0];
        let follow = serde_json::json!({
            "id": format!("{}/follows/{}", peer.base, uuid::Uuid::new_v4()),
            "type": "Follow",
            "actor": peer.user(user).id,
            "object": self.blog_url("/users/blog"),
        });
        peer.post_signed(follow, &self.inbox()).await == 403
    }

    pub fn handle(&self) -> String {
        format!("blog@blog.test:{}", self.blog.config.listen.port())
    }

    /// The blog's shared inbox, as peers post to it.
    pub fn inbox(&self) -> url::Url {
        url::Url::parse(&self.blog_url("/inbox")).expect("URL")
    }

    pub fn blog_url(&self, path: &str) -> String {
        format!(
            "http://blog.test:{}{}",
            self.blog.config.listen.port(),
            path
        )
    }

    /// GETs a blog path as a fediverse server would, asking for ActivityPub JSON.
    pub async fn get_json(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        let response = reqwest::Client::new()
            .get(self.blog.url(path))
            .header(
                "accept",
                "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            )
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }
}

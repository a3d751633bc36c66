//! Every captured fixture, mutated (truncated, wrong types, huge strings,
//! deep nesting) and sent signed to the inbox: never a 5xx, the server stays
//! up, and a refused activity stores nothing.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::fediverse::Fediverse;

/// A small deterministic generator, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn fixtures() -> Vec<(String, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fediverse");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fixtures").flatten() {
        if !dir.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(dir.path()).expect("dir").flatten() {
            let text = std::fs::read_to_string(file.path()).expect("read");
            let mut value: Value = serde_json::from_str(&text).expect("JSON");
            if let Some(body) = value.pointer("/init/body").and_then(Value::as_str) {
                value = serde_json::from_str(body).expect("body");
            }
            out.push((file.path().display().to_string(), value));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// One mutation of `doc`, as the bytes to send.
fn mutate(doc: &Value, rng: &mut Rng) -> Vec<u8> {
    let mut doc = doc.clone();
    let fields = keys(&doc);
    let field = fields
        .get(rng.below(fields.len()))
        .cloned()
        .unwrap_or_else(|| "object".into());
    match rng.below(6) {
        0 => {
            let text = doc.to_string();
            let cut = rng.below(text.len());
            return text.as_bytes()[..cut].to_vec();
        }
        1 => {
            doc[&field] =
                [json!(null), json!(42), json!(true), json!([]), json!({})][rng.below(5)].clone()
        }
        2 => doc[&field] = json!("x".repeat(200_000)),
        3 => {
            let mut deep = json!("bottom");
            for _ in 0..(10 + rng.below(60)) {
                deep = json!({ "a": deep });
            }
            doc[&field] = deep;
        }
        4 => {
            if let Some(object) = doc.get_mut("object").and_then(Value::as_object_mut) {
                let inner: Vec<String> = object.keys().cloned().collect();
                if let Some(key) = inner.get(rng.below(inner.len())) {
                    object.insert(key.clone(), json!([[[[null]]]]));
                }
            }
        }
        _ => {
            if let Some(map) = doc.as_object_mut() {
                map.remove(&field);
            }
        }
    }
    doc.to_string().into_bytes()
}

async fn stored(net: &Fediverse) -> (u64, u64, u64) {
    let db = &net.blog.db;
    (
        blog::entities::comment::Entity::find()
            .count(db)
            .await
            .expect("count"),
        blog::entities::reaction::Entity::find()
            .count(db)
            .await
            .expect("count"),
        blog::entities::follower::Entity::find()
            .count(db)
            .await
            .expect("count"),
    )
}

#[tokio::test]
async fn mutated_fixtures_never_cause_a_server_error_and_refusals_store_nothing() {
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    let admin = net.blog.logged_in_admin().await;
    net.blog
        .write_post(&admin, &[("title", "Target"), ("body", "x")], "publish")
        .await;
    let peer = &net.peers[0];
    let alice = peer.user("alice").id;
    let post = net.blog_url("/posts/target");
    let inbox = url::Url::parse(&net.blog_url("/inbox")).expect("URL");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut sent = 0;

    for (name, fixture) in fixtures() {
        // Make the fixture come from alice and, where it replies, about our post,
        // so mutations reach the parsers rather than stopping at the signature.
        let mut base = fixture.clone();
        if base.is_object() {
            base["actor"] = json!(alice);
            base["id"] = json!(format!("{}/fixtures/{}", peer.base, uuid::Uuid::new_v4()));
            if let Some(object) = base.get_mut("object").and_then(Value::as_object_mut) {
                object.insert("attributedTo".into(), json!(alice));
                object.insert(
                    "id".into(),
                    json!(format!("{}/notes/{}", peer.base, uuid::Uuid::new_v4())),
                );
                object.insert("inReplyTo".into(), json!(post));
            }
        }
        for round in 0..6 {
            let body = mutate(&base, &mut rng);
            let before = stored(&net).await;
            let response = peer.post_raw_signed(body, &inbox).await;
            let status = response.status().as_u16();
            sent += 1;
            assert!(
                status < 500,
                "{name} mutation {round}: {status} {:?}",
                response.text().await
            );
            if status >= 400 {
                assert_eq!(
                    stored(&net).await,
                    before,
                    "{name} mutation {round} was refused ({status}) but stored something"
                );
            }
        }
    }

    assert!(sent >= 200, "{sent} mutations sent");
    assert_eq!(
        net.blog.get(&net.blog.client(), "/").await.status(),
        200,
        "still serving"
    );
}

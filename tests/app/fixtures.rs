//! Follow and Undo payloads captured from other servers parse into the
//! inbox's activity types.

use blog::federation::activities::InboxActivity;

fn load(path: &str) -> serde_json::Value {
    let full = format!(
        "{}/tests/fixtures/fediverse/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&full).expect("fixture")).expect("JSON")
}

fn parse(value: serde_json::Value) -> InboxActivity {
    serde_json::from_value(value).expect("parses as an inbox activity")
}

#[test]
fn follows_from_mastodon_osada_and_hubzilla_parse_as_follows() {
    for path in [
        "mastodon/follow.json",
        "osada/follow-inline-actor.json",
        "hubzilla/follow-inline-actor-id-only.json",
    ] {
        let fixture = load(path);
        match parse(fixture.clone()) {
            InboxActivity::Follow(follow) => {
                assert_eq!(
                    follow.id.as_str(),
                    fixture["id"].as_str().expect("id"),
                    "{path}"
                );
                assert_eq!(
                    follow.object.0.as_str(),
                    fixture["object"].as_str().expect("object"),
                    "{path}"
                );
                let actor = fixture["actor"]
                    .as_str()
                    .or_else(|| fixture["actor"]["id"].as_str())
                    .expect("actor");
                assert_eq!(follow.actor.inner().as_str(), actor, "{path}");
            }
            other => panic!("{path} parsed as {other:?}"),
        }
    }
}

#[test]
fn follows_embedded_in_accepts_from_mastodon_and_mbin_parse_as_follows() {
    for path in ["mastodon/accept-follow.json", "mbin/accept-follow.json"] {
        let embedded = load(path)["object"].clone();
        assert!(
            matches!(parse(embedded), InboxActivity::Follow(_)),
            "{path}"
        );
    }
}

#[test]
fn undos_from_mastodon_parse_as_undos_and_know_what_they_undo() {
    let follow = load("mastodon/undo-follow.json");
    let like = load("mastodon/undo-like.json");

    let InboxActivity::Undo(undo_follow) = parse(follow) else {
        panic!("not an Undo")
    };
    let InboxActivity::Undo(undo_like) = parse(like) else {
        panic!("not an Undo")
    };

    assert_eq!(undo_follow.object["type"], "Follow");
    assert_eq!(undo_like.object["type"], "Like");
}

#[test]
fn a_mastodon_account_deletion_is_recognised_as_one() {
    let InboxActivity::Delete(delete) = parse(load("mastodon/delete-actor-self.json")) else {
        panic!("not a Delete")
    };

    assert!(delete.is_self_delete());
}

#[test]
fn mastodons_report_names_the_account_and_its_posts() {
    let report = load("mastodon/flag-report-to-as-string.json");

    let InboxActivity::Flag(flag) = parse(report) else {
        panic!("a Flag is read as a report")
    };

    assert_eq!(
        flag.objects(),
        [
            "https://example.com/users/1",
            "https://example.com/posts/380590",
            "https://example.com/posts/380591"
        ]
    );
    assert_eq!(
        flag.content.as_deref(),
        Some("Please take a look at this user and their posts")
    );
}

#[test]
fn every_report_and_move_among_the_fixtures_is_read_as_one() {
    let mut reports = 0;
    for (path, payload) in every_payload() {
        if !matches!(payload["type"].as_str(), Some("Flag" | "Move")) {
            continue;
        }
        match (payload["type"].as_str(), parse(payload.clone())) {
            (Some("Flag"), InboxActivity::Flag(flag)) => {
                assert!(!flag.objects().is_empty(), "{path} names nothing");
                reports += 1;
            }
            (Some("Move"), InboxActivity::Move(moving)) => {
                assert_eq!(
                    moving.object.as_str(),
                    Some(moving.actor.inner().as_str()),
                    "{path}"
                );
            }
            (Some(kind @ ("Flag" | "Move")), other) => {
                panic!("{path}: a {kind} is read as {other:?}")
            }
            _ => {}
        }
    }
    assert!(reports > 0, "the fixtures hold reports");
}

#[test]
fn accepts_parse_as_answers_that_a_quote_request_may_be_waiting_for() {
    for path in ["mastodon/accept-follow.json", "mbin/accept-follow.json"] {
        let fixture = load(path);
        let InboxActivity::Answer(answer) = parse(fixture.clone()) else {
            panic!("{path} is not read as an answer")
        };
        assert_eq!(
            answer.envelope.id.as_str(),
            fixture["id"].as_str().expect("id")
        );
        assert!(answer.result.is_none(), "{path}");
    }
}

/// Every JSON payload under `tests/fixtures/fediverse`, by its path there.
fn every_payload() -> Vec<(String, serde_json::Value)> {
    fn walk(
        dir: &std::path::Path,
        root: &std::path::Path,
        out: &mut Vec<(String, serde_json::Value)>,
    ) {
        for entry in std::fs::read_dir(dir).expect("fixture folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let name = path.strip_prefix(root).expect("under root");
                let text = std::fs::read_to_string(&path).expect("fixture");
                if let Ok(value) = serde_json::from_str(&text) {
                    out.push((name.to_string_lossy().into_owned(), value));
                }
            }
        }
    }
    let root = std::path::PathBuf::from(format!(
        "{}/tests/fixtures/fediverse",
        env!("CARGO_MANIFEST_DIR")
    ));
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The object a payload carries: an activity's embedded object, or itself.
fn object_of(payload: &serde_json::Value) -> &serde_json::Value {
    match payload.get("object") {
        Some(object) if object.is_object() => object,
        _ => payload,
    }
}

#[test]
fn the_quoted_post_is_read_from_every_quote_field_and_only_from_those() {
    use blog::federation::objects::note::quoted;
    let expected = [
        (
            "akkoma/note-quote-quoteUri-quoteUrl.json",
            "https://mas.to/users/bascule/statuses/112793660647233531",
        ),
        (
            "fedibird/note-quote-quoteUri.json",
            "https://fedibird.com/users/yamako/statuses/107699333438289729",
        ),
        (
            "misskey/note-quote.json",
            "https://misskey.io/notes/8vs6wxufd0",
        ),
    ];
    let payloads = every_payload();
    assert!(payloads.len() > 90, "the fixtures are there");
    for (path, payload) in &payloads {
        let want = expected
            .iter()
            .find(|(name, _)| name == path)
            .map(|(_, url)| (*url).to_owned());
        assert_eq!(quoted(object_of(payload)), want, "{path}");
    }
    let bookwyrm = payloads
        .iter()
        .find(|(path, _)| path == "bookwyrm/quotation-quote-field-string.json")
        .expect("BookWyrm's quotation");
    assert_eq!(
        object_of(&bookwyrm.1)["quote"],
        "quote body",
        "a passage of a book, which is no quoted post"
    );
}

#[test]
fn the_conversation_is_read_where_it_can_be_fetched() {
    use blog::federation::objects::note::conversation;
    let fetchable = [
        (
            "fedibird/note-quote-quoteUri.json",
            "https://fedibird.com/contexts/107699335988345290",
        ),
        (
            "lemmy/page.json",
            "https://enterprise.lemmy.ml/post/55143/context",
        ),
        (
            "wordpress/article-long-content-interaction-policy.json",
            "https://dbzer0.com/wp-json/activitypub/1.0/posts/27948/context",
        ),
        (
            "mitra/create-note-fep8b32-proof.json",
            "https://mitra.social/collections/conversations/019f57cf-693a-77f2-b006-c4d06a6602cb",
        ),
    ];
    let mut seen = 0;
    for (path, payload) in every_payload() {
        let object = object_of(&payload);
        let found = conversation(object).map(|url| url.to_string());
        match object.get("context").and_then(|c| c.as_str()) {
            Some(raw) if raw.starts_with("https://") || raw.starts_with("http://") => {
                seen += 1;
                assert_eq!(found.as_deref(), Some(raw), "{path}");
            }
            // A `tag:` name, or none: nothing to fetch.
            _ => assert_eq!(found, None, "{path}"),
        }
        if let Some((_, want)) = fetchable.iter().find(|(name, _)| *name == path) {
            assert_eq!(found.as_deref(), Some(*want), "{path}");
        }
    }
    assert!(seen >= fetchable.len(), "{seen}");
}

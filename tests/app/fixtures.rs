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
fn activities_the_inbox_does_not_act_on_are_still_understood() {
    let accept = load("mastodon/accept-follow.json");

    assert!(matches!(parse(accept), InboxActivity::Other(_)));
}

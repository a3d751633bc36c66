//! The JSON-LD context every document carries. Strict peers (Fedify and
//! other JSON-LD processors) drop terms that are not declared, such as
//! `publicKey` without the security vocabulary.

use serde_json::{Value, json};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "toot": "http://joinmastodon.org/ns#",
            "schema": "http://schema.org#",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// `value` with the context added as its first key.
pub fn with_context(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut out = serde_json::Map::with_capacity(fields.len() + 1);
            out.insert("@context".into(), context());
            out.extend(fields);
            Value::Object(out)
        }
        other => other,
    }
}

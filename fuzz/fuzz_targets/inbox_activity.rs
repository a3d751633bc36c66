//! Whatever arrives at the inbox: the activity parser and the reply reader
//! must return an error or a value, never panic.
#![no_main]

use blog::{
    config::Config,
    federation::{Urls, activities::InboxActivity, objects::note::parse_reply},
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<InboxActivity>(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let urls = Urls::new(&Config::default());
        let object = value.get("object").cloned().unwrap_or(value);
        let _ = parse_reply(&object, &urls);
    }
});

use blog::config::Config;

#[test]
fn the_example_configuration_parses_and_documents_every_key() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .expect("config.example.toml");

    let config = Config::from_toml(&text).expect("example parses");

    assert_eq!(config.public_url.as_str(), "https://blog.example.org/");
    assert_eq!(config.blog.username, "blog");
    assert!(!config.federation.allow_insecure_local);
    // Every key of the full configuration appears in the example.
    let all = toml_keys(&Config::default());
    for key in all {
        assert!(
            text.contains(&format!("{key} =")),
            "config.example.toml does not document `{key}`"
        );
    }
    for key in [
        "database_url",
        "theme_dir",
        "avatar_url",
        "fediverse_creator",
        "dir",
    ] {
        assert!(
            text.contains(&format!("{key} =")),
            "config.example.toml does not document `{key}`"
        );
    }
}

fn toml_keys(config: &Config) -> Vec<String> {
    let value = serde_json::to_value(config).expect("serialises");
    let mut keys = Vec::new();
    for (key, value) in value.as_object().expect("object") {
        match value.as_object() {
            Some(section) => keys.extend(section.keys().cloned()),
            None => keys.push(key.clone()),
        }
    }
    keys
}

#[test]
fn an_unknown_key_is_rejected_with_its_name() {
    let err = Config::from_toml("public_url = \"https://x.org\"\ntitel = \"typo\"\n")
        .expect_err("unknown key");

    assert!(err.to_string().contains("titel"), "{err}");
}

#[test]
fn an_unknown_key_in_a_section_is_rejected_with_its_name() {
    let err = Config::from_toml("[blog]\nusrname = \"typo\"\n").expect_err("unknown key");

    assert!(err.to_string().contains("usrname"), "{err}");
}

#[test]
fn an_empty_file_gives_the_documented_defaults() {
    let config = Config::from_toml("").expect("defaults");

    assert_eq!(config.public_url.as_str(), "http://localhost:8080/");
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, std::path::PathBuf::from("./data"));
    assert_eq!(config.database_url(), "sqlite://./data/blog.db?mode=rwc");
    assert_eq!(config.blog.username, "blog");
}

#[test]
fn bad_values_get_a_clear_message() {
    let err = Config::from_toml("public_url = \"ftp://x.org\"").expect_err("bad scheme");
    assert!(
        err.to_string().contains("public_url must start with http"),
        "{err}"
    );

    let err = Config::from_toml("[blog]\nusername = \"Not Valid\"").expect_err("bad handle");
    assert!(format!("{err:#}").contains("blog.username"), "{err:#}");

    let err = Config::from_toml("listen = \"nowhere\"").expect_err("bad address");
    assert!(err.to_string().contains("listen"), "{err}");
}

#[test]
fn https_public_urls_mark_cookies_secure() {
    let config = Config::from_toml("public_url = \"https://x.org\"").expect("valid");

    assert!(config.https());
    assert_eq!(
        blog::urls::Urls::new(&config).absolute("/posts/a"),
        "https://x.org/posts/a"
    );
}

#[test]
fn rel_me_links_and_the_fediverse_handle_are_checked() {
    for (toml, complaint) in [
        (
            "[blog]\nme_links = [\"javascript:alert(1)\"]",
            "blog.me_links",
        ),
        (
            "[blog]\nfediverse_creator = \"alice\"",
            "blog.fediverse_creator",
        ),
        (
            "[blog]\nfediverse_creator = \"@a b@c\"",
            "blog.fediverse_creator",
        ),
        ("[blog]\ntimezone = \"Mars/Olympus\"", "blog.timezone"),
        ("[media]\nmax_upload_mib = 0", "media.max_upload_mib"),
    ] {
        let err = Config::from_toml(toml).expect_err(toml).to_string();
        assert!(err.contains(complaint), "{toml}: {err}");
    }
    let ok = Config::from_toml(
        "[blog]\nme_links = [\"https://a.example/@me\"]\nfediverse_creator = \"@me@a.example\"",
    )
    .expect("valid");
    assert_eq!(ok.blog.me_links, ["https://a.example/@me"]);
}

//! "Reply from your fediverse account" and "Follow from your fediverse
//! account": find the visitor's server by WebFinger and send them to its
//! page for interacting with our post or account (the OStatus subscribe
//! template, which Mastodon, Misskey, Pleroma and others answer).

use serde_json::Value;

use super::FedData;
use crate::domain::HostName;

const SUBSCRIBE_REL: &str = "http://ostatus.org/schema/1.0/subscribe";

/// Why a handle could not be used, in words for the visitor.
#[derive(Debug, thiserror::Error)]
pub enum InteractError {
    #[error(
        "Type your fediverse address as name@server.example, for example alice@mastodon.social."
    )]
    BadHandle,
    #[error("Could not reach {0} to look up your account. Check the address and try again.")]
    Unreachable(String),
    #[error(
        "{0} does not offer a way to open this from your account. Search for this page's address in your app instead."
    )]
    NoTemplate(String),
}

fn split_handle(handle: &str) -> Option<(&str, &str)> {
    let handle = handle.trim().trim_start_matches('@');
    let (user, host) = handle.split_once('@')?;
    let valid_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    (!user.is_empty() && valid_host && !user.contains('/')).then_some((user, host))
}

/// Largest WebFinger answer read: real ones are under a few KiB.
const MAX_JRD: usize = 64 * 1024;

/// The address on the visitor's own server where they can answer `target`:
/// only ever on the handle's own server (or a subdomain of it, where a
/// server's web address is a subdomain of its handles' domain), over
/// https unless local peers are allowed, so the blog cannot be made to
/// send visitors anywhere else.
pub async fn remote_interaction_url(
    data: &FedData,
    handle: &str,
    target: &str,
) -> Result<String, InteractError> {
    let (user, host) = split_handle(handle).ok_or(InteractError::BadHandle)?;
    let insecure = data.config.federation.allow_insecure_local;
    let scheme = if insecure { "http" } else { "https" };
    let unreachable = || InteractError::Unreachable(host.to_owned());
    let mut lookup = url::Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
        .map_err(|_| InteractError::BadHandle)?;
    HostName::of_url(&lookup).ok_or(InteractError::BadHandle)?;
    lookup
        .query_pairs_mut()
        .append_pair("resource", &format!("acct:{user}@{host}"));
    super::ssrf::check_url(&lookup, insecure).map_err(|refusal| {
        tracing::info!(%refusal, "remote interaction lookup refused");
        unreachable()
    })?;
    let failed = |err: &dyn std::fmt::Display| {
        tracing::info!(error = %err, %lookup, "remote interaction lookup failed");
        unreachable()
    };
    let response = data
        .client
        .get(lookup.as_str())
        .header("accept", "application/jrd+json, application/json")
        .send()
        .await
        .map_err(|err| failed(&format!("{err:#}")))?;
    if !response.status().is_success() {
        return Err(failed(&response.status()));
    }
    let body = super::fetch::read_limited(response, MAX_JRD)
        .await
        .map_err(|err| failed(&err))?;
    let jrd: Value = serde_json::from_slice(&body).map_err(|err| failed(&err))?;
    let template = jrd
        .get("links")
        .and_then(Value::as_array)
        .and_then(|links| {
            links.iter().find_map(|l| {
                (l.get("rel")?.as_str()? == SUBSCRIBE_REL).then(|| l.get("template")?.as_str())?
            })
        })
        .filter(|t| t.contains("{uri}"))
        .ok_or_else(|| InteractError::NoTemplate(host.to_owned()))?;
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    let destination = url::Url::parse(&template.replace("{uri}", &encoded))
        .map_err(|_| InteractError::NoTemplate(host.to_owned()))?;
    if !on_their_server(&destination, &lookup, insecure) {
        tracing::info!(%destination, "remote interaction template leads off the handle's server");
        return Err(InteractError::NoTemplate(host.to_owned()));
    }
    Ok(destination.into())
}

/// Whether `destination` is on the server `lookup` asked (or a subdomain
/// of it), on the same port, over https (http only for local testing).
fn on_their_server(destination: &url::Url, lookup: &url::Url, insecure: bool) -> bool {
    let Some(server) = HostName::of_url(lookup) else {
        return false;
    };
    HostName::of_url(destination).is_some_and(|h| h.is_within(&server))
        && destination.port() == lookup.port()
        && (destination.scheme() == "https" || (insecure && destination.scheme() == "http"))
}

#[cfg(test)]
mod tests {
    use super::{on_their_server, split_handle};

    #[test]
    fn visitors_are_sent_only_to_their_own_server_over_https() {
        let url = |s: &str| url::Url::parse(s).expect(s);
        let lookup = url("https://social.example/.well-known/webfinger");
        for (destination, allowed) in [
            ("https://social.example/authorize_interaction?uri=x", true),
            ("https://app.social.example/interact?uri=x", true),
            ("http://social.example/authorize_interaction?uri=x", false),
            ("https://evil.example/authorize?uri=x", false),
            ("https://social.example.evil.example/x", false),
            ("https://social.example:8443/x", false),
            ("javascript:alert(1)", false),
        ] {
            assert_eq!(
                on_their_server(&url(destination), &lookup, false),
                allowed,
                "{destination}"
            );
        }
        let local = url("http://peer.test:8081/.well-known/webfinger");
        assert!(on_their_server(
            &url("http://peer.test:8081/x"),
            &local,
            true
        ));
        assert!(!on_their_server(
            &url("http://peer.test:8081/x"),
            &local,
            false
        ));
    }

    #[test]
    fn handles_are_read_with_or_without_the_leading_at() {
        assert_eq!(
            split_handle("@alice@social.example"),
            Some(("alice", "social.example"))
        );
        assert_eq!(
            split_handle(" bob@example.org:8080 "),
            Some(("bob", "example.org:8080"))
        );
        assert_eq!(split_handle("alice"), None);
        assert_eq!(split_handle("alice@evil.example/path"), None);
        assert_eq!(split_handle("@example.org"), None);
    }
}

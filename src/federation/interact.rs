//! "Reply from your fediverse account": find the visitor's server by
//! WebFinger and send them to its page for interacting with our post.

use serde_json::Value;

use super::FedData;

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
        "{0} does not offer a way to reply from your account. Copy the post's address into your app's search instead."
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

/// The address on the visitor's own server where they can answer `target`.
pub async fn remote_interaction_url(
    data: &FedData,
    handle: &str,
    target: &str,
) -> Result<String, InteractError> {
    let (user, host) = split_handle(handle).ok_or(InteractError::BadHandle)?;
    let scheme = if data.config.federation.allow_insecure_local {
        "http"
    } else {
        "https"
    };
    let resource: String =
        url::form_urlencoded::byte_serialize(format!("acct:{user}@{host}").as_bytes()).collect();
    let lookup = format!("{scheme}://{host}/.well-known/webfinger?resource={resource}");
    let unreachable = || InteractError::Unreachable(host.to_owned());
    let parsed = url::Url::parse(&lookup).map_err(|_| InteractError::BadHandle)?;
    super::ssrf::check_url(&parsed, data.config.federation.allow_insecure_local)
        .map_err(|_| unreachable())?;
    let response = data
        .client
        .get(&lookup)
        .header("accept", "application/jrd+json, application/json")
        .send()
        .await
        .map_err(|_| unreachable())?;
    if !response.status().is_success() {
        return Err(unreachable());
    }
    let body = response.bytes().await.map_err(|_| unreachable())?;
    if body.len() > 256 * 1024 {
        return Err(unreachable());
    }
    let jrd: Value = serde_json::from_slice(&body).map_err(|_| unreachable())?;
    let template = jrd
        .get("links")
        .and_then(Value::as_array)
        .and_then(|links| {
            links.iter().find_map(|l| {
                (l.get("rel")?.as_str()? == SUBSCRIBE_REL).then(|| l.get("template")?.as_str())?
            })
        })
        .filter(|t| t.contains("{uri}") && (t.starts_with("https://") || t.starts_with("http://")))
        .ok_or_else(|| InteractError::NoTemplate(host.to_owned()))?;
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    Ok(template.replace("{uri}", &encoded))
}

#[cfg(test)]
mod tests {
    use super::split_handle;

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

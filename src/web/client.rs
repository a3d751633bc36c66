//! The client's real address behind a reverse proxy. When the connection
//! comes from a configured trusted proxy, the address its `X-Forwarded-For`
//! gives (the last hop that is not itself a trusted proxy) replaces the
//! connection's address for everything downstream: rate limits and logs.
//! From anyone else the header is ignored, so clients cannot pick their
//! own address.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

use super::WebState;

pub async fn real_address(
    State(state): State<WebState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !state.trusted_proxies.is_empty()
        && let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>()
    {
        let client = client_of(peer.ip(), request.headers(), &state.trusted_proxies);
        if client != peer.ip() {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(client, 0)));
        }
    }
    next.run(request).await
}

/// Walks `X-Forwarded-For` from the nearest hop back while hops are trusted.
fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().expect("header"));
        }
        map
    }

    #[test]
    fn only_trusted_proxies_are_believed_and_only_up_to_the_first_untrusted_hop() {
        let trusted: Vec<IpNet> = vec![
            "127.0.0.1/32".parse().expect("net"),
            "10.0.0.0/8".parse().expect("net"),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        // A client sending its own header straight to the blog is ignored.
        assert_eq!(
            client_of(ip("203.0.113.9"), &headers(&["1.2.3.4"]), &trusted),
            ip("203.0.113.9")
        );
        // Through the proxy: the proxy's view of the client counts, whatever
        // the client claimed before it.
        assert_eq!(
            client_of(
                ip("127.0.0.1"),
                &headers(&["1.2.3.4, 203.0.113.9"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
        // Two proxies in a row.
        assert_eq!(
            client_of(
                ip("127.0.0.1"),
                &headers(&["203.0.113.9", "10.1.1.1"]),
                &trusted
            ),
            ip("203.0.113.9")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(
            client_of(ip("127.0.0.1"), &headers(&[]), &trusted),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_of(ip("127.0.0.1"), &headers(&["unknown"]), &trusted),
            ip("127.0.0.1")
        );
    }
}

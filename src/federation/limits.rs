//! Rate limits on the inbox. Before a request's signature is verified it
//! is counted against the client address it came from (an IPv6 client by
//! its /64); only once the signature verifies is it counted against the
//! sending server too. A request that merely claims to come from a server,
//! unsigned or badly signed, never uses up that server's allowance.

use std::net::SocketAddr;

use axum::{extract::ConnectInfo, http::request::Parts};

use super::error::FedError;
use crate::{
    domain::HostName,
    limits::{ClientKey, KeyedLimiter},
};

pub struct InboxLimits {
    by_address: KeyedLimiter<ClientKey>,
    by_server: KeyedLimiter<HostName>,
}

impl InboxLimits {
    /// `per_minute` requests from each address and from each server, with
    /// bursts of the same size.
    pub fn new(per_minute: u32) -> InboxLimits {
        InboxLimits {
            by_address: KeyedLimiter::per_minute(per_minute),
            by_server: KeyedLimiter::per_minute(per_minute),
        }
    }

    /// Counts one request from the client behind `parts`, before anything
    /// in it is believed.
    pub fn check_client(&self, parts: &Parts) -> Result<(), FedError> {
        match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => self
                .by_address
                .check(&ClientKey::of(peer.ip()))
                .map_err(FedError::too_many),
            None => Ok(()),
        }
    }

    /// Counts one request whose signature by an actor on `server` verified.
    pub fn check_server(&self, server: &HostName) -> Result<(), FedError> {
        self.by_server.check(server).map_err(FedError::too_many)
    }

    /// Keys held, for tests of the memory bound.
    pub fn keys(&self) -> usize {
        self.by_address.len() + self.by_server.len()
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use axum::{extract::ConnectInfo, http::Request};

    use super::InboxLimits;
    use crate::domain::HostName;

    fn parts(from: &str) -> axum::http::request::Parts {
        let mut request = Request::new(());
        let addr: SocketAddr = from.parse().expect("address");
        request.extensions_mut().insert(ConnectInfo(addr));
        request.into_parts().0
    }

    #[test]
    fn one_verified_server_is_limited_whatever_addresses_it_uses() {
        let limits = InboxLimits::new(3);
        let busy = HostName::parse("busy.example").expect("host");
        for n in 1..=3 {
            assert!(
                limits
                    .check_client(&parts(&format!("192.0.2.{n}:443")))
                    .is_ok()
            );
            assert!(limits.check_server(&busy).is_ok());
        }
        let refused = limits
            .check_server(&busy)
            .expect_err("fourth from the server");
        assert_eq!(refused.status, axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.retry_after.is_some_and(|s| s >= 1));
        let quiet = HostName::parse("quiet.example").expect("host");
        assert!(limits.check_server(&quiet).is_ok());
    }

    #[test]
    fn one_address_is_limited_and_an_ipv6_network_counts_as_one() {
        let limits = InboxLimits::new(3);
        for n in 1..=3 {
            let from = format!("[2001:db8:7:7::{n}]:5000");
            assert!(limits.check_client(&parts(&from)).is_ok());
        }
        assert!(limits.check_client(&parts("[2001:db8:7:7::99]:1")).is_err());
        assert!(limits.check_client(&parts("[2001:db8:7:8::1]:1")).is_ok());
    }
}

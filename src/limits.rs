//! Rate limits keyed by who is asking, with memory that stays bounded
//! however many distinct keys arrive: keys that are back to a full
//! allowance are forgotten, and when an attacker brings more live keys
//! than `MAX_KEYS` the oldest state is dropped wholesale.

use std::{
    hash::Hash,
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};

/// Who a request comes from, for counting: an IPv4 address, or the /64
/// an IPv6 address belongs to (one subscriber's whole network, which a
/// client can hop through at will).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> ClientKey {
        match ip.to_canonical() {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => {
                let [a, b, c, d, ..] = v6.segments();
                ClientKey(IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0)))
            }
        }
    }
}

/// A keyed limiter that prunes itself.
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: RwLock<Arc<DefaultKeyedRateLimiter<K>>>,
    quota: Quota,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    /// Live keys kept at most; past this the state starts afresh.
    pub const MAX_KEYS: usize = 100_000;
    /// How often (in checks) forgotten keys are swept.
    const SWEEP_EVERY: u64 = 4096;

    pub fn new(quota: Quota) -> KeyedLimiter<K> {
        KeyedLimiter {
            limiter: RwLock::new(Arc::new(DefaultKeyedRateLimiter::keyed(quota))),
            quota,
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// `per_minute` requests a minute, in bursts of the same size.
    pub fn per_minute(per_minute: u32) -> KeyedLimiter<K> {
        let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        KeyedLimiter::new(Quota::per_minute(rate).allow_burst(rate))
    }

    /// Counts one request for `key`; `Err(seconds)` to wait when over.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(Self::SWEEP_EVERY)
        {
            self.prune();
        }
        self.current()
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    fn current(&self) -> Arc<DefaultKeyedRateLimiter<K>> {
        self.limiter
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Forgets keys back at a full allowance; if too many keys remain, all.
    pub fn prune(&self) {
        let current = self.current();
        current.retain_recent();
        if current.len() > Self::MAX_KEYS {
            tracing::warn!(
                keys = current.len(),
                "rate limiter holds too many keys; starting afresh"
            );
            *self
                .limiter
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Arc::new(DefaultKeyedRateLimiter::keyed(self.quota));
            return;
        }
        current.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.current().len()
    }

    pub fn is_empty(&self) -> bool {
        self.current().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        let a = ClientKey::of("2001:db8:1:2:aaaa::1".parse().expect("ip"));
        let b = ClientKey::of("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().expect("ip"));
        let other = ClientKey::of("2001:db8:1:3::1".parse().expect("ip"));
        assert_eq!(a, b);
        assert_ne!(a, other);
        let mapped = ClientKey::of("::ffff:192.0.2.1".parse().expect("ip"));
        assert_eq!(mapped, ClientKey::of("192.0.2.1".parse().expect("ip")));
    }

    #[test]
    fn many_distinct_keys_do_not_grow_memory_without_bound() {
        let limiter: KeyedLimiter<u32> = KeyedLimiter::per_minute(10);
        let total = KeyedLimiter::<u32>::MAX_KEYS as u32 * 2 + 7;
        for key in 0..total {
            assert!(limiter.check(&key).is_ok());
        }
        limiter.prune();
        assert!(
            limiter.len() <= KeyedLimiter::<u32>::MAX_KEYS,
            "{} keys kept",
            limiter.len()
        );
    }

    #[test]
    fn a_key_over_its_allowance_waits() {
        let limiter: KeyedLimiter<&str> = KeyedLimiter::per_minute(2);
        assert!(limiter.check(&"a").is_ok());
        assert!(limiter.check(&"a").is_ok());
        assert!(limiter.check(&"a").is_err_and(|wait| wait >= 1));
        assert!(limiter.check(&"b").is_ok());
    }
}

//! Failed-authentication limit per client address: after too many bad keys
//! in a window, further attempts from that address get 429 until it passes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts failed authentications per address.
#[derive(Debug)]
pub struct FailureLimiter {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl FailureLimiter {
    /// Allows `limit` failures per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds to wait when the address is over its limit, else `None`.
    pub fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().ok()?;
        let list = map.get_mut(&ip)?;
        while list
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.window)
        {
            list.pop_front();
        }
        if list.is_empty() {
            map.remove(&ip);
            return None;
        }
        if list.len() as u32 >= self.limit {
            let oldest = *list.front()?;
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Some(wait.as_secs().max(1));
        }
        None
    }

    /// Records one failure from the address.
    pub fn record(&self, ip: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            // Bound memory under a flood of distinct addresses.
            if map.len() > 100_000 {
                map.clear();
            }
            map.entry(ip).or_default().push_back(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_only_that_address() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
        let a: IpAddr = "127.0.0.2".parse().expect("ip");
        let b: IpAddr = "127.0.0.3".parse().expect("ip");
        for _ in 0..2 {
            limiter.record(a);
        }
        assert_eq!(limiter.blocked(a), None);
        limiter.record(a);
        assert!(limiter.blocked(a).is_some_and(|s| (1..=60).contains(&s)));
        assert_eq!(limiter.blocked(b), None);
    }

    #[test]
    fn failures_expire_after_the_window() {
        let limiter = FailureLimiter::new(1, Duration::from_millis(20));
        let a: IpAddr = "127.0.0.2".parse().expect("ip");
        limiter.record(a);
        assert!(limiter.blocked(a).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(limiter.blocked(a), None);
    }
}

//! Failed-authentication limits per client address. Wrong passwords: after
//! too many in a window, every sign-in from that address gets 429 until it
//! passes (a password can be guessed, so a right one is not let through
//! either). Wrong API keys: the failing attempts alone are slowed down, then
//! refused; a valid key is always served, so one misconfigured script
//! behind a shared address does not lock out everyone else there.

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

    /// Records a failed attempt and says how to answer it: the first half
    /// of the allowed failures at once, the rest after a pause that grows
    /// with each, and any beyond the limit refused until the window passes.
    pub fn fail(&self, ip: IpAddr) -> FailedAttempt {
        if let Some(retry_after) = self.blocked(ip) {
            return FailedAttempt::Refuse { retry_after };
        }
        self.record(ip);
        let count = self
            .failures
            .lock()
            .ok()
            .and_then(|map| map.get(&ip).map(VecDeque::len))
            .unwrap_or(1) as u32;
        let unslowed = self.limit.div_ceil(2);
        let pause = SLOWDOWN_STEP.saturating_mul(count.saturating_sub(unslowed));
        FailedAttempt::Answer {
            after: pause.min(SLOWDOWN_MAX),
        }
    }
}

/// How much longer each failed attempt past the first half of the limit
/// waits for its answer than the one before.
const SLOWDOWN_STEP: Duration = Duration::from_millis(250);
/// The longest a failed attempt waits for its answer.
const SLOWDOWN_MAX: Duration = Duration::from_secs(2);

/// How to answer a failed authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedAttempt {
    /// Answer it as a failure, after this pause.
    Answer { after: Duration },
    /// Refuse it (429) with `Retry-After` in seconds.
    Refuse { retry_after: u64 },
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
    fn failed_attempts_are_slowed_then_refused() {
        let limiter = FailureLimiter::new(5, Duration::from_secs(60));
        let a: IpAddr = "127.0.0.2".parse().expect("ip");
        let pauses: Vec<FailedAttempt> = (0..6).map(|_| limiter.fail(a)).collect();
        let ms = |n| FailedAttempt::Answer {
            after: Duration::from_millis(n),
        };
        assert_eq!(&pauses[..5], &[ms(0), ms(0), ms(0), ms(250), ms(500)]);
        assert!(matches!(
            pauses[5],
            FailedAttempt::Refuse { retry_after } if (1..=60).contains(&retry_after)
        ));
        let b: IpAddr = "127.0.0.3".parse().expect("ip");
        assert_eq!(limiter.fail(b), ms(0), "other addresses are not affected");
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

/// Requests per API key: a token bucket per key. An empty bucket answers
/// 429 with `Retry-After`.
#[derive(Debug)]
pub struct KeyLimiter {
    /// Requests a key may make in a burst.
    burst: f64,
    /// Requests per second a key regains.
    rate: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl KeyLimiter {
    /// `rate` requests per second with bursts of `burst`; a rate of 0 turns
    /// the limit off.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            burst: burst.max(1.0),
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the key's bucket; the seconds to wait when empty.
    pub fn take(&self, key_id: i64) -> Option<u64> {
        if self.rate <= 0.0 {
            return None;
        }
        let now = Instant::now();
        let mut map = self.buckets.lock().ok()?;
        if map.len() > 100_000 {
            map.clear();
        }
        let (tokens, last) = map.entry(key_id).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            None
        } else {
            Some(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn bursts_then_waits_per_key() {
        let limiter = KeyLimiter::new(1.0, 3.0);
        for _ in 0..3 {
            assert_eq!(limiter.take(1), None);
        }
        assert_eq!(limiter.take(1), Some(1));
        assert_eq!(limiter.take(2), None, "other keys have their own bucket");
        assert_eq!(KeyLimiter::new(0.0, 1.0).take(1), None, "rate 0: no limit");
    }
}

//! A per-service gate: at most so many requests per interval (a token
//! bucket holding one interval's worth, so a short list goes out at once)
//! and at most so many at a time; a `Retry-After` closes the gate for
//! everyone until it passes.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::config::RateLimit;

#[derive(Debug)]
pub(crate) struct Gate {
    slots: Semaphore,
    /// Time for one token to come back.
    refill: Duration,
    capacity: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    /// No request before this (a service's `Retry-After`).
    closed_until: Option<Instant>,
}

impl Gate {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let requests = limit.requests.max(1);
        Self {
            slots: Semaphore::new(limit.concurrent.max(1)),
            refill: limit.per / requests,
            capacity: f64::from(requests),
            bucket: Mutex::new(Bucket {
                tokens: f64::from(requests),
                updated: Instant::now(),
                closed_until: None,
            }),
        }
    }

    /// Waits for a free slot and a token; the slot is held until the permit
    /// is dropped, i.e. for the whole request.
    pub(crate) async fn enter(&self) -> Option<SemaphorePermit<'_>> {
        let permit = self.slots.acquire().await.ok()?;
        loop {
            let wait = self.take_token(Instant::now());
            match wait {
                None => return Some(permit),
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Takes a token, or says how long until one is there.
    fn take_token(&self, now: Instant) -> Option<Duration> {
        let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = bucket.closed_until {
            if until > now {
                return Some(until - now);
            }
            bucket.closed_until = None;
        }
        if !self.refill.is_zero() {
            let earned = now.saturating_duration_since(bucket.updated).as_secs_f64()
                / self.refill.as_secs_f64();
            bucket.tokens = (bucket.tokens + earned).min(self.capacity);
        } else {
            bucket.tokens = self.capacity;
        }
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            let missing = 1.0 - bucket.tokens;
            Some(self.refill.mul_f64(missing).max(Duration::from_millis(1)))
        }
    }

    /// Lets no request through for `wait` (the service said so).
    pub(crate) fn close_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        bucket.closed_until = Some(bucket.closed_until.map_or(until, |u| u.max(until)));
        bucket.tokens = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_one_interval_through_then_spaces_requests() {
        let gate = Gate::new(RateLimit::new(2, Duration::from_secs(1), 4));
        let now = Instant::now();
        assert_eq!(gate.take_token(now), None);
        assert_eq!(gate.take_token(now), None);
        let wait = gate.take_token(now).expect("the third waits");
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        assert_eq!(gate.take_token(now + Duration::from_millis(500)), None);
    }

    #[test]
    fn closing_holds_every_request() {
        let gate = Gate::new(RateLimit::new(100, Duration::from_secs(1), 4));
        gate.close_for(Duration::from_secs(2));
        let wait = gate.take_token(Instant::now()).expect("closed");
        assert!(wait > Duration::from_secs(1));
    }
}

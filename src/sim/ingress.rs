//! Traefik's RateLimit middleware: a token bucket per route (here: per class).
//!
//! Traefik reserves a token (golang.org/x/time/rate semantics): the bucket refills at
//! `rate` up to `burst`; a reservation may drive it negative, and the request then waits
//! until its token exists — unless that wait would exceed 1/(2·rate), in which case the
//! reservation is cancelled and Traefik answers 429 at once.

use crate::model::{RateLimit, SimTime};

/// What the bucket says to one request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Admission {
    Now,
    After(SimTime),
    Reject,
}

#[derive(Clone, Debug)]
pub struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(limit: RateLimit) -> Self {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst),
            last: SimTime::ZERO,
        }
    }

    pub fn admit(&mut self, now: SimTime) -> Admission {
        let elapsed_s = (now - self.last).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed_s * self.limit.rate_per_s).min(f64::from(self.limit.burst));
        self.last = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return Admission::Now;
        }
        let wait = SimTime::from_secs_f64(-self.tokens / self.limit.rate_per_s);
        if wait > self.limit.max_delay() {
            self.tokens += 1.0; // cancel the reservation
            Admission::Reject
        } else {
            Admission::After(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over T seconds of heavy demand the bucket lets through rate × T + burst requests
    /// (the ones admitted now or after a delay), within one.
    #[test]
    fn admits_rate_times_t_plus_burst() {
        let limit = RateLimit {
            rate_per_s: 10.0,
            burst: 25,
        };
        let mut b = TokenBucket::new(limit);
        let t_s = 60.0;
        let mut admitted = 0u32;
        let mut max_wait = SimTime::ZERO;
        // 1,000 requests per second, evenly spaced.
        for i in 0..(t_s as u64 * 1000) {
            let now = SimTime::from_secs_f64(i as f64 / 1000.0);
            match b.admit(now) {
                Admission::Now => admitted += 1,
                Admission::After(w) => {
                    admitted += 1;
                    max_wait = max_wait.max(w);
                }
                Admission::Reject => {}
            }
        }
        let expected = limit.rate_per_s * t_s + f64::from(limit.burst);
        assert!(
            (f64::from(admitted) - expected).abs()
                <= 1.0 + limit.rate_per_s * limit.max_delay().as_secs_f64(),
            "{admitted} vs {expected}"
        );
        assert!(max_wait <= limit.max_delay());
    }

    #[test]
    fn light_traffic_passes_at_once() {
        let mut b = TokenBucket::new(RateLimit {
            rate_per_s: 5.0,
            burst: 1,
        });
        for i in 0..100 {
            assert_eq!(b.admit(SimTime::from_secs(i)), Admission::Now);
        }
    }
}

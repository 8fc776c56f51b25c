//! Traefik's RateLimit middleware: a token bucket per source (client IP) of a route (here:
//! of a class), in each Traefik replica's memory ([`RouteBuckets`]).
//!
//! Traefik reserves a token (golang.org/x/time/rate semantics): the bucket refills at
//! `rate` up to `burst`; a reservation may drive it negative, and the request then waits
//! until its token exists — unless that wait would exceed `RateLimit::max_delay`, in which
//! case the reservation is cancelled and Traefik answers 429 at once. A source idle for
//! longer than its bucket's ttl is forgotten and starts again full.
//!
//! The same bucket also stands for an external API's own rate limit
//! (`integrations.<name>.rate_limit`): API providers reject rather than delay, so a call
//! that finds no whole token is answered 429 at once ([`TokenBucket::take`]).

use crate::engine::Draws;
use crate::model::{RateLimit, SimTime};
use rand::Rng as _;

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
    /// Traefik forgets a source idle this long (`RateLimit::ttl`); an API's quota never
    /// forgets (`SimTime::MAX`).
    ttl: SimTime,
}

impl TokenBucket {
    /// A full bucket that never forgets (an API's quota).
    pub fn new(limit: RateLimit) -> Self {
        TokenBucket {
            limit,
            tokens: f64::from(limit.burst),
            last: SimTime::ZERO,
            ttl: SimTime::MAX,
        }
    }

    /// A full bucket of Traefik's, forgotten after `limit.ttl()` idle.
    pub fn traefik(limit: RateLimit) -> Self {
        TokenBucket {
            ttl: limit.ttl(),
            ..TokenBucket::new(limit)
        }
    }
}

/// The buckets of one rate-limited route: one per source in each Traefik replica, index
/// `replica × sources + source`.
#[derive(Clone, Debug)]
pub struct RouteBuckets {
    buckets: Vec<TokenBucket>,
    sources: u32,
    replicas: u32,
}

impl RouteBuckets {
    pub fn new(limit: RateLimit, replicas: u32) -> Self {
        let n = limit.sources as usize * replicas as usize;
        RouteBuckets {
            buckets: vec![TokenBucket::traefik(limit); n],
            sources: limit.sources,
            replicas,
        }
    }

    /// The request whose ingress draws are `draws` (its own stream: `Streams::ingress`)
    /// reaches Traefik replica and source chosen evenly, and asks that bucket.
    #[inline]
    pub fn admit(&mut self, now: SimTime, draws: impl FnOnce() -> Draws) -> Admission {
        let i = if self.buckets.len() == 1 {
            0
        } else {
            let mut d = draws();
            let source = below(d.next_u64(), self.sources);
            let replica = below(d.next_u64(), self.replicas);
            replica as usize * self.sources as usize + source as usize
        };
        self.buckets[i].admit(now)
    }
}

/// `x` (uniform on u64) mapped onto `0..n` by a multiply and shift (Lemire): exact enough
/// (bias below n / 2⁶⁴) and the same on every machine.
fn below(x: u64, n: u32) -> u32 {
    ((u128::from(x) * u128::from(n)) >> 64) as u32
}

impl TokenBucket {
    pub fn admit(&mut self, now: SimTime) -> Admission {
        if now - self.last > self.ttl {
            // Traefik's ttlmap forgot the source: a new, full bucket.
            self.tokens = f64::from(self.limit.burst);
        }
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

impl TokenBucket {
    /// An API provider's limit: takes a token if a whole one is there, else rejects at
    /// once (no reservation, no delay). A rejected call leaves the bucket as it was.
    pub fn take(&mut self, now: SimTime) -> bool {
        let elapsed_s = (now - self.last).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed_s * self.limit.rate_per_s).min(f64::from(self.limit.burst));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
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
            sources: 1,
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
            sources: 1,
        });
        for i in 0..100 {
            assert_eq!(b.admit(SimTime::from_secs(i)), Admission::Now);
        }
    }

    /// An API's bucket never admits more than rate × T + burst calls over T (strict), and
    /// under a flood uses every token: the rest are rejected at once.
    #[test]
    fn take_admits_at_most_rate_times_t_plus_burst_and_rejects_the_rest() {
        let limit = RateLimit {
            rate_per_s: 40.0,
            burst: 80,
            sources: 1,
        };
        let mut b = TokenBucket::new(limit);
        let t_s = 120.0;
        let (mut admitted, mut rejected) = (0u32, 0u32);
        // 1,000 calls per second, evenly spaced: 25 × the rate.
        let demand = t_s as u64 * 1000;
        for i in 0..demand {
            let now = SimTime::from_secs_f64(i as f64 / 1000.0);
            if b.take(now) {
                admitted += 1;
            } else {
                rejected += 1;
            }
        }
        let bound = limit.rate_per_s * t_s + f64::from(limit.burst);
        assert!(f64::from(admitted) <= bound, "{admitted} > {bound}");
        // Tokens refilled after the last call (1 ms) and a fraction of one are all that
        // can be left unused.
        assert!(f64::from(admitted) >= bound - 1.0, "{admitted} ≪ {bound}");
        assert_eq!(u64::from(admitted + rejected), demand);
    }

    /// Light traffic: every call gets a token; the bucket refills between calls.
    #[test]
    fn take_passes_light_traffic_and_never_delays() {
        let mut b = TokenBucket::new(RateLimit {
            rate_per_s: 2.0,
            burst: 1,
            sources: 1,
        });
        for i in 0..100 {
            assert!(b.take(SimTime::from_secs(i)));
        }
        // Two calls at the same instant with burst 1: the second is rejected.
        assert!(!b.take(SimTime::from_secs(99)));
    }
}

//! Non-homogeneous Poisson arrivals of one class, by thinning (Lewis & Shedler, 1979).
//!
//! Candidates are drawn at the segment's maximum rate and accepted with probability
//! rate(t)/max. Because the Poisson process is memoryless, a candidate that falls past the
//! segment's end is discarded and drawing restarts at the next segment with its own bound.
//! On flat segments every candidate is accepted without a draw. A class with fixed arrival
//! times (`at:`) has no process: its instants come in order.

use crate::engine::Rng;
use crate::model::{RateSegment, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp1};

/// The arrival process of one class.
pub struct ArrivalStream {
    /// Fixed instants (`at:`), in time order, instead of the Poisson process.
    fixed: Vec<SimTime>,
    segments: Vec<RateSegment>,
    seg: usize,
    /// Time of the last arrival (or segment start), in seconds, kept in f64 so that
    /// rounding to nanoseconds does not accumulate.
    t_s: f64,
    rng: Rng,
}

impl ArrivalStream {
    pub fn new(segments: Vec<RateSegment>, rng: Rng) -> Self {
        let t_s = segments.first().map_or(0.0, |s| s.start.as_secs_f64());
        ArrivalStream {
            fixed: Vec::new(),
            segments,
            seg: 0,
            t_s,
            rng,
        }
    }

    /// Arrivals at the given instants (in time order), no draws.
    pub fn fixed(times: Vec<SimTime>, rng: Rng) -> Self {
        ArrivalStream {
            fixed: times,
            ..ArrivalStream::new(Vec::new(), rng)
        }
    }

    /// The next arrival time, or `None` once the horizon is exhausted.
    #[inline]
    pub fn next(&mut self) -> Option<SimTime> {
        if !self.fixed.is_empty() {
            let t = self.fixed.get(self.seg).copied();
            self.seg += 1;
            return t;
        }
        while let Some(seg) = self.segments.get(self.seg) {
            let end_s = seg.end.as_secs_f64();
            if seg.max_rate <= 0.0 {
                self.seg += 1;
                self.t_s = end_s;
                continue;
            }
            let gap: f64 = Exp1.sample(&mut self.rng);
            self.t_s += gap / seg.max_rate;
            if self.t_s >= end_s {
                self.seg += 1;
                self.t_s = end_s;
                continue;
            }
            if seg.is_flat() || self.rng.random::<f64>() * seg.max_rate < seg.rate_at(self.t_s) {
                return Some(SimTime::from_secs_f64(self.t_s));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Key, replication_seed, stream};

    fn seg(start: u64, end: u64, scale: f64, ramps: Vec<(f64, f64)>) -> RateSegment {
        let (a, b) = (start as f64, end as f64);
        let max_rate = ramps
            .iter()
            .fold(scale, |acc, (p, q)| acc * (p + q * a).max(p + q * b));
        RateSegment {
            start: SimTime::from_secs(start),
            end: SimTime::from_secs(end),
            scale,
            ramps,
            max_rate,
        }
    }

    /// Counts per 10-minute bucket are Poisson with mean = ∫ rate: a chi-square test over
    /// the buckets (df = buckets) must not reject at the 0.1 % level, and the total must lie
    /// within 4 standard deviations.
    #[test]
    fn counts_match_the_integrated_rate() {
        // Flat, ramp up ×1→×4 over an hour, flat ×4, ramp down, zero rate, flat.
        let segments = vec![
            seg(0, 3600, 5.0, vec![]),
            seg(
                3600,
                7200,
                5.0,
                vec![(1.0 - 3.0 * 3600.0 / 3600.0, 3.0 / 3600.0)],
            ),
            seg(7200, 10800, 20.0, vec![]),
            seg(
                10800,
                14400,
                5.0,
                vec![(4.0 + 3.0 * 10800.0 / 3600.0, -3.0 / 3600.0)],
            ),
            seg(14400, 18000, 0.0, vec![]),
            seg(18000, 21600, 2.0, vec![]),
        ];
        let seed = 20261122;
        let mut s = ArrivalStream::new(
            segments.clone(),
            stream(replication_seed(seed, 0), Key::named("arrivals", "test")),
        );
        let width = 600.0;
        let nb = 36;
        let mut counts = vec![0u64; nb];
        let mut last = SimTime::ZERO;
        while let Some(t) = s.next() {
            assert!(t >= last, "arrivals out of order");
            last = t;
            counts[(t.as_secs_f64() / width) as usize] += 1;
        }
        let mut chi2 = 0.0;
        let mut df = 0;
        let mut total_expected = 0.0;
        for (b, &observed) in counts.iter().enumerate() {
            let (a, e) = (b as f64 * width, (b + 1) as f64 * width);
            let expected: f64 = segments
                .iter()
                .map(|sg| {
                    let lo = a.max(sg.start.as_secs_f64());
                    let hi = e.min(sg.end.as_secs_f64());
                    if hi <= lo {
                        return 0.0;
                    }
                    // Trapezoid is exact: at most one linear factor per segment here.
                    (sg.rate_at(lo) + sg.rate_at(hi)) / 2.0 * (hi - lo)
                })
                .sum();
            total_expected += expected;
            if expected > 0.0 {
                chi2 += (observed as f64 - expected).powi(2) / expected;
                df += 1;
            } else {
                assert_eq!(
                    observed, 0,
                    "seed {seed}: arrivals in a zero-rate bucket {b}"
                );
            }
        }
        // χ²(0.999, 30) = 59.70
        assert_eq!(df, 30);
        assert!(chi2 < 59.70, "seed {seed}: chi-square {chi2:.1} on {df} df");
        let total: u64 = counts.iter().sum();
        assert!(
            (total as f64 - total_expected).abs() < 4.0 * total_expected.sqrt(),
            "seed {seed}: {total} vs {total_expected}"
        );
    }
}

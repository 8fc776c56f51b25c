//! Simulation time: integer nanoseconds since the start of the horizon.
//!
//! Integer time makes event ordering exact and runs reproducible; floating-point seconds
//! appear only at the edges (sampling, reporting). A `u64` of nanoseconds spans 584 years,
//! far beyond the horizon cap.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in (or a span of) simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    const NS_PER_S: f64 = 1e9;

    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000_000)
    }

    /// Converts seconds to the nearest nanosecond, saturating at the bounds.
    pub fn from_secs_f64(s: f64) -> SimTime {
        debug_assert!(!s.is_nan());
        // Adding ½ rounds non-negative values to nearest without a libm call, and the
        // signed conversion is a single instruction where the unsigned one is a sequence:
        // both show up in profiles of the event loop. Negative values clamp to 0; `as`
        // saturates at i64::MAX (292 years), far beyond the horizon cap.
        SimTime((s * Self::NS_PER_S + 0.5).max(0.0) as i64 as u64)
    }

    /// `ns.ceil() as u64` for non-negative `ns` (saturating at the top as `as` does),
    /// without libm's `ceil`, a function call on baseline x86-64: the conversion
    /// truncates, and one is added when that dropped a fraction.
    #[inline]
    pub fn from_nanos_ceil(ns: f64) -> SimTime {
        debug_assert!(ns >= 0.0, "{ns}");
        let whole = ns as u64;
        SimTime(whole.saturating_add(u64::from((whole as f64) < ns)))
    }

    /// Seconds. A division, not a multiplication by 1e-9, so that round values stay exact
    /// (120 s is 120.0, not 120.00000000000001).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as i64 as f64 / Self::NS_PER_S
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }

    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        debug_assert!(self >= rhs, "negative time span");
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Unsigned: `as_secs_f64` is signed for speed and wraps above 292 years.
        let s = self.0 as f64 / Self::NS_PER_S;
        if s >= 3600.0 {
            write!(f, "{:.2}h", s / 3600.0)
        } else if s >= 60.0 {
            write!(f, "{:.1}min", s / 60.0)
        } else if s >= 1.0 {
            write!(f, "{s:.3}s")
        } else if self.0 >= 1_000_000 {
            write!(f, "{:.3}ms", s * 1e3)
        } else if self.0 >= 1_000 {
            write!(f, "{:.3}µs", s * 1e6)
        } else {
            write!(f, "{}ns", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SimTime;

    #[test]
    fn nanoseconds_round_up_as_ceil_does() {
        let cases = [
            0.0,
            0.4,
            1.0,
            1.5,
            2.999_999_999,
            1e9 + 0.5,
            4_503_599_627_370_495.5,
            9_007_199_254_740_993.0,
            1.8e19,
            1.9e19,
            f64::INFINITY,
        ];
        let mut x = 0.001f64;
        let grown = std::iter::from_fn(|| {
            x *= 1.37;
            (x < 1e20).then_some(x)
        });
        for ns in cases.into_iter().chain(grown) {
            assert_eq!(SimTime::from_nanos_ceil(ns).0, ns.ceil() as u64, "{ns}");
        }
    }

    #[test]
    fn displays_every_magnitude_without_wrapping() {
        assert_eq!(SimTime(1).to_string(), "1ns");
        assert_eq!(SimTime(250_000).to_string(), "250.000µs");
        assert_eq!(SimTime(4_000_000).to_string(), "4.000ms");
        assert_eq!(SimTime::from_secs(4).to_string(), "4.000s");
        // 300 years: above i64::MAX nanoseconds, still positive.
        let t = SimTime(300 * 365 * 86_400 * 1_000_000_000);
        assert!(!t.to_string().starts_with('-'), "{t}");
        assert!(!SimTime::MAX.to_string().starts_with('-'));
    }
}

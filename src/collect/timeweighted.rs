//! Time-weighted averages of a piecewise-constant quantity (busy workers, backlog length,
//! open connections), over the whole observation window and per time bucket.

use crate::model::SimTime;

/// Integrates a value over time. `set` on every change; `close_bucket` at bucket ends.
#[derive(Clone, Debug, Default)]
pub struct TimeWeighted {
    value: f64,
    last: SimTime,
    /// ∫ value dt since time 0, in value × nanoseconds (no division on the hot path).
    area: f64,
    /// `area` when the observation window opened and when the current bucket opened.
    window_mark: f64,
    bucket_mark: f64,
    max: f64,
    /// Growth of the value per nanosecond: 0 (a step function) unless set by
    /// [`TimeWeighted::set_rising`].
    slope: f64,
}

const NS_PER_S: f64 = 1e9;

impl TimeWeighted {
    #[inline]
    fn advance(&mut self, now: SimTime) {
        let dt = (now.0 - self.last.0) as i64 as f64;
        if self.slope == 0.0 {
            self.area += self.value * dt;
        } else {
            // A linear ramp: the trapezoid is exact.
            self.area += (self.value + 0.5 * self.slope * dt) * dt;
            self.value += self.slope * dt;
            if self.value > self.max {
                self.max = self.value;
            }
        }
        self.last = now;
    }

    /// The quantity changes to `value` at `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, value: f64) {
        self.advance(now);
        self.value = value;
        self.slope = 0.0;
        if value > self.max {
            self.max = value;
        }
    }

    /// The quantity is `value` at `now` and grows by `per_s` each second from then on
    /// (an age, such as a replication lag), until the next `set`.
    pub fn set_rising(&mut self, now: SimTime, value: f64, per_s: f64) {
        self.set(now, value);
        self.slope = per_s / NS_PER_S;
    }

    #[inline]
    pub fn add(&mut self, now: SimTime, delta: f64) {
        let v = self.value + delta;
        self.set(now, v);
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    /// Ends the current bucket at `now`, returning its ∫ value dt (value × seconds).
    pub fn close_bucket(&mut self, now: SimTime) -> f64 {
        self.advance(now);
        let bucket = self.area - self.bucket_mark;
        self.bucket_mark = self.area;
        bucket / NS_PER_S
    }

    /// Restarts the observation window at `now` (end of warm-up).
    pub fn open_window(&mut self, now: SimTime) {
        self.advance(now);
        self.window_mark = self.area;
        self.max = self.value;
    }

    /// Time average over `[window start, now]`, which lasts `span_s` seconds.
    pub fn mean(&mut self, now: SimTime, span_s: f64) -> f64 {
        self.advance(now);
        if span_s > 0.0 {
            (self.area - self.window_mark) / NS_PER_S / span_s
        } else {
            self.value
        }
    }

    pub fn max(&self) -> f64 {
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_steps() {
        let mut tw = TimeWeighted::default();
        tw.set(SimTime::from_secs(0), 2.0);
        tw.set(SimTime::from_secs(10), 4.0);
        let b = tw.close_bucket(SimTime::from_secs(15));
        assert_eq!(b, 2.0 * 10.0 + 4.0 * 5.0);
        assert_eq!(tw.mean(SimTime::from_secs(20), 20.0), (20.0 + 40.0) / 20.0);
        assert_eq!(tw.max(), 4.0);
    }

    #[test]
    fn integrates_ramps_exactly() {
        let mut tw = TimeWeighted::default();
        // 0 → 10 over 10 s, then 0 for 10 s: area 50, max 10.
        tw.set_rising(SimTime::from_secs(0), 0.0, 1.0);
        let b = tw.close_bucket(SimTime::from_secs(4));
        assert!((b - 8.0).abs() < 1e-9, "{b}");
        tw.set(SimTime::from_secs(10), 0.0);
        assert!((tw.mean(SimTime::from_secs(20), 20.0) - 2.5).abs() < 1e-9);
        assert!((tw.max() - 10.0).abs() < 1e-9);
    }
}

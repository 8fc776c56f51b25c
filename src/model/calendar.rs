//! The business calendar compiled into arrival-rate segments.
//!
//! A class's arrival rate at time t is
//!
//!   rate(t) = base_rate × hour_of_day(local t) × weekday(local t) × Π_events m_e(t)
//!
//! where each event's multiplier m_e ramps linearly from 1 to its value over `ramp_up`,
//! holds, and ramps back to 1 over `ramp_down`. Overlapping events **multiply**: a flash
//! sale (×2) inside a holiday campaign (×1.5) gives ×3. Local hours come from the scenario's
//! time zone, so daylight-saving days have 23 or 25 hours.
//!
//! The horizon is cut into segments at every local hour boundary and every event
//! breakpoint; within a segment the baseline is constant and each active event factor is
//! linear, so the rate is a small product of linear terms. The arrival generator uses each
//! segment's upper bound for thinning (Lewis–Shedler) and skips the acceptance draw on flat
//! segments, which keeps a constant-rate queue as fast as a hand-written one.

use super::SimTime;

/// Kind of a calendar event; informative (reports), the arithmetic is the same for all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Campaign,
    FlashSale,
    StoreOpening,
    InventoryCount,
    FiscalClose,
    Other,
}

/// A calendar event with times already converted to simulation time.
#[derive(Clone, Debug)]
pub struct CalendarEvent {
    pub name: String,
    pub kind: EventKind,
    pub start: SimTime,
    /// Total length, ramps included.
    pub duration: SimTime,
    pub ramp_up: SimTime,
    pub ramp_down: SimTime,
    /// Multiplier per class id (1.0 for classes the event does not touch).
    pub multipliers: Vec<f64>,
    /// Factor on the demand (Odoo CPU time, queries) of a class's requests arriving during
    /// the event, per class id (1.0: unchanged); it ramps as the rate multiplier does.
    pub demand: Vec<f64>,
}

impl CalendarEvent {
    fn end(&self) -> SimTime {
        self.start + self.duration
    }

    /// Breakpoints where the factor's slope changes.
    fn breakpoints(&self) -> [SimTime; 4] {
        [
            self.start,
            self.start + self.ramp_up,
            self.end().saturating_sub(self.ramp_down),
            self.end(),
        ]
    }

    /// The factor on [a, b) (a segment that contains no breakpoint) as `p + q·t` (t in s).
    fn linear_on(&self, class: usize, a: SimTime) -> (f64, f64) {
        self.ramped(self.multipliers[class], a)
    }

    /// The demand factor of class `class` at `t`.
    pub fn demand_at(&self, class: usize, t: SimTime) -> f64 {
        let (p, q) = self.ramped(self.demand[class], t);
        p + q * t.as_secs_f64()
    }

    /// A factor `m` that ramps from 1 with the event, as `p + q·t` around `a`.
    fn ramped(&self, m: f64, a: SimTime) -> (f64, f64) {
        if m == 1.0 || a < self.start || a >= self.end() {
            return (1.0, 0.0);
        }
        let up_end = self.start + self.ramp_up;
        let down_start = self.end().saturating_sub(self.ramp_down);
        let (t0, t1, f0, f1) = if a < up_end {
            (self.start, up_end, 1.0, m)
        } else if a < down_start {
            return (m, 0.0);
        } else {
            (down_start, self.end(), m, 1.0)
        };
        let (t0, t1) = (t0.as_secs_f64(), t1.as_secs_f64());
        let q = (f1 - f0) / (t1 - t0);
        (f0 - q * t0, q)
    }
}

/// Hour-of-day × weekday multipliers of one class (local time).
#[derive(Clone, Debug)]
pub struct WeeklyBaseline {
    /// 24 multipliers, index = local hour.
    pub hours: [f64; 24],
    /// 7 multipliers, index 0 = Monday.
    pub weekdays: [f64; 7],
}

impl WeeklyBaseline {
    pub const FLAT: WeeklyBaseline = WeeklyBaseline {
        hours: [1.0; 24],
        weekdays: [1.0; 7],
    };

    fn at(&self, weekday: u8, hour: u8) -> f64 {
        self.hours[hour as usize] * self.weekdays[weekday as usize]
    }
}

/// A local-hour boundary in simulation time (from the time zone, computed at validation).
#[derive(Clone, Copy, Debug)]
pub struct HourMark {
    pub at: SimTime,
    /// 0 = Monday.
    pub weekday: u8,
    pub hour: u8,
}

/// The whole calendar: baselines per class, events, and the local-hour grid.
#[derive(Clone, Debug)]
pub struct Calendar {
    /// Baseline per class id.
    pub weekly: Vec<WeeklyBaseline>,
    pub events: Vec<CalendarEvent>,
    /// Local hour boundaries; the first is at time 0 (the start, mid-hour or not).
    pub hour_marks: Vec<HourMark>,
    pub horizon: SimTime,
}

/// A stretch of time on which a class's rate is `scale × Π (p + q·t)`.
#[derive(Clone, Debug)]
pub struct RateSegment {
    pub start: SimTime,
    pub end: SimTime,
    /// Constant part: base rate × baseline × plateau multipliers (per second).
    pub scale: f64,
    /// Ramping event factors `(p, q)`, value `p + q·t` with t in seconds. Usually empty.
    pub ramps: Vec<(f64, f64)>,
    /// Upper bound of the rate on the segment (for thinning).
    pub max_rate: f64,
}

impl RateSegment {
    #[inline]
    pub fn is_flat(&self) -> bool {
        self.ramps.is_empty()
    }

    /// Rate per second at time `t` (seconds) inside the segment.
    #[inline]
    pub fn rate_at(&self, t_s: f64) -> f64 {
        self.ramps
            .iter()
            .fold(self.scale, |acc, (p, q)| acc * (p + q * t_s))
    }

    /// Exact integral of the rate over the segment (expected arrivals).
    pub fn integral(&self) -> f64 {
        // The integrand is a polynomial of degree `ramps.len()`: composite Simpson is exact
        // up to degree 3 (three overlapping ramps) and within rounding beyond.
        let (a, b) = (self.start.as_secs_f64(), self.end.as_secs_f64());
        if self.is_flat() {
            return self.scale * (b - a);
        }
        let n = 64;
        let h = (b - a) / n as f64;
        let mut sum = self.rate_at(a) + self.rate_at(b);
        for i in 1..n {
            let w = if i % 2 == 1 { 4.0 } else { 2.0 };
            sum += w * self.rate_at(a + h * i as f64);
        }
        sum * h / 3.0
    }
}

impl Calendar {
    /// The factor on the demand of a request of `class` arriving at `t`: the product over
    /// the events of their demand factors (1 outside every event).
    pub fn demand_at(&self, class: usize, t: SimTime) -> f64 {
        self.events
            .iter()
            .filter(|e| e.demand[class] != 1.0)
            .map(|e| e.demand_at(class, t))
            .product()
    }

    /// Whether any event changes the demand of `class`.
    pub fn changes_demand(&self, class: usize) -> bool {
        self.events.iter().any(|e| e.demand[class] != 1.0)
    }

    /// The highest value `base × calendar factor` reaches over the horizon for `class`.
    pub fn peak(&self, class: usize, base: f64) -> f64 {
        self.segments(class, base)
            .iter()
            .map(|s| s.max_rate)
            .fold(0.0, f64::max)
    }

    /// Compiles the rate segments of one class, covering `[0, horizon)` without gaps.
    pub fn segments(&self, class: usize, base_rate_per_s: f64) -> Vec<RateSegment> {
        let mut cuts: Vec<SimTime> = self.hour_marks.iter().map(|h| h.at).collect();
        for e in &self.events {
            if e.multipliers[class] != 1.0 {
                cuts.extend(e.breakpoints());
            }
        }
        cuts.push(self.horizon);
        cuts.retain(|t| *t <= self.horizon);
        cuts.sort_unstable();
        cuts.dedup();

        let mut segments: Vec<RateSegment> = Vec::with_capacity(cuts.len());
        let mut mark = 0;
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            while mark + 1 < self.hour_marks.len() && self.hour_marks[mark + 1].at <= a {
                mark += 1;
            }
            let hm = self.hour_marks[mark];
            let mut scale = base_rate_per_s * self.weekly[class].at(hm.weekday, hm.hour);
            let mut ramps = Vec::new();
            for e in &self.events {
                let (p, q) = e.linear_on(class, a);
                if q == 0.0 {
                    scale *= p;
                } else {
                    ramps.push((p, q));
                }
            }
            let (ta, tb) = (a.as_secs_f64(), b.as_secs_f64());
            let max_rate = ramps
                .iter()
                .fold(scale, |acc, (p, q)| acc * (p + q * ta).max(p + q * tb));
            // Merge with the previous segment when nothing changed (flat stretches).
            if let Some(prev) = segments.last_mut() {
                if ramps.is_empty() && prev.ramps.is_empty() && prev.scale == scale {
                    prev.end = b;
                    continue;
                }
            }
            segments.push(RateSegment {
                start: a,
                end: b,
                scale,
                ramps,
                max_rate,
            });
        }
        segments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(events: Vec<CalendarEvent>) -> Calendar {
        let hour_marks = (0..48)
            .map(|h| HourMark {
                at: SimTime::from_secs(h * 3600),
                weekday: (h / 24) as u8,
                hour: (h % 24) as u8,
            })
            .collect();
        let mut w = WeeklyBaseline::FLAT;
        w.hours[12] = 2.0;
        Calendar {
            weekly: vec![w],
            events,
            hour_marks,
            horizon: SimTime::from_secs(48 * 3600),
        }
    }

    fn flash(start_h: u64) -> CalendarEvent {
        CalendarEvent {
            name: "flash".into(),
            kind: EventKind::FlashSale,
            start: SimTime::from_secs(start_h * 3600),
            duration: SimTime::from_secs(3600),
            ramp_up: SimTime::from_secs(900),
            ramp_down: SimTime::from_secs(900),
            multipliers: vec![3.0],
            demand: vec![1.0],
        }
    }

    #[test]
    fn flat_calendar_merges_into_few_segments() {
        let segs = cal(vec![]).segments(0, 10.0);
        // hours 0-11 flat, 12 doubled, 13-35 flat, 36 doubled, 37-47 flat.
        assert_eq!(segs.len(), 5);
        assert!(segs.iter().all(RateSegment::is_flat));
        let total: f64 = segs.iter().map(RateSegment::integral).sum();
        assert!((total - 10.0 * 3600.0 * 50.0).abs() < 1e-6);
    }

    #[test]
    fn ramps_integrate_exactly() {
        let segs = cal(vec![flash(5)]).segments(0, 10.0);
        let total: f64 = segs.iter().map(RateSegment::integral).sum();
        // Baseline 50 hour-equivalents; the event adds (3-1) × (1800 plateau + 2 × 900/2).
        let expected = 10.0 * (3600.0 * 50.0 + 2.0 * (1800.0 + 900.0));
        assert!((total - expected).abs() < 1e-6, "{total} vs {expected}");
        for s in &segs {
            let (a, b) = (s.start.as_secs_f64(), s.end.as_secs_f64());
            assert!(s.rate_at(a) <= s.max_rate + 1e-9 && s.rate_at(b - 1e-9) <= s.max_rate + 1e-9);
        }
    }

    #[test]
    fn overlapping_events_multiply() {
        let mut camp = flash(4);
        camp.duration = SimTime::from_secs(4 * 3600);
        camp.ramp_up = SimTime::ZERO;
        camp.ramp_down = SimTime::ZERO;
        camp.multipliers = vec![1.5];
        let segs = cal(vec![camp, flash(5)]).segments(0, 10.0);
        let at = SimTime::from_secs(5 * 3600 + 1800);
        let seg = segs.iter().find(|s| s.start <= at && at < s.end).unwrap();
        assert!((seg.rate_at(at.as_secs_f64()) - 10.0 * 1.5 * 3.0).abs() < 1e-9);
    }

    #[test]
    fn demand_factors_ramp_with_their_event() {
        let mut e = flash(5);
        e.demand = vec![2.0];
        let c = cal(vec![e]);
        let at = |s: u64| c.demand_at(0, SimTime::from_secs(s));
        assert_eq!(at(4 * 3600), 1.0, "before the event");
        assert!(
            (at(5 * 3600 + 450) - 1.5).abs() < 1e-12,
            "half-way up the ramp"
        );
        assert_eq!(at(5 * 3600 + 1800), 2.0, "on the plateau");
        assert_eq!(at(6 * 3600), 1.0, "after the event");
        assert!(c.changes_demand(0));
    }
}

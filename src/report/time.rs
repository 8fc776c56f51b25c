//! Bucket times as a reader wants them: local wall-clock labels in the scenario's zone.
//!
//! A result stores offsets in seconds from the horizon start, plus the start as written and
//! its IANA zone. Validation only accepts a start that exists exactly once in its zone, so
//! the instant is recovered here without guessing. This is formatting, not statistics.

use crate::result::ScenarioInfo;
use chrono::{DateTime, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Turns offsets from the horizon start into local times.
#[derive(Clone, Debug)]
pub struct Clock {
    start: Option<DateTime<Tz>>,
}

impl Clock {
    pub fn new(s: &ScenarioInfo) -> Clock {
        let tz: Option<Tz> = s.timezone.parse().ok();
        let naive = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(s.start_local.trim(), f).ok());
        let start = match (tz, naive) {
            (Some(tz), Some(n)) => tz.from_local_datetime(&n).single(),
            _ => None,
        };
        Clock { start }
    }

    /// `strftime` of the local time `offset_s` after the start; `+{h} h` when the start
    /// could not be read (a hand-edited result).
    pub fn format(&self, offset_s: f64, fmt: &str) -> String {
        // Checked: a hand-edited offset far outside chrono's range (±262,000 years) gets
        // the fallback label rather than a panic.
        let at = self.start.and_then(|t| {
            let ms = offset_s * 1e3;
            (ms.is_finite() && ms.abs() < 1e17)
                .then(|| chrono::Duration::try_milliseconds(ms.round() as i64))
                .flatten()
                .and_then(|d| t.checked_add_signed(d))
        });
        match at {
            Some(at) => at.format(fmt).to_string(),
            None => format!("+{:.2} h", offset_s / 3600.0),
        }
    }

    /// `YYYY-MM-DDTHH:MM+01:00`: the local time with its UTC offset, so the hour repeated
    /// when summer time ends reads as two different times (`02:30+02:00`, `02:30+01:00`).
    pub fn local_with_offset(&self, offset_s: f64) -> String {
        self.format(offset_s, "%Y-%m-%dT%H:%M%:z")
    }

    /// The scenario start as (year, month, day, hour, minute), for the PDF's date.
    pub fn start_parts(&self) -> Option<(i32, u32, u32, u32, u32)> {
        use chrono::{Datelike, Timelike};
        self.start
            .map(|t| (t.year(), t.month(), t.day(), t.hour(), t.minute()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(start: &str, tz: &str) -> ScenarioInfo {
        ScenarioInfo {
            name: "x".into(),
            start_local: start.into(),
            timezone: tz.into(),
            horizon_s: 3600.0,
            warmup_s: 0.0,
        }
    }

    #[test]
    fn local_labels_cross_daylight_saving() {
        // Europe/Paris leaves summer time at 03:00 on 2026-10-25: two hours later it is 04:00.
        let c = Clock::new(&info("2026-10-25T01:00", "Europe/Paris"));
        let local = |c: &Clock, s: f64| c.format(s, "%Y-%m-%dT%H:%M");
        assert_eq!(local(&c, 0.0), "2026-10-25T01:00");
        assert_eq!(local(&c, 3.0 * 3600.0), "2026-10-25T03:00");
        // The repeated hour: 02:30 twice, an hour apart, told apart by the offset.
        assert_eq!(c.local_with_offset(1.5 * 3600.0), "2026-10-25T02:30+02:00");
        assert_eq!(c.local_with_offset(2.5 * 3600.0), "2026-10-25T02:30+01:00");
        assert_eq!(
            Clock::new(&info("garbage", "UTC")).local_with_offset(7200.0),
            "+2.00 h"
        );
        // Out of chrono's range: a label, not a panic.
        assert!(local(&c, 1e308).starts_with('+'));
        assert!(local(&c, -1e308).starts_with('+'));
    }
}

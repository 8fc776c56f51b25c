//! Who of a closed class is logged in: the population at time t is
//! `users × hour-of-day × weekday × events` (rounded), the same calendar an open class's
//! rate follows. User `u` is logged in while that count exceeds `u`: when it falls, users
//! log out as their think time ends (a request in flight is answered first); when it
//! rises, they log in and think before their first request.

use crate::model::{Calendar, RateSegment, SimTime};

/// How often a logged-out user looks again while the population ramps (an event's ramp).
const RAMP_STEP: SimTime = SimTime::from_secs(60);

/// The logged-in count of one closed class over the horizon.
pub struct LoggedIn {
    /// The count as a "rate": `users × calendar factor`, rounded when read.
    segments: Vec<RateSegment>,
    /// The segment holding the last time asked about (time only moves forward).
    seg: usize,
}

impl LoggedIn {
    /// `None` when the calendar never changes the class's population (every user is
    /// logged in all the time, as before calendars applied to closed classes).
    pub fn new(cal: &Calendar, class: usize, users: u32) -> Option<LoggedIn> {
        let segments = cal.segments(class, f64::from(users));
        let constant = segments
            .iter()
            .all(|s| s.is_flat() && s.scale.round() == f64::from(users));
        (!constant).then_some(LoggedIn { segments, seg: 0 })
    }

    /// Whether user `user` is logged in at `now`.
    pub fn has(&mut self, now: SimTime, user: u32) -> bool {
        while self.seg + 1 < self.segments.len() && self.segments[self.seg].end <= now {
            self.seg += 1;
        }
        let s = &self.segments[self.seg];
        count(s.rate_at(now.as_secs_f64())) > user
    }

    /// The first time after `now` at which user `user` may be logged in; `None` if not
    /// before the horizon's end.
    pub fn wake(&self, now: SimTime, user: u32) -> Option<SimTime> {
        self.segments[self.seg..]
            .iter()
            .filter(|s| s.end > now && count(s.max_rate) > user)
            .find_map(|s| first_in(s, now, user))
    }
}

fn count(x: f64) -> u32 {
    x.round() as u32
}

/// In segment `s`, the first time after `now` with more than `user` logged in.
fn first_in(s: &RateSegment, now: SimTime, user: u32) -> Option<SimTime> {
    let from = s.start.max(now + SimTime(1));
    if s.is_flat() {
        return (from < s.end).then_some(from);
    }
    let mut t = from;
    while t < s.end {
        if count(s.rate_at(t.as_secs_f64())) > user {
            return Some(t);
        }
        t = t + RAMP_STEP;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HourMark, WeeklyBaseline};

    /// Two days, UTC hours: 100 % of the users by day (08–18), 25 % by night.
    fn cal() -> Calendar {
        let mut w = WeeklyBaseline::FLAT;
        for h in 0..24 {
            w.hours[h] = if (8..18).contains(&h) { 1.0 } else { 0.25 };
        }
        Calendar {
            weekly: vec![w],
            events: Vec::new(),
            hour_marks: (0..48)
                .map(|h| HourMark {
                    at: SimTime::from_secs(h * 3600),
                    weekday: (h / 24) as u8,
                    hour: (h % 24) as u8,
                })
                .collect(),
            horizon: SimTime::from_secs(48 * 3600),
        }
    }

    #[test]
    fn users_log_in_and_out_with_the_hours() {
        let mut l = LoggedIn::new(&cal(), 0, 40).unwrap();
        let h = |x: u64| SimTime::from_secs(x * 3600);
        assert!(
            l.has(h(1), 9) && !l.has(h(1), 10),
            "a quarter of 40 at night"
        );
        assert_eq!(l.wake(h(1), 10), Some(h(8)), "logs in when the day starts");
        assert!(l.has(h(9), 39) && !l.has(h(9), 40));
        assert_eq!(l.wake(h(20), 39), Some(h(32)), "the next morning");
        assert_eq!(l.wake(h(43), 39), None, "not again before the horizon ends");
    }

    #[test]
    fn a_flat_calendar_keeps_everyone_logged_in() {
        let mut c = cal();
        c.weekly[0] = WeeklyBaseline::FLAT;
        assert!(LoggedIn::new(&c, 0, 40).is_none());
    }
}

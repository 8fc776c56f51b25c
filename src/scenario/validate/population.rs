//! A closed class's population over the calendar: the users logged in at time t are
//! `users × hour-of-day × weekday × events`, as an open class's rate is. Validation finds
//! the peak (the simulation starts that many users, most of them logged out at night) and
//! refuses a peak beyond the users limit.

use super::super::located::{Located, OrderedMap};
use super::super::raw;
use super::Ctx;
use crate::model::{Calendar, WorkloadClass};

/// Most users of one closed class logged in at once.
pub const MAX_USERS: u32 = 1_000_000;

/// Sets each closed class's `peak_users` from the calendar.
pub fn peaks(
    cx: &mut Ctx,
    w: &Located<OrderedMap<Located<raw::Workload>>>,
    classes: &mut [WorkloadClass],
    cal: &Calendar,
) {
    for (i, ((name, raw), class)) in w.value.0.iter().zip(classes).enumerate() {
        let Some(p) = &mut class.population else {
            continue;
        };
        let peak = cal.peak(i, f64::from(p.users)).round();
        if peak > f64::from(MAX_USERS) {
            let msg = format!(
                "{} users × the calendar's peak multiplier gives {peak:.0} users logged in at once; the limit is {MAX_USERS}",
                p.users
            );
            let hint = "check the users and the events' multipliers for this class";
            let pos = raw.value.users.as_ref().map_or(raw.pos, |u| u.pos);
            cx.error(
                pos,
                &format!("workloads.{}.users", name.value),
                msg,
                Some(hint.into()),
            );
            continue;
        }
        p.peak_users = peak as u32;
    }
}

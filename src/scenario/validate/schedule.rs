//! Arrivals at fixed local times (`at: ["07:00"]`, `on: [mon, tue, …]`): an EDI import or
//! a POS sync that really comes at seven, compiled through the horizon's time zone into
//! instants. A local time that does not exist on a day (the spring-forward gap) comes at
//! the offset before the change (02:30 → 03:30 summer time); one that happens twice (the
//! autumn repeat) comes once, at its first occurrence.

use super::super::located::{Located, OrderedMap};
use super::super::raw;
use super::Ctx;
use super::time::HorizonInfo;
use crate::model::{SimTime, WorkloadClass};
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};

/// Most fixed-time arrivals of one class over the horizon (a limit against typos).
pub const MAX_FIXED_TIMES: usize = 100_000;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Compiles every class's `at:` into `fixed_times`.
pub fn fixed_times(
    cx: &mut Ctx,
    w: &Located<OrderedMap<Located<raw::Workload>>>,
    classes: &mut [WorkloadClass],
    h: &HorizonInfo,
) {
    for ((name, raw), class) in w.value.0.iter().zip(classes) {
        let path = format!("workloads.{}", name.value);
        let Some(at) = &raw.value.at else {
            if let Some(on) = &raw.value.on {
                let msg = "`on` names the days of `at`, and this class has no `at`";
                let hint = "add `at: [\"07:00\"]`, or remove `on`";
                cx.error(on.pos, &format!("{path}.on"), msg, Some(hint.into()));
            }
            continue;
        };
        if !alone(cx, &raw.value, at, &path) {
            continue;
        }
        class.fixed_times = compile(cx, at, raw.value.on.as_ref(), &path, h);
    }
}

/// `at` replaces the rate: it cannot stand beside another way of arriving.
fn alone(cx: &mut Ctx, c: &raw::Workload, at: &Located<Vec<Located<String>>>, path: &str) -> bool {
    let other = [
        ("rate", c.rate.is_some()),
        ("users", c.users.is_some()),
        ("job", c.job.is_some()),
        ("cron", c.cron.is_some()),
        ("websocket", c.websocket.is_some()),
    ]
    .into_iter()
    .find(|(_, on)| *on);
    let Some((key, _)) = other else {
        return true;
    };
    let msg = format!("`at` gives this class fixed arrival times, and it also has `{key}`");
    let hint = "keep one way of arriving: `at` (fixed local times, each a request or a `batch_size`) or `rate`";
    cx.error(at.pos, &format!("{path}.at"), msg, Some(hint.into()));
    false
}

fn compile(
    cx: &mut Ctx,
    at: &Located<Vec<Located<String>>>,
    on: Option<&Located<Vec<Located<String>>>>,
    path: &str,
    h: &HorizonInfo,
) -> Option<Vec<SimTime>> {
    let times: Vec<NaiveTime> = at
        .value
        .iter()
        .enumerate()
        .filter_map(|(i, t)| time_of_day(cx, t, &format!("{path}.at[{i}]")))
        .collect();
    let days = weekdays(cx, on, &format!("{path}.on"))?;
    if times.len() != at.value.len() {
        return None;
    }
    if times.is_empty() {
        let hint = "list local times, e.g. `at: [\"07:00\"]`";
        cx.error(
            at.pos,
            &format!("{path}.at"),
            "no time given",
            Some(hint.into()),
        );
        return None;
    }
    let instants = instants(h, &times, &days);
    if instants.is_empty() {
        let msg = "none of these times falls inside the horizon";
        let hint = "check `on` and the horizon's start and duration";
        cx.error(at.pos, &format!("{path}.at"), msg, Some(hint.into()));
        return None;
    }
    if instants.len() > MAX_FIXED_TIMES {
        let msg = format!(
            "{} arrivals over the horizon; the limit is {MAX_FIXED_TIMES}",
            instants.len()
        );
        let hint = "for frequent arrivals write a `rate`";
        cx.error(at.pos, &format!("{path}.at"), msg, Some(hint.into()));
        return None;
    }
    Some(instants)
}

/// `HH:MM` or `HH:MM:SS`.
pub(super) fn time_of_day(cx: &mut Ctx, t: &Located<String>, path: &str) -> Option<NaiveTime> {
    let s = t.value.trim();
    let parsed = NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok();
    if parsed.is_none() {
        let msg = format!("expected a local time of day, found `{s}`");
        let hint = "write `HH:MM` (24-hour clock, in `horizon.timezone`), e.g. `07:00`";
        cx.error(t.pos, path, msg, Some(hint.into()));
    }
    parsed
}

/// The days `on` names (Monday = 0); every day when absent.
fn weekdays(
    cx: &mut Ctx,
    on: Option<&Located<Vec<Located<String>>>>,
    path: &str,
) -> Option<[bool; 7]> {
    let Some(on) = on else {
        return Some([true; 7]);
    };
    let mut days = [false; 7];
    let mut ok = true;
    for (i, d) in on.value.iter().enumerate() {
        match DAYS
            .iter()
            .position(|x| *x == d.value.trim().to_lowercase())
        {
            Some(k) => days[k] = true,
            None => {
                let msg = format!("`{}` is not a day of the week", d.value);
                let hint = super::super::suggest::hint(&d.value, &DAYS);
                cx.error(d.pos, &format!("{path}[{i}]"), msg, Some(hint));
                ok = false;
            }
        }
    }
    ok.then_some(days)
}

/// Every instant in `[0, horizon)` at one of `times` on one of `days`, in time order.
fn instants(h: &HorizonInfo, times: &[NaiveTime], days: &[bool; 7]) -> Vec<SimTime> {
    let mut out = Vec::new();
    for date in local_days(h) {
        if !days[date.weekday().num_days_from_monday() as usize] {
            continue;
        }
        out.extend(times.iter().filter_map(|t| instant_in(h, date, *t)));
        if out.len() > MAX_FIXED_TIMES {
            return out;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Every local date the horizon touches (one more at each end: a time of day on them may
/// still fall inside it).
pub(super) fn local_days(h: &HorizonInfo) -> impl Iterator<Item = NaiveDate> {
    let first = h.start_utc.with_timezone(&h.tz).date_naive();
    let days = (h.model.duration.as_secs_f64() / 86_400.0).ceil() as i64 + 1;
    (0..=days).map(move |d| first + Duration::days(d))
}

/// The instant a wall clock shows `time` on `date`, if it lies inside the horizon.
pub(super) fn instant_in(h: &HorizonInfo, date: NaiveDate, time: NaiveTime) -> Option<SimTime> {
    let utc = first_instant(h, date.and_time(time))?;
    h.sim_time(utc).filter(|at| *at < h.model.duration)
}

/// The instant a wall clock in the zone shows `local`: the first of two in the autumn
/// repeat; in the spring gap, the instant `local` names at the offset before the change
/// (02:30 comes at 03:30 summer time), as a wall clock that is put forward runs.
fn first_instant(h: &HorizonInfo, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match h.tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => {
            let before =
                h.tz.from_local_datetime(&(local - Duration::hours(3)))
                    .earliest()?;
            let offset = before.offset().fix();
            Some(
                local
                    .and_local_timezone(offset)
                    .single()?
                    .with_timezone(&Utc),
            )
        }
    }
}

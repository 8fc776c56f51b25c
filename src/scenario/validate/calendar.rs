//! `calendar:` → [`Calendar`]: weekly baselines per class and events in simulation time.
//!
//! Overlapping events multiply (see `model/calendar.rs`); nothing here combines them.

use super::super::located::{Located, OrderedMap};
use super::super::raw;
use super::super::suggest;
use super::Ctx;
use super::recurrence;
use super::time::{HorizonInfo, local_instant};
use crate::model::{Calendar, CalendarEvent, EventKind, SimTime, WeeklyBaseline};

/// More events than this is a generated file gone wrong.
const MAX_EVENTS: usize = 10_000;

/// Validates a weekly baseline written at `path`.
pub fn weekly(cx: &mut Ctx, w: &Located<raw::Weekly>, path: &str) -> Option<WeeklyBaseline> {
    let mut out = WeeklyBaseline::FLAT;
    let mut ok = true;
    if let Some(hours) = &w.value.hours {
        if hours.value.len() == 24 {
            for (i, h) in hours.value.iter().enumerate() {
                match cx.multiplier(h, &format!("{path}.hours[{i}]")) {
                    Some(m) => out.hours[i] = m,
                    None => ok = false,
                }
            }
        } else {
            let hint = "one multiplier per local hour, index 0 = 00:00–01:00, e.g. `[0.2, 0.1, …]` with 24 entries";
            cx.error(
                hours.pos,
                &format!("{path}.hours"),
                format!(
                    "expected exactly 24 multipliers, found {}",
                    hours.value.len()
                ),
                Some(hint.into()),
            );
            ok = false;
        }
    }
    if let Some(days) = &w.value.weekdays {
        let d = &days.value;
        for (i, (name, v)) in [
            ("mon", &d.mon),
            ("tue", &d.tue),
            ("wed", &d.wed),
            ("thu", &d.thu),
            ("fri", &d.fri),
            ("sat", &d.sat),
            ("sun", &d.sun),
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(v) = v {
                match cx.multiplier(v, &format!("{path}.weekdays.{name}")) {
                    Some(m) => out.weekdays[i] = m,
                    None => ok = false,
                }
            }
        }
    }
    ok.then_some(out)
}

fn kind(k: raw::EventKind) -> EventKind {
    match k {
        raw::EventKind::Campaign => EventKind::Campaign,
        raw::EventKind::FlashSale => EventKind::FlashSale,
        raw::EventKind::StoreOpening => EventKind::StoreOpening,
        raw::EventKind::InventoryCount => EventKind::InventoryCount,
        raw::EventKind::FiscalClose => EventKind::FiscalClose,
        raw::EventKind::Other => EventKind::Other,
    }
}

/// Validates `calendar:` against the horizon and the class names.
pub fn calendar(
    cx: &mut Ctx,
    cal: Option<&Located<raw::Calendar>>,
    workloads: Option<&Located<OrderedMap<Located<raw::Workload>>>>,
    h: &HorizonInfo,
) -> Option<Calendar> {
    let classes: Vec<&str> = workloads
        .map(|w| w.value.0.iter().map(|(n, _)| n.value.as_str()).collect())
        .unwrap_or_default();
    let mut ok = true;
    let default_weekly = match cal.and_then(|c| c.value.weekly.as_ref()) {
        Some(w) => weekly(cx, w, "calendar.weekly"),
        None => Some(WeeklyBaseline::FLAT),
    };
    let mut per_class = Vec::with_capacity(classes.len());
    for (name, w) in workloads.map(|w| w.value.0.as_slice()).unwrap_or_default() {
        let baseline = match &w.value.weekly {
            Some(own) => weekly(cx, own, &format!("workloads.{}.weekly", name.value)),
            None => default_weekly.clone(),
        };
        ok &= baseline.is_some();
        per_class.extend(baseline);
    }
    let mut events = Vec::new();
    if let Some(list) = cal.and_then(|c| c.value.events.as_ref()) {
        if list.value.len() > MAX_EVENTS {
            cx.error(
                list.pos,
                "calendar.events",
                format!("{} events; the limit is {MAX_EVENTS}", list.value.len()),
                None,
            );
            return None;
        }
        for (i, e) in list.value.iter().enumerate() {
            match event(cx, e, &format!("calendar.events[{i}]"), i, h, &classes) {
                Some(mut occurrences) => events.append(&mut occurrences),
                None => ok = false,
            }
        }
    }
    (ok && default_weekly.is_some()).then(|| Calendar {
        weekly: per_class,
        events,
        hour_marks: h.hour_marks(),
        horizon: h.model.duration,
    })
}

fn event(
    cx: &mut Ctx,
    e: &Located<raw::Event>,
    path: &str,
    index: usize,
    h: &HorizonInfo,
    classes: &[&str],
) -> Option<Vec<CalendarEvent>> {
    let (at, e) = (e.pos, &e.value);
    let name = e
        .name
        .as_ref()
        .map_or_else(|| format!("event-{}", index + 1), |n| n.value.clone());
    let duration = cx.duration(e.duration.as_ref(), at, &format!("{path}.duration"), None);
    let ramp_up = cx.duration(
        e.ramp_up.as_ref(),
        at,
        &format!("{path}.ramp_up"),
        Some(SimTime::ZERO),
    );
    let ramp_down = cx.duration(
        e.ramp_down.as_ref(),
        at,
        &format!("{path}.ramp_down"),
        Some(SimTime::ZERO),
    );
    let start_path = format!("{path}.start");
    let starts = match (&e.every, &e.start) {
        (Some(every), None) => recurrence::starts(cx, every, e.at.as_ref(), path, h),
        (Some(every), Some(_)) => {
            let msg = "an event has a `start` date or recurs (`every`), not both";
            let hint = "remove `start` for a recurring event, or `every` and `at` for a dated one";
            cx.error(every.pos, &format!("{path}.every"), msg, Some(hint.into()));
            None
        }
        (None, _) => dated_start(cx, e, at, &start_path, &name, h).map(|t| vec![t]),
    };
    if let (Some(a), None) = (&e.at, &e.every) {
        let msg = "`at` is the time of day of a recurring event, and this event has no `every`";
        let hint = "add `every: mon` (or `day`, `weekday`, `last_business_day`…), or remove `at`";
        cx.error(a.pos, &format!("{path}.at"), msg, Some(hint.into()));
    }
    let multipliers = multipliers(cx, e, at, path, classes);
    let demand = demand(cx, e, path, classes);
    let (duration, ramp_up, ramp_down) = (duration?, ramp_up?, ramp_down?);
    let dur_pos = e.duration.as_ref().map_or(at, |d| d.pos);
    if duration == SimTime::ZERO {
        cx.error(
            dur_pos,
            &format!("{path}.duration"),
            "event duration must be > 0",
            Some("e.g. `2h`".into()),
        );
        return None;
    }
    if ramp_up + ramp_down > duration {
        let p = e
            .ramp_up
            .as_ref()
            .or(e.ramp_down.as_ref())
            .map_or(at, |r| r.pos);
        let msg = format!(
            "ramps ({ramp_up} up + {ramp_down} down) are longer than the event ({duration})"
        );
        cx.error(
            p,
            &format!("{path}.ramp_up"),
            msg,
            Some("`duration` includes the ramps: ramp_up + ramp_down ≤ duration".into()),
        );
        return None;
    }
    let (multipliers, demand) = (multipliers?, demand?);
    let kind = e.kind.as_ref().map_or(EventKind::Other, |k| kind(k.value));
    Some(
        starts?
            .into_iter()
            .map(|start| CalendarEvent {
                name: name.clone(),
                kind,
                start,
                duration,
                ramp_up,
                ramp_down,
                multipliers: multipliers.clone(),
                demand: demand.clone(),
            })
            .collect(),
    )
}

/// A dated event's `start`, inside the horizon.
fn dated_start(
    cx: &mut Ctx,
    e: &raw::Event,
    at: super::Pos,
    start_path: &str,
    name: &str,
    h: &HorizonInfo,
) -> Option<SimTime> {
    match &e.start {
        Some(s) => local_instant(cx, s, h.tz, start_path).and_then(|t| {
            let horizon = format!(
                "the horizon runs from {} for {} ({})",
                h.model.start_local, h.model.duration, h.model.timezone
            );
            match h.sim_time(t) {
                Some(st) if st < h.model.duration => Some(st),
                _ => {
                    cx.error(
                        s.pos,
                        start_path,
                        format!("event `{name}` starts outside the horizon"),
                        Some(format!("{horizon}; move the event or the horizon")),
                    );
                    None
                }
            }
        }),
        None => {
            cx.missing(
                at,
                start_path,
                "add a local start, e.g. `2026-11-27T20:00`, or make it recur with `every` and `at`",
            );
            None
        }
    }
}

/// `multipliers:` → one factor per class id; `all` covers the classes not listed.
fn multipliers(
    cx: &mut Ctx,
    e: &raw::Event,
    at: super::Pos,
    path: &str,
    classes: &[&str],
) -> Option<Vec<f64>> {
    let mpath = format!("{path}.multipliers");
    let Some(map) = &e.multipliers else {
        cx.missing(
            at,
            &mpath,
            "add e.g. `multipliers: {checkout: 2.0}` or `{all: 1.5}`",
        );
        return None;
    };
    class_factors(cx, map, &mpath, classes)
}

/// `demand:` → the factor on each class's demand during the event (1 when absent).
fn demand(cx: &mut Ctx, e: &raw::Event, path: &str, classes: &[&str]) -> Option<Vec<f64>> {
    match &e.demand {
        Some(map) => class_factors(cx, map, &format!("{path}.demand"), classes),
        None => Some(vec![1.0; classes.len()]),
    }
}

/// A map of class name (or `all`) → factor ≥ 0, as one factor per class id.
fn class_factors(
    cx: &mut Ctx,
    map: &Located<OrderedMap<Located<f64>>>,
    mpath: &str,
    classes: &[&str],
) -> Option<Vec<f64>> {
    let names: Vec<&str> = classes.iter().copied().chain(["all"]).collect();
    let mut out: Vec<Option<f64>> = vec![None; classes.len()];
    let mut all = 1.0;
    let mut ok = true;
    for (key, value) in &map.value.0 {
        let kpath = format!("{mpath}.{}", key.value);
        let Some(m) = cx.multiplier(value, &kpath) else {
            ok = false;
            continue;
        };
        if key.value == "all" {
            all = m;
        } else if let Some(i) = classes.iter().position(|c| *c == key.value) {
            out[i] = Some(m);
        } else {
            cx.error(
                key.pos,
                &kpath,
                format!("no workload class named `{}`", key.value),
                Some(suggest::hint(&key.value, &names)),
            );
            ok = false;
        }
    }
    ok.then(|| out.into_iter().map(|m| m.unwrap_or(all)).collect())
}

//! The horizon in local time: parsing `YYYY-MM-DDTHH:MM[:SS]`, converting it through the
//! IANA zone (a daylight-saving gap or repeat is an error, not a guess), and the local-hour
//! grid that the calendar's weekly baseline is read on.

use super::super::located::{Located, Pos};
use super::super::raw;
use super::super::suggest;
use super::Ctx;
use crate::model::{Horizon, HourMark, SimTime};
use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Longest horizon: a year (leap year included).
const MAX_HORIZON: SimTime = SimTime::from_secs(366 * 86_400);

/// The validated horizon plus what later checks need (zone, start instant).
pub struct HorizonInfo {
    pub model: Horizon,
    pub tz: Tz,
    pub start_utc: DateTime<Utc>,
}

impl HorizonInfo {
    /// Simulation time of an instant; `None` before the start.
    pub fn sim_time(&self, at: DateTime<Utc>) -> Option<SimTime> {
        let ns = (at - self.start_utc).num_nanoseconds()?;
        u64::try_from(ns).ok().map(SimTime)
    }

    /// The local-hour boundaries in `[0, duration)`: the start (mid-hour or not), then every
    /// instant where the local clock shows HH:00:00. Offsets are multiples of 15 minutes in
    /// every zone today, so scanning a 15-minute UTC grid finds them all, including the
    /// repeated hour when clocks go back and `:30`/`:45` zones.
    pub fn hour_marks(&self) -> Vec<HourMark> {
        let mark = |t: DateTime<Utc>, at: SimTime| {
            let local = t.with_timezone(&self.tz);
            HourMark {
                at,
                weekday: local.weekday().num_days_from_monday() as u8,
                hour: local.hour() as u8,
            }
        };
        let mut marks = vec![mark(self.start_utc, SimTime::ZERO)];
        let step: i64 = 15 * 60;
        let start_s = self.start_utc.timestamp();
        let mut t_s = start_s.div_euclid(step) * step + step;
        let end_s = start_s as f64 + self.model.duration.as_secs_f64();
        while (t_s as f64) < end_s {
            let Some(t) = DateTime::<Utc>::from_timestamp(t_s, 0) else {
                break;
            };
            let local = t.with_timezone(&self.tz);
            if local.minute() == 0 && local.second() == 0 {
                let at = SimTime::from_secs((t_s - start_s) as u64)
                    .saturating_sub(SimTime(u64::from(self.start_utc.timestamp_subsec_nanos())));
                marks.push(mark(t, at));
            }
            t_s += step;
        }
        marks
    }
}

/// Parses a zone name, suggesting the closest IANA name on a typo.
pub fn zone(cx: &mut Ctx, name: &Located<String>, path: &str) -> Option<Tz> {
    match name.value.parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
            let hint = match suggest::closest(&name.value, names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => {
                    "use an IANA name such as `Europe/Paris`, `America/New_York` or `UTC`".into()
                }
            };
            cx.error(
                name.pos,
                path,
                format!("unknown time zone `{}`", name.value),
                Some(hint),
            );
            None
        }
    }
}

/// Converts a local date-time text in `tz` to an instant.
pub fn local_instant(
    cx: &mut Ctx,
    text: &Located<String>,
    tz: Tz,
    path: &str,
) -> Option<DateTime<Utc>> {
    let s = text.value.trim();
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok());
    let Some(naive) = naive else {
        cx.error(text.pos, path, format!("expected a local date-time, found `{s}`"), Some("write `YYYY-MM-DDTHH:MM`, e.g. `2026-11-27T20:00` (no offset: the zone is `horizon.timezone`)".into()));
        return None;
    };
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::None => {
            cx.error(
                text.pos,
                path,
                format!(
                    "`{s}` does not exist in {} (clocks jump forward)",
                    tz.name()
                ),
                Some("pick a time outside the daylight-saving gap, e.g. one hour later".into()),
            );
            None
        }
        LocalResult::Ambiguous(a, b) => {
            let msg = format!(
                "`{s}` happens twice in {} (clocks go back: {} and {})",
                tz.name(),
                a.to_rfc3339(),
                b.to_rfc3339()
            );
            cx.error(
                text.pos,
                path,
                msg,
                Some("pick a time outside the repeated hour, or set `timezone: UTC`".into()),
            );
            None
        }
    }
}

/// Validates `horizon:`.
pub fn horizon(cx: &mut Ctx, h: Option<&Located<raw::Horizon>>, root: Pos) -> Option<HorizonInfo> {
    let Some(h) = h else {
        cx.missing(
            root,
            "horizon",
            "add `horizon:` with `start`, `duration` (and `timezone`)",
        );
        return None;
    };
    let (at, h) = (h.pos, &h.value);
    let tz = match &h.timezone {
        Some(name) => zone(cx, name, "horizon.timezone"),
        None => Some(Tz::UTC),
    };
    let duration = cx.duration(h.duration.as_ref(), at, "horizon.duration", None);
    let warmup = cx.duration(h.warmup.as_ref(), at, "horizon.warmup", Some(SimTime::ZERO));
    let start = match (&h.start, tz) {
        (Some(s), Some(tz)) => local_instant(cx, s, tz, "horizon.start"),
        (None, _) => {
            cx.missing(
                at,
                "horizon.start",
                "add a local start, e.g. `2026-11-27T00:00`",
            );
            None
        }
        _ => None,
    };
    let dur_pos = h.duration.as_ref().map_or(at, |d| d.pos);
    let duration = duration.and_then(|d| {
        if d == SimTime::ZERO {
            cx.error(
                dur_pos,
                "horizon.duration",
                "horizon duration must be > 0",
                Some("e.g. `3d`".into()),
            );
            None
        } else if d > MAX_HORIZON {
            cx.error(
                dur_pos,
                "horizon.duration",
                format!("horizon of {d} is longer than 366 days"),
                Some("simulate the peak weeks, not years: e.g. `7d`".into()),
            );
            None
        } else {
            Some(d)
        }
    });
    let duration = duration?;
    // A bad warm-up is recorded but does not stop the calendar from being checked against
    // the horizon: the model is only built when no diagnostic was recorded.
    let warmup = match warmup {
        Some(w) if w >= duration => {
            let p = h.warmup.as_ref().map_or(at, |w| w.pos);
            cx.error(p, "horizon.warmup", format!("warm-up {w} is not shorter than the horizon {duration}"), Some("warm-up discards the start of the run; keep it well under the duration, e.g. `30m`".into()));
            SimTime::ZERO
        }
        Some(w) => w,
        None => SimTime::ZERO,
    };
    let (start_utc, tz) = (start?, tz?);
    let model = Horizon {
        start_local: h
            .start
            .as_ref()
            .map(|s| s.value.trim().to_owned())
            .unwrap_or_default(),
        timezone: tz.name().to_owned(),
        start_utc,
        duration,
        warmup,
    };
    Some(HorizonInfo {
        model,
        tz,
        start_utc,
    })
}

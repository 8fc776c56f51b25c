//! `run:` and `stats:` → [`RunSettings`] and [`StatsSettings`], with their defaults.

use super::super::located::{Located, Pos};
use super::super::raw;
use super::{Ctx, MAX_FINE_BUCKETS};
use crate::model::{RunSettings, SimTime, StatsSettings};

pub fn run(cx: &mut Ctx, run: Option<&Located<raw::Run>>) -> Option<RunSettings> {
    let default = raw::Run::default();
    let (r, at) = run.map_or((&default, Pos::default()), |r| (&r.value, r.pos));
    let seed = r.seed.as_ref().map_or(1, |s| s.value);
    let replications = cx.int(
        r.replications.as_ref(),
        at,
        "run.replications",
        Some(10),
        1..=1000,
        "at least one replication",
    );
    let max_in_flight = cx.int(
        r.max_in_flight.as_ref(),
        at,
        "run.max_in_flight",
        Some(1_000_000),
        1..=u32::MAX,
        "at least one request must fit",
    );
    let max_events = match &r.max_events {
        None => Some(5_000_000_000),
        Some(m) if m.value.fract() == 0.0 && m.value >= 1.0 && m.value <= 1e15 => {
            Some(m.value as u64)
        }
        Some(m) => {
            cx.error(
                m.pos,
                "run.max_events",
                format!(
                    "must be a whole number between 1 and 1e15, found {}",
                    m.value
                ),
                Some("e.g. `5e9`".into()),
            );
            None
        }
    };
    Some(RunSettings {
        seed,
        replications: replications?,
        max_events: max_events?,
        max_in_flight: max_in_flight?,
    })
}

pub fn stats(
    cx: &mut Ctx,
    stats: Option<&Located<raw::Stats>>,
    horizon: Option<SimTime>,
) -> Option<StatsSettings> {
    let default = raw::Stats::default();
    let (s, at) = stats.map_or((&default, Pos::default()), |s| (&s.value, s.pos));
    let fine = cx.duration(
        s.fine_bucket.as_ref(),
        at,
        "stats.fine_bucket",
        Some(SimTime::from_secs(300)),
    );
    let coarse = cx.duration(
        s.coarse_bucket.as_ref(),
        at,
        "stats.coarse_bucket",
        Some(SimTime::from_secs(3600)),
    );
    let (fine, coarse) = (fine?, coarse?);
    let fine_pos = s.fine_bucket.as_ref().map_or(at, |f| f.pos);
    if fine == SimTime::ZERO {
        cx.error(
            fine_pos,
            "stats.fine_bucket",
            "must be > 0",
            Some("e.g. `5m`".into()),
        );
        return None;
    }
    if let Some(h) = horizon {
        if h.as_nanos() / fine.as_nanos() > MAX_FINE_BUCKETS {
            cx.error(
                fine_pos,
                "stats.fine_bucket",
                format!("{fine} gives more than {MAX_FINE_BUCKETS} buckets over the horizon"),
                Some("use a wider bucket, e.g. `5m`".into()),
            );
            return None;
        }
    }
    if coarse < fine {
        let p = s.coarse_bucket.as_ref().map_or(at, |c| c.pos);
        cx.error(
            p,
            "stats.coarse_bucket",
            format!("coarse bucket {coarse} is narrower than the fine bucket {fine}"),
            Some("coarse_bucket ≥ fine_bucket, e.g. `1h` and `5m`".into()),
        );
        return None;
    }
    Some(StatsSettings {
        fine_bucket: fine,
        coarse_bucket: coarse,
    })
}

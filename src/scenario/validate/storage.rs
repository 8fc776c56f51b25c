//! The PostgreSQL data path beyond cores and connections: each server's memory and the
//! buffer hit ratio its cache gives over the working set, the primary's write path
//! (commit round trip, checkpoints, dirty pages per row) and what a class writes.

use super::super::located::{Located, OrderedMap, Pos, Text};
use super::super::raw;
use super::super::units;
use super::dist::{Measure, dist};
use super::{Bounds, Ctx};
use crate::model::{DbServer, HitBasis, SimTime, WorkloadClass, WritePath, Writes, hit_ratio};

/// Share of page reads served from memory when nothing says otherwise. ASSUMPTION: a
/// common OLTP target (measure yours in `pg_statio_user_tables`).
pub const DEFAULT_BUFFER_HIT_RATIO: f64 = 0.99;
/// 80 % of the reads on 20 % of the pages: 0.2^(1 − s) = 0.8 gives s ≈ 0.86.
const DEFAULT_ACCESS_SKEW: f64 = 0.86;
/// Most commits one request may make (a typo guard).
const MAX_COMMITS: u32 = 1_000;
/// Longest synchronous-standby round trip accepted (a cross-region standby is ≈ 100 ms).
const MAX_ROUND_TRIP: SimTime = SimTime::from_secs(1);
/// Longest `checkpoint_timeout` PostgreSQL accepts (1 day).
const MAX_CHECKPOINT_TIMEOUT: SimTime = SimTime::from_secs(86_400);
/// Shortest `checkpoint_timeout` PostgreSQL accepts (30 s).
const MIN_CHECKPOINT_TIMEOUT: SimTime = SimTime::from_secs(30);

/// The database's data as the servers' caches see it (`estate.postgres`).
pub struct DataSet {
    /// `working_set` in bytes, with where it was written.
    working_set: Option<(u64, Pos)>,
    skew: f64,
}

/// An optional size in bytes, > 0.
fn bytes(cx: &mut Ctx, v: Option<&Located<Text>>, path: &str) -> Option<Option<u64>> {
    let Some(v) = v else { return Some(None) };
    match units::parse_size(&v.value.0) {
        Ok(0) => {
            cx.error(
                v.pos,
                path,
                "must be > 0".to_string(),
                Some("a size such as `16GiB`".into()),
            );
            None
        }
        Ok(b) => Some(Some(b)),
        Err(e) => {
            cx.unit_error(v.pos, path, e);
            None
        }
    }
}

/// `working_set` and `access_skew` of `estate.postgres`.
pub fn data_set(cx: &mut Ctx, pg: &raw::Postgres, at: Pos) -> Option<DataSet> {
    let ws = pg.working_set.as_ref();
    let working_set = bytes(cx, ws, "estate.postgres.working_set");
    let skew = cx.real(
        pg.access_skew.as_ref(),
        at,
        "estate.postgres.access_skew",
        Some(DEFAULT_ACCESS_SKEW),
        Bounds {
            min: 0.0,
            open_min: false,
            max: 0.99,
        },
        "0 = every page equally likely; 0.86 = 80 % of the reads on 20 % of the pages",
    );
    Some(DataSet {
        working_set: working_set?.zip(ws.map(|w| w.pos)),
        skew: skew?,
    })
}

/// A server's memory and buffer hit ratio: the ratio written (a constant override); else
/// worked out from the working set against the cache; else the replica's inherited
/// figure or the default.
pub fn memory_and_hits(
    cx: &mut Ctx,
    f: &raw::DbServerFields,
    at: Pos,
    path: &str,
    inherit: Option<&DbServer>,
    data: &DataSet,
) -> Option<(Option<u64>, f64, HitBasis)> {
    let p = |k: &str| format!("{path}.{k}");
    let memory = bytes(cx, f.memory.as_ref(), &p("memory"))?;
    let memory = memory.or(inherit.and_then(|s| s.memory_bytes));
    let cache = bytes(cx, f.cache.as_ref(), &p("cache"))?;
    if let (Some(c), Some(m), Some(v)) = (cache, memory, f.cache.as_ref()) {
        if c > m {
            cx.error(
                v.pos,
                &p("cache"),
                format!(
                    "cache ({}) exceeds the server's memory ({})",
                    v.value.0,
                    mib(m)
                ),
                Some("the cache is shared_buffers plus the OS page cache: part of `memory`".into()),
            );
            return None;
        }
    }
    let cache = cache.or(memory.map(|m| m / 2));
    if let Some(r) = f.buffer_hit_ratio.as_ref() {
        let ratio = cx.real(
            Some(r),
            at,
            &p("buffer_hit_ratio"),
            None,
            Bounds::RATIO,
            "the share of page reads served from memory, e.g. 0.99",
        )?;
        return Some((memory, ratio, HitBasis::Given));
    }
    match (data.working_set, cache) {
        (Some((ws, _)), Some(c)) => {
            let basis = HitBasis::WorkingSet {
                cache_bytes: c,
                working_set_bytes: ws,
                skew: data.skew,
            };
            Some((memory, hit_ratio(c, ws, data.skew), basis))
        }
        (Some((_, pos)), None) if inherit.is_none() => {
            cx.error(
                pos,
                "estate.postgres.working_set",
                "the working set needs the server's memory to compare with".to_string(),
                Some(format!(
                    "add `{}` (the instance's RAM, e.g. `16GiB`) or a constant `buffer_hit_ratio`",
                    p("memory")
                )),
            );
            None
        }
        _ => Some(match inherit {
            Some(s) => (memory, s.buffer_hit_ratio, s.hit_basis),
            None => (memory, DEFAULT_BUFFER_HIT_RATIO, HitBasis::Default),
        }),
    }
}

fn mib(b: u64) -> String {
    format!("{}MiB", b / (1024 * 1024))
}

/// The primary's write path settings (`estate.postgres`).
pub fn write_path(cx: &mut Ctx, pg: &raw::Postgres, at: Pos) -> Option<WritePath> {
    let d = WritePath::default();
    let p = |k: &str| format!("estate.postgres.{k}");
    let round_trip = cx.duration_in(
        pg.commit_round_trip.as_ref(),
        at,
        &p("commit_round_trip"),
        d.commit_round_trip,
        SimTime::ZERO..=MAX_ROUND_TRIP,
        "≤ 1s",
        "a cross-zone round trip is about a millisecond: e.g. `1ms`",
    );
    let timeout = cx.duration_in(
        pg.checkpoint_timeout.as_ref(),
        at,
        &p("checkpoint_timeout"),
        d.checkpoint_timeout,
        MIN_CHECKPOINT_TIMEOUT..=MAX_CHECKPOINT_TIMEOUT,
        "between 30s and 1d",
        "PostgreSQL's range for checkpoint_timeout; its default is `5min`",
    );
    let target = cx.real(
        pg.checkpoint_completion_target.as_ref(),
        at,
        &p("checkpoint_completion_target"),
        Some(d.checkpoint_completion_target),
        Bounds::positive(1.0),
        "the share of checkpoint_timeout a checkpoint spreads its writes over; default 0.9",
    );
    let pages = cx.real(
        pg.dirty_pages_per_row.as_ref(),
        at,
        &p("dirty_pages_per_row"),
        Some(d.dirty_pages_per_row),
        Bounds::at_least(0.0, 100.0),
        "data pages a written row dirties (heap and indexes), e.g. 1",
    );
    Some(WritePath {
        commit_round_trip: round_trip?,
        checkpoint_timeout: timeout?,
        checkpoint_completion_target: target?,
        dirty_pages_per_row: pages?,
    })
}

/// A class's `writes:`.
pub fn writes(cx: &mut Ctx, w: &Located<raw::WritesSpec>, path: &str) -> Option<Writes> {
    let (at, v) = (w.pos, &w.value);
    let rows = dist(
        cx,
        v.rows.as_ref(),
        at,
        &format!("{path}.rows"),
        Measure::Count,
        None,
    );
    let commits = cx.int(
        v.commits.as_ref(),
        at,
        &format!("{path}.commits"),
        Some(1),
        1..=MAX_COMMITS,
        "a writing request commits at least once",
    );
    Some(Writes {
        rows: rows?,
        commits: commits?,
    })
}

/// Writes need a volume to flush the WAL to and write pages back on.
pub fn writes_need_a_volume(
    cx: &mut Ctx,
    workloads: &Located<OrderedMap<Located<raw::Workload>>>,
    classes: &[WorkloadClass],
    primary: &DbServer,
) {
    if primary.volume.is_some() {
        return;
    }
    for ((name, raw), c) in workloads.value.0.iter().zip(classes) {
        if let (Some(w), Some(_)) = (&raw.value.writes, &c.writes) {
            cx.error(
                w.pos,
                &format!("workloads.{}.writes", name.value),
                "writes with no volume to write to: `estate.postgres` has no `volume`".to_string(),
                Some(
                    "add `estate.postgres.volume` (e.g. `{iops: 3000, io_latency: 1ms}`, gp3's baseline), or remove `writes`".into(),
                ),
            );
        }
    }
}

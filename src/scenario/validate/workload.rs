//! `workloads:` → [`WorkloadClass`]es (distributions are in `dist.rs`; `locks:` and
//! `calls:` are resolved in `contention.rs` and `integrations.rs`).

use super::super::located::{Located, OrderedMap, Pos, Text};
use super::super::raw;
use super::super::units;
use super::dist::{Measure, dist};
use super::{Bounds, Ctx, bucket, contention, integrations, storage};
use crate::model::{Population, SimTime, WebsocketUse, WorkloadClass};

/// Highest base rate per class (requests per second).
const MAX_RATE_PER_S: f64 = 1e6;
/// Most classes in a scenario.
const MAX_CLASSES: usize = 1_000;
/// Most pages one query reads (a typo guard: 1e6 8-KiB pages is 8 GB per query).
const MAX_READS_PER_QUERY: f64 = 1e6;
/// Extra queries per cache miss. ASSUMPTION: an entry (a page fragment, a computed
/// result) is rebuilt from a handful of reads; Odoo's website tests count 3–11 queries a
/// page (addons/website/tests/test_performance.py). Measure yours.
const DEFAULT_CACHE_MISS_QUERIES: u32 = 5;

/// What a class may refer to by name: `contention.tables` and `integrations`, in file order.
pub struct Names<'a> {
    pub tables: Vec<&'a str>,
    pub integrations: Vec<&'a str>,
}

pub fn classes(
    cx: &mut Ctx,
    w: Option<&Located<OrderedMap<Located<raw::Workload>>>>,
    root: Pos,
    names: &Names,
) -> Option<Vec<WorkloadClass>> {
    let Some(w) = w else {
        cx.missing(root, "workloads", "add at least one workload class, e.g. `workloads: {browse: {rate: 40/s, odoo_cpu: …}}`");
        return None;
    };
    if w.value.0.is_empty() || w.value.0.len() > MAX_CLASSES {
        cx.error(
            w.pos,
            "workloads",
            format!(
                "expected 1 to {MAX_CLASSES} workload classes, found {}",
                w.value.0.len()
            ),
            Some("each class is `name: {rate: …, odoo_cpu: …}`".into()),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (name, class) in &w.value.0 {
        match one(cx, name, class, names) {
            Some(c) => out.push(c),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn one(
    cx: &mut Ctx,
    name: &Located<String>,
    class: &Located<raw::Workload>,
    names: &Names,
) -> Option<WorkloadClass> {
    let path = format!("workloads.{}", name.value);
    if name.value == "all" || name.value.trim().is_empty() {
        cx.error(
            name.pos,
            &path,
            format!("`{}` cannot name a class", name.value),
            Some("`all` is reserved for event multipliers; choose another name".into()),
        );
    }
    let (at, c) = (class.pos, &class.value);
    let (rate, population) = match (&c.rate, &c.users) {
        (Some(r), Some(u)) => {
            cx.error(
                u.pos,
                &format!("{path}.users"),
                format!("class `{}` has both `rate` (open) and `users` (closed)", name.value),
                Some(format!(
                    "an open class arrives at a rate (line {}); a closed class has users who think between requests: keep one",
                    r.pos.line
                )),
            );
            (None, None)
        }
        (_, Some(u)) => {
            let users = cx.int(
                Some(u),
                at,
                &format!("{path}.users"),
                None,
                1..=super::population::MAX_USERS,
                "the number of users of a closed class, e.g. `users: 40`",
            );
            let think = dist(
                cx,
                c.think_time.as_ref(),
                at,
                &format!("{path}.think_time"),
                Measure::Duration,
                None,
            );
            // Users scale with the load, rounded, at least one.
            let users = users.map(|u| (f64::from(u) * cx.load).round().max(1.0) as u32);
            let population = match (users, think) {
                (Some(users), Some(think_s)) => Some(Some(Population {
                    users,
                    peak_users: users,
                    think_s,
                })),
                _ => None,
            };
            (Some(0.0), population)
        }
        // A job class arrives only when spawned and dispatched by the job runner; a cron
        // class when its interval comes round.
        // Arrivals at fixed local times (`at:`), compiled with the horizon (schedule.rs).
        (None, None) if c.at.is_some() => (Some(0.0), Some(None)),
        (None, None) if c.job.is_some() || c.cron.is_some() => (Some(0.0), Some(None)),
        (Some(r), None) if c.cron.is_some() => {
            cx.error(
                r.pos,
                &format!("{path}.rate"),
                format!(
                    "class `{}` is a scheduled action (`cron`) and has a `rate`",
                    name.value
                ),
                Some("a cron class runs every `cron.interval`; remove `rate`".into()),
            );
            (None, None)
        }
        (Some(r), None) if c.job.is_some() => {
            cx.error(
                r.pos,
                &format!("{path}.rate"),
                format!("class `{}` is a queue_job job and has a `rate`", name.value),
                Some("jobs arrive when other classes spawn them (`spawns:`); remove `rate`".into()),
            );
            (None, None)
        }
        _ => (
            rate(cx, c.rate.as_ref(), at, &format!("{path}.rate")).map(|r| r * cx.load),
            Some(None),
        ),
    };
    if let (Some(j), Some(cr)) = (&c.job, &c.cron) {
        cx.error(
            cr.pos,
            &format!("{path}.cron"),
            format!("class `{}` is both a job and a cron", name.value),
            Some(format!(
                "keep one: `job:` (line {}) is queued work, `cron:` is scheduled work",
                j.pos.line
            )),
        );
    }
    let cron = match &c.cron {
        None => Some(None),
        Some(cr) => {
            let p = format!("{path}.cron");
            let interval = cx.duration(
                cr.value.interval.as_ref(),
                cr.pos,
                &format!("{p}.interval"),
                None,
            );
            let first = cx.duration(
                cr.value.first_run.as_ref(),
                cr.pos,
                &format!("{p}.first_run"),
                Some(SimTime::ZERO),
            );
            match (interval, first) {
                (Some(i), Some(f)) if i < SimTime::from_secs(60) => {
                    let at = cr.value.interval.as_ref().map_or(cr.pos, |x| x.pos);
                    cx.error(
                        at,
                        &format!("{p}.interval"),
                        format!("interval {i} is under a minute"),
                        Some("Odoo's cron workers poll about every 60 s; use `1m` or more".into()),
                    );
                    let _ = f;
                    None
                }
                (Some(interval), Some(first)) => {
                    Some(Some(crate::model::CronSchedule { interval, first }))
                }
                _ => None,
            }
        }
    };
    let batch_size = dist(
        cx,
        c.batch_size.as_ref(),
        at,
        &format!("{path}.batch_size"),
        Measure::Count,
        Some(1.0),
    );
    let new_session_ratio = cx.real(
        c.new_session_ratio.as_ref(),
        at,
        &format!("{path}.new_session_ratio"),
        Some(0.0),
        Bounds::RATIO,
        "a share of requests, between 0 and 1",
    );
    let memory_growth = dist(
        cx,
        c.memory_growth.as_ref(),
        at,
        &format!("{path}.memory_growth"),
        Measure::Size,
        Some(0.0),
    );
    let odoo_cpu = dist(
        cx,
        c.odoo_cpu.as_ref(),
        at,
        &format!("{path}.odoo_cpu"),
        Measure::Duration,
        None,
    );
    let queries = dist(
        cx,
        c.queries.as_ref(),
        at,
        &format!("{path}.queries"),
        Measure::Count,
        Some(0.0),
    );
    let db = dist(
        cx,
        c.db_time_per_query.as_ref(),
        at,
        &format!("{path}.db_time_per_query"),
        Measure::Duration,
        Some(0.0),
    );
    let cursors = cx.int(
        c.cursors.as_ref(),
        at,
        &format!("{path}.cursors"),
        Some(1),
        1..=64,
        "a request holds at least one cursor",
    );
    let rate_limit = match &c.rate_limit {
        Some(r) => {
            bucket::token_bucket(cx, r, &format!("{path}.rate_limit"), &bucket::TRAEFIK).map(Some)
        }
        None => Some(None),
    };
    let reads_per_query = cx.real(
        c.reads_per_query.as_ref(),
        at,
        &format!("{path}.reads_per_query"),
        Some(0.0),
        Bounds::at_least(0.0, MAX_READS_PER_QUERY),
        "pages (blocks) each query reads; `1 − buffer_hit_ratio` of them reach the volume",
    );
    let locks = contention::lock_uses(
        cx,
        c.locks.as_ref(),
        &format!("{path}.locks"),
        &names.tables,
    );
    let writes = match &c.writes {
        Some(w) => storage::writes(cx, w, &format!("{path}.writes")).map(Some),
        None => Some(None),
    };
    let calls = integrations::call_uses(
        cx,
        c.calls.as_ref(),
        &format!("{path}.calls"),
        &names.integrations,
    );
    let websocket = match &c.websocket {
        None => Some(None),
        Some(ws) => websocket(cx, ws, c, &path).map(Some),
    };
    let readonly = readonly(cx, c, &path);
    let client = match &c.client {
        None => Some(None),
        Some(spec) => super::client::client(cx, spec, c, &path).map(Some),
    };
    let cache_lookups = dist(
        cx,
        c.cache_lookups.as_ref(),
        at,
        &format!("{path}.cache_lookups"),
        Measure::Count,
        Some(0.0),
    );
    let cache_miss_queries = cx.int(
        c.cache_miss_queries.as_ref(),
        at,
        &format!("{path}.cache_miss_queries"),
        Some(DEFAULT_CACHE_MISS_QUERIES),
        0..=10_000,
        "extra queries per cache miss; 0 = a miss costs PostgreSQL nothing",
    );
    if name.value == "all" {
        return None;
    }
    Some(WorkloadClass {
        readonly: readonly?,
        name: name.value.clone(),
        base_rate_per_s: rate?,
        population: population?,
        fixed_times: None,
        job: None,
        cron: cron?,
        memory_growth_mib: memory_growth?,
        new_session_ratio: new_session_ratio?,
        batch_size: batch_size?,
        spawns: Vec::new(),
        cache_lookups: cache_lookups?,
        cache_miss_queries: cache_miss_queries?,
        odoo_cpu_s: odoo_cpu?,
        queries: queries?,
        db_time_per_query_s: db?,
        cursors: cursors?,
        rate_limit: rate_limit?,
        reads_per_query: reads_per_query?,
        locks: locks?,
        writes: writes?,
        calls: calls?,
        websocket: websocket?,
        client: client?,
    })
}

/// Most messages per second over one websocket (Odoo's own limiter closes a connection
/// sending more than `websocket_rate_limit_burst` = 10 frames per 2 s, i.e. 5/s
/// sustained: 100/s is a typo guard well above it).
const MAX_WS_MESSAGES_PER_S: f64 = 100.0;

/// `websocket:`: connection lifetime and message rate; the features a message cannot
/// have are refused with the reason.
fn websocket(
    cx: &mut Ctx,
    ws: &Located<raw::WebsocketSpec>,
    c: &raw::Workload,
    path: &str,
) -> Option<WebsocketUse> {
    let p = format!("{path}.websocket");
    let unsupported: [(&str, Option<Pos>, &str); 11] = [
        (
            "writes",
            c.writes.as_ref().map(|x| x.pos),
            "bus messages' own writes (presence) are not modelled",
        ),
        (
            "readonly",
            c.readonly.as_ref().filter(|r| r.value).map(|x| x.pos),
            "bus messages use the evented worker's cursors on the primary",
        ),
        (
            "new_session_ratio",
            c.new_session_ratio.as_ref().map(|x| x.pos),
            "sessions are created by HTTP requests (logins), not over the websocket",
        ),
        (
            "memory_growth",
            c.memory_growth.as_ref().map(|x| x.pos),
            "the evented worker's memory grows per open connection: see `estate.odoo.websocket_memory`",
        ),
        (
            "users",
            c.users.as_ref().map(|x| x.pos),
            "a websocket class is open: `rate` is the rate at which tabs connect",
        ),
        (
            "job",
            c.job.as_ref().map(|x| x.pos),
            "jobs run on HTTP workers, not over a websocket",
        ),
        (
            "cron",
            c.cron.as_ref().map(|x| x.pos),
            "scheduled actions run on cron workers",
        ),
        (
            "locks",
            c.locks.as_ref().map(|x| x.pos),
            "bus messages do not update hot rows: model the writes in an HTTP class",
        ),
        (
            "calls",
            c.calls.as_ref().map(|x| x.pos),
            "the evented worker does not call external APIs for bus messages",
        ),
        (
            "spawns",
            c.spawns.as_ref().map(|x| x.pos),
            "bus messages enqueue no jobs",
        ),
        (
            "rate_limit",
            c.rate_limit.as_ref().map(|x| x.pos),
            "Traefik's RateLimit counts connection upgrades, not the messages inside a websocket",
        ),
    ];
    let mut ok = true;
    for (key, at, why) in unsupported {
        if let Some(at) = at {
            cx.error(
                at,
                &format!("{path}.{key}"),
                format!("`{key}` is not supported on a websocket class"),
                Some(why.into()),
            );
            ok = false;
        }
    }
    let connected = dist(
        cx,
        ws.value.connected.as_ref(),
        ws.pos,
        &format!("{p}.connected"),
        Measure::Duration,
        None,
    );
    let messages = match ws.value.messages.as_ref() {
        None => {
            cx.missing(
                ws.pos,
                &format!("{p}.messages"),
                "add the messages per open connection, e.g. `messages: 2/min`",
            );
            None
        }
        Some(m) => match units::parse_rate(&m.value.0) {
            Ok(r) if r > 0.0 && r <= MAX_WS_MESSAGES_PER_S => Some(r),
            Ok(r) => {
                cx.error(
                    m.pos,
                    &format!("{p}.messages"),
                    format!("must be > 0 and ≤ 100/s per connection, found {r}/s"),
                    Some("Odoo closes a websocket sending more than 10 frames per 2 s (websocket_rate_limit_burst × delay)".into()),
                );
                None
            }
            Err(e) => {
                cx.error(m.pos, &format!("{p}.messages"), e.message, Some(e.hint));
                None
            }
        },
    };
    if !ok {
        return None;
    }
    Some(WebsocketUse {
        connected_s: connected?,
        messages_per_s: messages?,
    })
}

/// `readonly: true` (Odoo 18 `@route(readonly=True)`): a read-only transaction cannot
/// update rows (`locks`) nor insert queue_job rows (`spawns`); queue_job's `runjob` and
/// ir.cron run read-write, so a `job` or `cron` class cannot be read-only either.
fn readonly(cx: &mut Ctx, c: &raw::Workload, path: &str) -> Option<bool> {
    let Some(flag) = c.readonly.as_ref().filter(|f| f.value) else {
        return Some(false);
    };
    let mut ok = true;
    let line = flag.pos.line;
    if let Some(l) = c.locks.as_ref().filter(|l| !l.value.is_empty()) {
        cx.error(
            l.pos,
            &format!("{path}.locks"),
            "a `readonly` class cannot update rows: a read-only transaction takes no row locks",
            Some(format!(
                "remove `locks`, or drop `readonly: true` (line {line}) if the route writes"
            )),
        );
        ok = false;
    }
    if let Some(w) = c.writes.as_ref() {
        cx.error(
            w.pos,
            &format!("{path}.writes"),
            "a `readonly` class writes nothing: its transaction is read-only",
            Some(format!(
                "remove `writes`, or drop `readonly: true` (line {line}) if the route writes"
            )),
        );
        ok = false;
    }
    if let Some(sp) = c.spawns.as_ref().filter(|s| !s.value.is_empty()) {
        cx.error(
            sp.pos,
            &format!("{path}.spawns"),
            "a `readonly` class cannot enqueue jobs: enqueueing inserts queue_job rows",
            Some(format!(
                "remove `spawns`, or drop `readonly: true` (line {line}) if the route writes"
            )),
        );
        ok = false;
    }
    for (key, pos) in [
        ("job", c.job.as_ref().map(|j| j.pos)),
        ("cron", c.cron.as_ref().map(|j| j.pos)),
    ] {
        if let Some(pos) = pos {
            cx.error(
                pos,
                &format!("{path}.readonly"),
                format!("a `{key}` class cannot be `readonly`"),
                Some(
                    "queue_job's runjob and ir.cron run in read-write transactions; remove `readonly`"
                        .into(),
                ),
            );
            ok = false;
        }
    }
    ok.then_some(true)
}

fn rate(cx: &mut Ctx, v: Option<&Located<Text>>, at: Pos, path: &str) -> Option<f64> {
    let Some(v) = v else {
        cx.missing(at, path, "add a base rate, e.g. `40/s` or `5k/h`");
        return None;
    };
    let r = match units::parse_rate(&v.value.0) {
        Ok(r) => r,
        Err(e) => {
            cx.error(v.pos, path, e.message, Some(e.hint));
            return None;
        }
    };
    if r <= 0.0 || !r.is_finite() {
        cx.error(
            v.pos,
            path,
            format!("rate must be > 0, found `{}`", v.value.0),
            Some("remove the class, or give it a positive rate such as `1/h`".into()),
        );
        return None;
    }
    if r > MAX_RATE_PER_S {
        cx.error(
            v.pos,
            path,
            format!("rate `{}` is above 1M/s", v.value.0),
            Some("check the unit (`/s`, `/min`, `/h`) and the `k`/`M` suffix".into()),
        );
        return None;
    }
    Some(r)
}

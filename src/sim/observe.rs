//! What one replication observes: counters, latency histograms and time-weighted resource
//! levels, over the observation window (after warm-up) and per time bucket.
//!
//! Memory is fixed per class and resource except the bucket series, which hold a few
//! numbers per bucket; percentiles per coarse bucket are computed when the bucket closes
//! and its histogram is reused, so no per-bucket histogram is ever kept.

use super::probe::{Probes, SpanCounts};
use super::{Part, Resource};
use crate::collect::{Histogram, TimeWeighted};
use crate::model::SimTime;
use serde::Serialize;

/// How a request ended, when not completed. Order = index in counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Pod's listen backlog full and `tcp_abort_on_overflow` set: the connection is reset
    /// and no retry was left (the ingress answers 502).
    BacklogFull,
    /// `db_maxconn` smaller than the cursors the request needs: "The Connection Pool Is Full".
    DbPoolFull,
    /// PostgreSQL `max_connections` reached: "sorry, too many clients already" (53300).
    PgTooManyClients,
    /// Killed by the master after `limit_time_real`: the client sees a 502.
    KilledTimeReal,
    /// Traefik's RateLimit answered 429.
    RateLimited,
    /// Serialization failure (40001) on every one of Odoo's tries.
    SerializationFailure,
    /// A synchronous external call failed or timed out.
    IntegrationFailed,
    /// An allocation crossed `limit_memory_hard` (MemoryError).
    MemoryHardLimit,
    /// Redis refused to save the new session (`noeviction`, `maxmemory` reached).
    RedisOom,
    /// PgBouncer disconnected the client after `query_wait_timeout`.
    PoolWaitTimeout,
    /// The pod's evented worker was restarting: the websocket upgrade was refused, or
    /// the message was in flight when the connection dropped.
    WebsocketUnavailable,
    /// The read replica's `max_connections` reached (53300 on the replica).
    ReplicaTooManyClients,
    /// An external API's own rate limit answered 429 to a synchronous call.
    IntegrationRateLimited,
    /// The client gave up waiting (`client.timeout`); Odoo may still run the request.
    ClientTimeout,
    /// Traefik's dial timed out — every SYN dropped on the pod's full listen queue — and
    /// no retry was left: the client sees a 504.
    DialTimeout,
    /// `limit_time_cpu`: the kernel's SIGXCPU made Odoo raise "CPU time limit exceeded";
    /// the transaction rolls back, the worker lives on (a 500).
    CpuTimeLimit,
}

impl Cause {
    pub const ALL: [Cause; 16] = [
        Cause::BacklogFull,
        Cause::DbPoolFull,
        Cause::PgTooManyClients,
        Cause::KilledTimeReal,
        Cause::RateLimited,
        Cause::SerializationFailure,
        Cause::IntegrationFailed,
        Cause::MemoryHardLimit,
        Cause::RedisOom,
        Cause::PoolWaitTimeout,
        Cause::WebsocketUnavailable,
        Cause::ReplicaTooManyClients,
        Cause::IntegrationRateLimited,
        Cause::ClientTimeout,
        Cause::DialTimeout,
        Cause::CpuTimeLimit,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            Cause::BacklogFull => "backlog_full",
            Cause::DbPoolFull => "db_pool_full",
            Cause::PgTooManyClients => "pg_too_many_clients",
            Cause::KilledTimeReal => "killed_limit_time_real",
            Cause::RateLimited => "rate_limited",
            Cause::SerializationFailure => "serialization_failure",
            Cause::IntegrationFailed => "integration_failed",
            Cause::MemoryHardLimit => "memory_hard_limit",
            Cause::RedisOom => "redis_oom",
            Cause::PoolWaitTimeout => "pgbouncer_query_wait_timeout",
            Cause::WebsocketUnavailable => "websocket_unavailable",
            Cause::ReplicaTooManyClients => "replica_too_many_clients",
            Cause::IntegrationRateLimited => "integration_rate_limited",
            Cause::ClientTimeout => "client_timeout",
            Cause::DialTimeout => "dial_timeout",
            Cause::CpuTimeLimit => "cpu_time_limit",
        }
    }
}

/// Per class, one fine bucket, stored compactly (16 bytes): a 30-day horizon has 8,640
/// five-minute buckets per class and replication. Counts saturate at u32::MAX (4e9 in five
/// minutes would be 14 M requests/s); sums are accumulated in f64 and stored in f32
/// (7 significant digits, ample for a bucket's mean latency).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct FineClassBucket {
    pub arrivals: u32,
    pub completed: u32,
    pub errors: u32,
    pub latency_s_sum: f32,
}

/// The open fine bucket of one class, at full precision.
#[derive(Clone, Copy, Debug, Default)]
struct FineNow {
    arrivals: u64,
    completed: u64,
    errors: u64,
    latency_s_sum: f64,
}

impl FineNow {
    fn store(self) -> FineClassBucket {
        let n = |x: u64| u32::try_from(x).unwrap_or(u32::MAX);
        FineClassBucket {
            arrivals: n(self.arrivals),
            completed: n(self.completed),
            errors: n(self.errors),
            latency_s_sum: self.latency_s_sum as f32,
        }
    }
}

/// Per class, one coarse bucket: latency percentiles of the requests completed in it.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct CoarseClassBucket {
    pub completed: u64,
    pub latency_s_p50: Option<f64>,
    pub latency_s_p95: Option<f64>,
    pub latency_s_p99: Option<f64>,
}

/// Everything one class observed (the output of a replication: no working state).
#[derive(Clone, Debug, Default)]
pub struct ClassObs {
    // Observation window (after warm-up):
    pub arrivals: u64,
    pub completed: u64,
    pub errors: [u64; Cause::COUNT],
    /// p50, p95 and p99 latency (s) of completed requests, from the histogram.
    pub latency_s_quantiles: [Option<f64>; 3],
    pub latency_s_sum: f64,
    pub wait_s_sum: f64,
    /// Requests that found every worker of their pod busy and waited in the backlog.
    pub waited: u64,
    /// Requests that started on a worker (wait statistics are over these).
    pub started: u64,
    /// Sum of time in system over every request that ended in the window (any outcome).
    pub sojourn_s_sum_all: f64,
    pub ended: u64,
    /// Nanoseconds per [`Part`] summed over completed requests: where the time went
    /// (integers: no conversion per request).
    pub parts_ns_sum: [u128; Part::COUNT],
    /// queue_job jobs of this class that ended `failed` (retries exhausted).
    pub jobs_failed: u64,
    /// Sessions evicted from Redis to make room for this class's new sessions.
    pub sessions_evicted: u64,
    /// Serialization failures met (each one a retry or, on the last try, an error).
    pub conflicts: u64,
    /// Websocket connections of this class dropped by an evented-worker restart.
    pub websocket_drops: u64,
    /// Redis cache lookups made by this class's requests, and how many hit.
    pub cache_lookups: u64,
    pub cache_hits: u64,
    /// Clients who gave up (`client:`), over the window: what Odoo did with their
    /// requests after they left, and the requests they sent again.
    pub abandon: AbandonObs,
    /// Time-average number of this class's requests in the system over the window
    /// (set when the replication ends).
    pub in_system_mean: f64,
    // Whole run, for conservation checks:
    pub arrivals_total: u64,
    pub completed_total: u64,
    pub errors_total: [u64; Cause::COUNT],
    // Buckets:
    pub fine: Vec<FineClassBucket>,
    pub coarse: Vec<CoarseClassBucket>,
}

/// What happened to the requests whose clients gave up (counted in the window, when
/// Odoo ends them), and the requests sent again.
#[derive(Clone, Copy, Debug, Default)]
pub struct AbandonObs {
    /// Abandoned requests Odoo completed anyway: throughput that is not goodput.
    pub wasted_completions: u64,
    /// Abandoned requests that then failed in Odoo (the user had already left).
    pub failed_after: u64,
    /// Odoo CPU demanded by abandoned requests (their successful or last try), ns.
    pub wasted_odoo_cpu_ns: u128,
    /// PostgreSQL CPU and volume time of abandoned requests (their last try), ns.
    pub wasted_db_ns: u128,
    /// Requests sent again by users who gave up.
    pub resubmissions: u64,
    /// Whole run: abandoned requests Odoo completed (with `completed_total`, Odoo's
    /// completions).
    pub wasted_completions_total: u64,
}

/// Working state of one class: fixed size, whatever the horizon.
#[derive(Clone, Debug, Default)]
struct ClassWork {
    latency: Histogram,
    coarse_hist: Histogram,
    in_system: TimeWeighted,
    fine_now: FineNow,
}

/// What an [`Observer`] hands back at the end of a replication.
pub struct Observed {
    pub classes: Vec<ClassObs>,
    /// Per service-level objective, its spans' counts (empty for one read from a gauge).
    pub slo_spans: Vec<Vec<SpanCounts>>,
    pub resources: Vec<TimeWeighted>,
    pub resource_fine: Vec<Vec<f32>>,
}

/// Quantiles reported per class and per coarse bucket.
pub const QUANTILES: [f64; 3] = [0.50, 0.95, 0.99];

/// Collector of one replication.
pub struct Observer {
    pub window_open: bool,
    pub classes: Vec<ClassObs>,
    work: Vec<ClassWork>,
    /// Per gauge: whether the scenario has it (its bucket series is kept).
    active: Vec<bool>,
    pub resources: Vec<TimeWeighted>,
    /// Per resource, per fine bucket: time-average level (f32: stored per bucket).
    pub resource_fine: Vec<Vec<f32>>,
    fine_width_s: f64,
    fine_start: SimTime,
    /// The per-request counts of the service-level objectives on classes.
    probes: Probes,
}

impl Observer {
    /// A collector for `classes` classes and the gauges (the fixed resources, then the
    /// extra ones); `active[i]` says whether gauge `i`'s per-bucket series is kept.
    pub fn new(classes: usize, fine_width: SimTime, window_open: bool, active: Vec<bool>) -> Self {
        let n = active.len();
        Observer {
            active,
            window_open,
            classes: (0..classes).map(|_| ClassObs::default()).collect(),
            work: (0..classes).map(|_| ClassWork::default()).collect(),
            resources: vec![TimeWeighted::default(); n],
            resource_fine: vec![Vec::new(); n],
            fine_width_s: fine_width.as_secs_f64(),
            fine_start: SimTime::ZERO,
            probes: Probes::default(),
        }
    }

    /// The collector, probing the requests that service-level objectives count.
    pub fn with_probes(mut self, probes: Probes) -> Self {
        self.probes = probes;
        self
    }

    #[inline]
    pub fn level(&mut self, now: SimTime, r: Resource, value: f64) {
        self.resources[r as usize].set(now, value);
    }

    /// Gauge `r` changes by `delta` at `now`: a count (busy workers, open connections)
    /// is its gauge, with no shadow counter beside it.
    #[inline]
    pub fn add(&mut self, now: SimTime, r: Resource, delta: f64) {
        self.resources[r as usize].add(now, delta);
    }

    /// The current value of a counting gauge.
    #[inline]
    pub fn count(&self, r: Resource) -> u32 {
        self.resources[r as usize].value() as u32
    }

    /// The current value of gauge `r`.
    #[inline]
    pub fn level_value(&self, r: Resource) -> f64 {
        self.resources[r as usize].value()
    }

    /// Sets gauge `index` (a fixed resource's index, or an extra gauge's).
    #[inline]
    pub fn level_at(&mut self, now: SimTime, index: usize, value: f64) {
        self.resources[index].set(now, value);
    }

    /// `r` is `value` at `now` and rises by one per second until the next change.
    pub fn rising(&mut self, now: SimTime, r: Resource, value: f64) {
        self.resources[r as usize].set_rising(now, value, 1.0);
    }

    #[inline]
    pub fn arrival(&mut self, now: SimTime, class: usize) {
        let (c, w) = (&mut self.classes[class], &mut self.work[class]);
        c.arrivals_total += 1;
        w.fine_now.arrivals += 1;
        w.in_system.add(now, 1.0);
        if self.window_open {
            c.arrivals += 1;
        }
        self.probes.arrival(now, class);
    }

    #[inline]
    pub fn started(&mut self, class: usize, wait_s: f64) {
        if self.window_open {
            let c = &mut self.classes[class];
            c.started += 1;
            c.wait_s_sum += wait_s;
            c.waited += u64::from(wait_s > 0.0);
        }
    }

    #[inline]
    pub fn completed(
        &mut self,
        now: SimTime,
        class: usize,
        latency: SimTime,
        parts: &[u64; Part::COUNT],
        last_try: &[u64; Part::COUNT],
    ) {
        let (c, w) = (&mut self.classes[class], &mut self.work[class]);
        c.completed_total += 1;
        w.in_system.add(now, -1.0);
        let s = latency.as_secs_f64();
        w.fine_now.completed += 1;
        w.fine_now.latency_s_sum += s;
        w.coarse_hist.record(latency.as_nanos());
        self.probes.completed(now, class, latency);
        if self.window_open {
            c.completed += 1;
            w.latency.record(latency.as_nanos());
            c.latency_s_sum += s;
            c.sojourn_s_sum_all += s;
            c.ended += 1;
            // The last try's work is the real work (earlier tries' is in `LockRetry`).
            for ((sum, ns), try_ns) in c.parts_ns_sum.iter_mut().zip(parts).zip(last_try) {
                *sum += u128::from(ns + try_ns);
            }
        }
    }

    /// Odoo ended a request whose client had given up (completed when `completed`): its
    /// work — `parts` plus the last try's — was for nobody.
    pub fn abandoned_ended(
        &mut self,
        class: usize,
        completed: bool,
        parts: &[u64; Part::COUNT],
        last_try: &[u64; Part::COUNT],
    ) {
        let a = &mut self.classes[class].abandon;
        a.wasted_completions_total += u64::from(completed);
        if self.window_open {
            let ns = |p: Part| u128::from(parts[p as usize] + last_try[p as usize]);
            a.wasted_completions += u64::from(completed);
            a.failed_after += u64::from(!completed);
            a.wasted_odoo_cpu_ns += ns(Part::OdooCpu);
            a.wasted_db_ns += ns(Part::DbCpu) + ns(Part::DbIo);
        }
    }

    pub fn resubmitted(&mut self, class: usize) {
        if self.window_open {
            self.classes[class].abandon.resubmissions += 1;
        }
    }

    pub fn session_evicted(&mut self, class: usize) {
        if self.window_open {
            self.classes[class].sessions_evicted += 1;
        }
    }

    pub fn job_failed(&mut self, class: usize) {
        if self.window_open {
            self.classes[class].jobs_failed += 1;
        }
    }

    pub fn websocket_dropped(&mut self, class: usize) {
        if self.window_open {
            self.classes[class].websocket_drops += 1;
        }
    }

    pub fn cache(&mut self, class: usize, lookups: u64, hits: u64) {
        if self.window_open {
            let c = &mut self.classes[class];
            c.cache_lookups += lookups;
            c.cache_hits += hits;
        }
    }

    pub fn conflict(&mut self, class: usize) {
        if self.window_open {
            self.classes[class].conflicts += 1;
        }
    }

    #[inline]
    pub fn failed(&mut self, now: SimTime, class: usize, cause: Cause, sojourn: SimTime) {
        let (c, w) = (&mut self.classes[class], &mut self.work[class]);
        c.errors_total[cause as usize] += 1;
        w.in_system.add(now, -1.0);
        self.probes.failed(now, class, cause);
        w.fine_now.errors += 1;
        if self.window_open {
            c.errors[cause as usize] += 1;
            c.sojourn_s_sum_all += sojourn.as_secs_f64();
            c.ended += 1;
        }
    }

    /// End of warm-up: counters restart, time averages restart.
    pub fn open_window(&mut self, now: SimTime) {
        self.window_open = true;
        for w in &mut self.work {
            w.in_system.open_window(now);
        }
        for r in &mut self.resources {
            r.open_window(now);
        }
    }

    /// Closes the fine bucket ending at `now`.
    pub fn close_fine(&mut self, now: SimTime) {
        let width_s = (now - self.fine_start).as_secs_f64().max(1e-9);
        for (c, w) in self.classes.iter_mut().zip(&mut self.work) {
            c.fine.push(std::mem::take(&mut w.fine_now).store());
            w.in_system.close_bucket(now);
        }
        for ((r, series), on) in self
            .resources
            .iter_mut()
            .zip(&mut self.resource_fine)
            .zip(&self.active)
        {
            let level = r.close_bucket(now) / width_s;
            if *on {
                series.push(level as f32);
            }
        }
        self.fine_start = now;
        debug_assert!(self.fine_width_s > 0.0);
    }

    pub fn fine_len(&self) -> usize {
        self.classes
            .first()
            .map_or(self.resource_fine[0].len(), |c| c.fine.len())
    }

    pub fn coarse_len(&self) -> usize {
        self.classes.first().map_or(0, |c| c.coarse.len())
    }

    /// Closes the coarse bucket ending now: computes its percentiles and reuses the histogram.
    pub fn close_coarse(&mut self) {
        for (c, w) in self.classes.iter_mut().zip(&mut self.work) {
            let [p50, p95, p99] = quantiles_s(&w.coarse_hist);
            c.coarse.push(CoarseClassBucket {
                completed: w.coarse_hist.count(),
                latency_s_p50: p50,
                latency_s_p95: p95,
                latency_s_p99: p99,
            });
            w.coarse_hist.clear();
        }
    }

    /// Ends the replication at `now` after a window of `window_s` seconds: fills in the
    /// quantiles and time averages, and drops the working state.
    pub fn finish(mut self, now: SimTime, window_s: f64) -> Observed {
        for (c, w) in self.classes.iter_mut().zip(&mut self.work) {
            c.latency_s_quantiles = quantiles_s(&w.latency);
            c.in_system_mean = w.in_system.mean(now, window_s);
        }
        Observed {
            classes: self.classes,
            slo_spans: self.probes.finish(),
            resources: self.resources,
            resource_fine: self.resource_fine,
        }
    }
}

fn quantiles_s(h: &Histogram) -> [Option<f64>; 3] {
    QUANTILES.map(|q| h.quantile(q).map(|ns| ns / 1e9))
}

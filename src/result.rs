//! The result of a simulation: plain, documented structs, serialised as the versioned JSON
//! result (docs/results-format.md). Units are last in names (`latency_s_p95`).

pub mod headroom;

use crate::stats::Estimate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Name of the format, checked when a result is read back.
pub const FORMAT: &str = "peakplan.simulation";
/// Bumped on any incompatible change of the fields below.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SimulationResult {
    pub format: String,
    pub format_version: u32,
    pub peakplan_version: String,
    pub scenario: ScenarioInfo,
    pub run: RunInfo,
    /// The configuration simulated: what decides capacity, as validated (absent in
    /// results written before it existed).
    #[serde(default)]
    pub configuration: Option<Configuration>,
    /// The verdict of each service-level objective, in scenario order (empty without
    /// `slos:`; absent in results written before them).
    #[serde(default)]
    pub verdicts: Vec<Verdict>,
    /// What must be read first after the verdicts: classes that fail and limits that were reached, even
    /// for an instant (absent in results written before it).
    #[serde(default)]
    pub warnings: Warnings,
    /// Which resource saturated first and which cause dominates errors.
    pub bottleneck: Bottleneck,
    /// queue_job backlog drain after each calendar event (empty without job classes).
    pub queue_job_drain: Vec<Drain>,
    /// Per workload class, in scenario order.
    pub classes: Vec<ClassResult>,
    /// Per resource.
    pub resources: Vec<ResourceResult>,
    /// Each replication's own figures, in replication index order: what a study pairing
    /// the replications of two variants reads (absent in results written before it).
    #[serde(default)]
    pub per_replication: Vec<ReplicationResult>,
    pub series: Series,
    /// The headroom study run with the simulation (`simulate --headroom`; absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headroom: Option<headroom::Headroom>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub start_local: String,
    pub timezone: String,
    pub horizon_s: f64,
    pub warmup_s: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunInfo {
    pub seed: u64,
    pub replications: u32,
    /// Events processed, summed over replications.
    pub events: u64,
    /// Upper bound of the relative error of every latency percentile (histogram resolution).
    pub percentile_relative_error: f64,
}

/// One workload class. Rates are per second of the observation window (after warm-up);
/// every [`Estimate`] is a mean over replications with its 95 % confidence half-width.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassResult {
    pub name: String,
    /// How requests of the class come: `open` (a rate), `closed` (users who think),
    /// `job` (queue_job), `cron` (scheduled action) or `websocket` (messages over the
    /// evented worker's connections); `readonly` when an open class runs on the replica.
    #[serde(default)]
    pub kind: String,
    pub arrivals_per_s: Estimate,
    pub throughput_per_s: Estimate,
    /// Share of arrivals that ended in an error.
    pub error_ratio: Estimate,
    /// Error rate per cause (`backlog_full`, `db_pool_full`, …).
    pub errors_per_s: BTreeMap<String, Estimate>,
    /// Latency of completed requests (arrival at the pod to response).
    pub latency_s_mean: Option<Estimate>,
    pub latency_s_p50: Option<Estimate>,
    pub latency_s_p95: Option<Estimate>,
    pub latency_s_p99: Option<Estimate>,
    /// Time waiting in the listen backlog for a worker, over requests that got one.
    pub wait_s_mean: Option<Estimate>,
    /// Share of requests that had to wait for a worker.
    pub wait_probability: Option<Estimate>,
    /// Time-average number of requests of this class in the system.
    pub in_system_mean: Estimate,
    /// Requests that ended (any outcome) per second, and their mean time in the system:
    /// Little's law says `in_system_mean ≈ ended_per_s × sojourn_s_mean`.
    pub ended_per_s: Estimate,
    pub sojourn_s_mean: Option<Estimate>,
    /// Where a completed request's time went, mean seconds per completed request.
    pub time_breakdown: TimeBreakdown,
    /// Serialization failures (40001) per second: each one is a retry of the whole request
    /// or, on the last try, an error.
    pub serialization_failures_per_s: Estimate,
    /// queue_job jobs of this class that ended `failed` (retries exhausted), per second.
    pub jobs_failed_per_s: Estimate,
    /// Redis sessions evicted to make room for this class's new sessions, per second.
    pub sessions_evicted_per_s: Estimate,
    /// Websocket connections dropped by an evented-worker restart, per second.
    pub websocket_drops_per_s: Estimate,
    /// Share of this class's Redis cache lookups that hit (`None`: no lookups).
    #[serde(default)]
    pub cache_hit_ratio: Option<Estimate>,
    /// The fine bucket with the highest mean arrival rate.
    pub peak_arrivals_per_s: Option<Peak>,
    /// The coarse bucket with the highest mean p95 latency among those with at least
    /// `WORST_BUCKET_MIN_COMPLETED` completions: where the estate hurt most (quiet night
    /// hours with a handful of requests would otherwise win on noise).
    pub worst_latency_s_p95: Option<Peak>,
    /// Totals over all replications, whole run (warm-up included): every arrival ends in
    /// exactly one of completed, an error cause, or in flight at the horizon.
    pub totals: Totals,
    /// Clients who give up (`client:` on the class); absent without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientResult>,
}

/// What the clients who give up cost a class. An abandoned request counts once for its
/// user, as an error (`client_timeout`) at its deadline; Odoo, which notices the closed
/// socket only when it writes the response, still runs it: its completion is throughput
/// but not goodput (`odoo_throughput_per_s = goodput_per_s + wasted_completions_per_s`),
/// and its CPU and database time is wasted work.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientResult {
    /// Share of arrivals whose client gave up (arrivals include resubmissions).
    pub abandoned_share: Estimate,
    pub abandoned_per_s: Estimate,
    /// Answers a user received (the class's `throughput_per_s`).
    pub goodput_per_s: Estimate,
    /// Requests Odoo completed after their client had left.
    pub wasted_completions_per_s: Estimate,
    /// Everything Odoo completed: goodput plus wasted completions.
    pub odoo_throughput_per_s: Estimate,
    /// Abandoned requests that then failed in Odoo (killed, refused, …), unseen by anyone.
    pub failed_after_abandon_per_s: Estimate,
    /// Requests sent again by users who gave up (counted in `arrivals_per_s`).
    pub resubmissions_per_s: Estimate,
    /// Arrivals that were not resubmissions.
    pub original_arrivals_per_s: Estimate,
    /// Odoo CPU seconds per second spent on abandoned requests (cores busy for nobody).
    pub wasted_odoo_cpu_s_per_s: Estimate,
    /// PostgreSQL CPU and volume seconds per second spent on abandoned requests.
    pub wasted_db_s_per_s: Estimate,
    /// Totals over all replications, whole run.
    pub totals: ClientTotals,
}

impl ClientResult {
    /// Every estimate with its field name, in field order (the CSV's `client.*` rows).
    pub fn estimates(&self) -> [(&'static str, Estimate); 10] {
        [
            ("abandoned_share", self.abandoned_share),
            ("abandoned_per_s", self.abandoned_per_s),
            ("goodput_per_s", self.goodput_per_s),
            ("wasted_completions_per_s", self.wasted_completions_per_s),
            ("odoo_throughput_per_s", self.odoo_throughput_per_s),
            (
                "failed_after_abandon_per_s",
                self.failed_after_abandon_per_s,
            ),
            ("resubmissions_per_s", self.resubmissions_per_s),
            ("original_arrivals_per_s", self.original_arrivals_per_s),
            ("wasted_odoo_cpu_s_per_s", self.wasted_odoo_cpu_s_per_s),
            ("wasted_db_s_per_s", self.wasted_db_s_per_s),
        ]
    }
}

/// A class's abandonment counts over all replications, whole run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClientTotals {
    /// Requests whose client gave up (`totals.errors.client_timeout`).
    pub abandoned: u64,
    /// Answers users received (`totals.completed`).
    pub goodput: u64,
    /// Abandoned requests Odoo completed.
    pub wasted_completions: u64,
    /// Requests Odoo completed: `goodput + wasted_completions`.
    pub odoo_completed: u64,
}

/// Mean seconds per completed request in each part of its life. The parts add up to the
/// mean latency. Failed tries (serialization failures) count under
/// `lock_wait_and_retry_s`, with the lock waits and back-off sleeps.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimeBreakdown {
    /// A queue_job job's wait in its channel, from being made pending (enqueued, or put
    /// back after a failure) to its dispatch; present for job classes only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_job_wait_s: Option<Estimate>,
    /// Traefik: rate-limit delay and retry back-off.
    pub ingress_s: Option<Estimate>,
    /// Waiting in a pod's listen backlog for an HTTP worker.
    pub backlog_wait_s: Option<Estimate>,
    /// Waiting for a pod to accept the connection: SYNs dropped on its full listen queue
    /// and retransmitted (1 s, 3 s, 7 s…), dials timed out before a Traefik retry.
    #[serde(default)]
    pub syn_retry_s: Option<Estimate>,
    /// The Odoo CPU time the request demanded.
    pub odoo_cpu_s: Option<Estimate>,
    /// The rest of its Odoo CPU phases' wall time: sharing its pod's cores with the
    /// pod's other processes (`estate.odoo.cpu`); absent without a CPU limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cpu_wait_s: Option<Estimate>,
    /// Waiting for a PgBouncer server connection.
    #[serde(default)]
    pub connection_wait_s: Option<Estimate>,
    /// Reads that missed the cache, on the volume, queueing included.
    pub db_io_s: Option<Estimate>,
    /// Queries on PostgreSQL's CPU, sharing included.
    pub db_cpu_s: Option<Estimate>,
    pub lock_wait_and_retry_s: Option<Estimate>,
    pub external_calls_s: Option<Estimate>,
    /// Committing: the WAL flush on the volume (group commit) and a synchronous
    /// standby's round trip; absent when no class writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_s: Option<Estimate>,
}

/// The parts of a time breakdown a result has beyond the fixed ones.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShownParts {
    /// A pod CPU limit was modelled: `pod_cpu_wait_s`.
    pub pod_cpu: bool,
    /// Some class writes: `commit_s`.
    pub commit: bool,
    /// The run had queue_job job classes: `queue_job_wait_s`.
    pub jobs: bool,
}

/// Whether an objective holds, at the run's simultaneous confidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerdictStatus {
    /// The whole interval is within the target.
    Holds,
    /// The whole interval is beyond the target.
    Breaks,
    /// The interval straddles the target (or one replication gives no interval).
    Undecided,
    /// No replication had anything to measure in the window.
    NoData,
}

impl VerdictStatus {
    pub fn name(self) -> &'static str {
        match self {
            VerdictStatus::Holds => "holds",
            VerdictStatus::Breaks => "breaks",
            VerdictStatus::Undecided => "undecided",
            VerdictStatus::NoData => "no data",
        }
    }
}

/// One service-level objective on one subject, judged.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    /// The objective's name in the scenario.
    pub slo: String,
    /// The workload class (latency, over and error objectives).
    pub class: Option<String>,
    /// The resource (utilisation objectives).
    pub resource: Option<String>,
    /// `latency_p95`, `over_2s`, `error_ratio`, `utilisation`, `backlog_age_s`, `drain_s`.
    pub metric: String,
    /// In words: `p95 < 800 ms`.
    pub objective: String,
    /// `horizon`, `hourly` or `event NAME`.
    pub window: String,
    /// `s` (seconds) or `share` (in [0, 1]): the unit of `target`, `mean`, `low`, `high`.
    pub unit: String,
    /// The bound, in `unit`.
    pub target: f64,
    /// For an `over_…` metric, the latency a request must be answered within, seconds:
    /// what a latency chart draws (`None` for other metrics and in older results).
    #[serde(default)]
    pub threshold_s: Option<f64>,
    /// `<` rather than `≤`.
    pub strict: bool,
    pub status: VerdictStatus,
    /// Mean over replications of each replication's worst span, and its interval at
    /// `confidence`.
    pub mean: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Level of this interval: 1 − 0.05 / (number of objectives), so that all verdicts
    /// of the run hold together at 95 %.
    pub confidence: f64,
    /// Replications with a value (a window with nothing to measure gives none).
    pub replications: u32,
    /// For an undecided verdict: replications that would likely settle it (the interval
    /// shrinks as 1/√n); `None` when the estimate sits on the target.
    pub replications_needed: Option<u32>,
    /// For a window of several spans (each hour, or each occurrence of a recurring event):
    /// the span whose mean over replications is the worst.
    pub worst_span: Option<Peak>,
}

/// What a summary says first: the classes whose requests fail and the resources that hit
/// their capacity. Neither is washed out by an average: a class is listed for its worst
/// fine bucket as well as its whole-horizon share, a resource for its largest instantaneous
/// level in any replication.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Warnings {
    /// Share of a class's requests failing (whole horizon, or in one fine bucket) above
    /// which it is listed.
    pub failing_share: f64,
    pub failing_classes: Vec<FailingClass>,
    pub limits_reached: Vec<LimitReached>,
}

/// A class whose requests fail above `Warnings::failing_share`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FailingClass {
    pub class: String,
    /// Over the whole observation window.
    pub error_ratio: Estimate,
    /// The cause with the highest rate for this class.
    pub dominant_cause: Option<String>,
    /// The fine bucket with the highest share of failed requests (mean errors over mean
    /// arrivals in the bucket, capped at 1), among buckets with at least one failed request
    /// per replication on average.
    pub worst_bucket: Option<Peak>,
}

/// A resource whose capacity is a hard limit (a pool of slots) and whose level reached it
/// at some instant.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LimitReached {
    pub resource: String,
    /// In plain words ("HTTP workers").
    pub label: String,
    pub capacity: f64,
    /// Largest level per replication: mean and interval.
    pub level_max: Estimate,
    /// Replications in which the level reached the capacity, of `replications`.
    pub in_replications: u32,
    pub replications: u32,
}

/// The first bottleneck: the first resource whose utilisation in a fine bucket reached
/// `threshold`, and the error cause with the highest rate.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bottleneck {
    /// Utilisation (mean over replications, per fine bucket) counted as saturated.
    pub threshold: f64,
    /// The resource that reached it first (the busier one on ties); `None` if none did.
    pub resource: Option<String>,
    /// When it first did.
    pub at: Option<Peak>,
    /// The error cause with the highest rate over all classes, if any error occurred.
    pub dominant_error: Option<String>,
    /// Its rate, all classes together.
    pub dominant_error_per_s: Option<f64>,
}

/// How long the queue_job backlog took to empty after a calendar event ended: 0 if it
/// was empty (below one job) in the bucket before the end, else the start of the first
/// fine bucket after the end whose mean backlog is below one job, minus the event's end.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Drain {
    pub event: String,
    pub end_local: String,
    /// `None`: still not drained at the horizon.
    pub drain_s: Option<f64>,
    /// Backlog when the event ended (mean over replications of that bucket).
    pub backlog_at_end: f64,
}

/// The extreme bucket of a series.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Peak {
    /// Bucket start, seconds from the horizon start.
    pub start_s: f64,
    /// Bucket start in the scenario's local time.
    pub start_local: String,
    /// Mean over replications of the value in that bucket.
    pub value: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Totals {
    pub arrivals: u64,
    pub completed: u64,
    pub errors: BTreeMap<String, u64>,
    pub in_flight_at_horizon: u64,
}

/// One resource: its capacity, mean and peak level, and utilisation (mean / capacity).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceResult {
    pub name: String,
    /// In plain words ("HTTP workers"; absent in results written before it).
    #[serde(default)]
    pub label: String,
    /// The capacity is a pool of slots (workers, connections) rather than a shared rate
    /// (cores, IOPS): reaching it even for an instant is a warning.
    #[serde(default)]
    pub hard_limit: bool,
    /// The part of the estate it measures: `deployment`, `db_server:primary`,
    /// `db_server:replica`, `pgbouncer`, `redis`, `job_runner` (absent in older results).
    #[serde(default)]
    pub scope: String,
    /// Capacity in the resource's unit (workers, cores, connections); `None` when unbounded.
    pub capacity: Option<f64>,
    pub level_mean: Estimate,
    pub level_max: Estimate,
    pub utilisation: Option<Estimate>,
    /// The fine bucket (5 min by default) with the highest mean utilisation: averages over
    /// a weekend hide the flash sale, this does not.
    pub utilisation_peak: Option<Peak>,
}

/// Time series, averaged over replications. `fine` buckets carry counts and levels,
/// `coarse` buckets carry latency percentiles.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Series {
    pub fine_bucket_s: f64,
    pub coarse_bucket_s: f64,
    pub classes: Vec<ClassSeries>,
    pub resources: Vec<ResourceSeries>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassSeries {
    pub name: String,
    pub arrivals_per_s: Vec<f64>,
    pub throughput_per_s: Vec<f64>,
    pub errors_per_s: Vec<f64>,
    pub latency_s_mean: Vec<Option<f64>>,
    pub latency_s_p50: Vec<Option<f64>>,
    pub latency_s_p95: Vec<Option<f64>>,
    pub latency_s_p99: Vec<Option<f64>>,
    /// Requests completed per coarse bucket (mean over replications): how much data each
    /// percentile above stands on.
    pub coarse_completed: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResourceSeries {
    pub name: String,
    pub level_mean: Vec<f64>,
    /// `level_mean / capacity` per bucket; `None` for an unbounded resource.
    #[serde(default)]
    pub utilisation: Option<Vec<f64>>,
}

/// One replication's figures before they are averaged: the values whose mean and interval
/// the estimates in `classes[]` and `resources[]` are.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplicationResult {
    /// Replication index (0-based): its random streams derive from (seed, index).
    pub index: u32,
    /// Events processed by this replication.
    pub events: u64,
    /// Per workload class, in scenario order (as `classes[]`).
    pub classes: Vec<ReplicationClass>,
    /// Per resource, in the order of `resources[]`.
    pub resources: Vec<ReplicationResource>,
    /// Per service-level objective (`verdicts[]` order): this replication's worst span;
    /// `None` when it had nothing to measure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<Option<f64>>,
}

/// One class in one replication, over the observation window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplicationClass {
    pub name: String,
    pub arrivals_per_s: f64,
    pub throughput_per_s: f64,
    pub error_ratio: f64,
    /// `None`: nothing of the class completed in this replication.
    pub latency_s_mean: Option<f64>,
    pub latency_s_p50: Option<f64>,
    pub latency_s_p95: Option<f64>,
    pub latency_s_p99: Option<f64>,
}

impl TimeBreakdown {
    /// Each part with its name and a short label, in order; `queue_job_wait_s` only when
    /// the run had job classes, `pod_cpu_wait_s` only when it had a pod CPU limit,
    /// `commit_s` only when some class writes (`shown`).
    pub fn parts(&self, shown: ShownParts) -> Vec<(&'static str, &'static str, Option<Estimate>)> {
        let pod_cpu = shown.pod_cpu;
        let mut v = Vec::with_capacity(13);
        if shown.jobs {
            v.push(("queue_job_wait_s", "job wait", self.queue_job_wait_s));
        }
        v.extend([
            ("ingress_s", "ingress", self.ingress_s),
            ("backlog_wait_s", "backlog", self.backlog_wait_s),
            ("syn_retry_s", "syn retry", self.syn_retry_s),
            ("odoo_cpu_s", "odoo cpu", self.odoo_cpu_s),
        ]);
        if pod_cpu {
            v.push(("pod_cpu_wait_s", "pod cpu wait", self.pod_cpu_wait_s));
        }
        v.extend([
            ("connection_wait_s", "conn wait", self.connection_wait_s),
            ("db_io_s", "db i/o", self.db_io_s),
            ("db_cpu_s", "db cpu", self.db_cpu_s),
            (
                "lock_wait_and_retry_s",
                "locks+retry",
                self.lock_wait_and_retry_s,
            ),
            ("external_calls_s", "external", self.external_calls_s),
        ]);
        if shown.commit {
            v.push(("commit_s", "commit", self.commit_s));
        }
        v
    }
}

impl SimulationResult {
    /// Whether the run had queue_job job classes (its breakdown then has
    /// `queue_job_wait_s`).
    pub fn has_jobs(&self) -> bool {
        self.classes.iter().any(|c| c.kind == "job")
    }

    /// Whether the run modelled a pod CPU limit (its breakdown then has `pod_cpu_wait_s`).
    pub fn has_pod_cpu(&self) -> bool {
        self.configuration
            .as_ref()
            .is_some_and(|c| c.odoo.cpu_per_pod.is_some())
    }

    /// The optional parts of this result's time breakdowns.
    pub fn shown_parts(&self) -> ShownParts {
        ShownParts {
            jobs: self.has_jobs(),
            pod_cpu: self.has_pod_cpu(),
            commit: self
                .classes
                .iter()
                .any(|c| c.time_breakdown.commit_s.is_some()),
        }
    }
}

/// One resource in one replication: its time-average level and the highest level reached.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplicationResource {
    pub name: String,
    pub level_mean: f64,
    pub level_max: f64,
}

/// The estate and calendar that were simulated, echoed from the validated model; totals
/// (`http_workers`, `usable_connections`, …) are the gauge table's capacities.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Configuration {
    pub odoo: OdooConfig,
    pub postgres: PostgresConfig,
    /// `None`: Odoo connects to PostgreSQL directly.
    pub pgbouncer: Option<PgBouncerConfig>,
    /// `None`: no read replica.
    pub replica: Option<ReplicaConfig>,
    /// `None`: sessions not modelled.
    pub redis: Option<RedisConfig>,
    /// queue_job channels, root first (empty without job classes).
    pub queue_job_channels: Vec<ChannelConfig>,
    pub ingress: IngressConfig,
    pub integrations: Vec<IntegrationConfig>,
    /// Calendar events, in scenario order.
    pub calendar_events: Vec<EventConfig>,
    /// The timeline's changes, each integration's outages first (empty and absent
    /// without any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<ChangeConfig>,
}

/// One change on the timeline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChangeConfig {
    pub name: String,
    /// `outage`, `slow`, `degrade` or `noisy_neighbour`.
    pub action: String,
    /// `integration.NAME`, `class.NAME`, `postgres.cpu`, `postgres.volume`, `replica.…`.
    pub target: String,
    pub start_local: String,
    /// `None`: to the horizon's end.
    pub end_local: Option<String>,
    /// `slow`: the factor on the work; `degrade`: the share of capacity left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// `noisy_neighbour`: the threads it keeps runnable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<f64>,
}

/// The Odoo deployment (odoo.conf per pod).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OdooConfig {
    pub pods: u32,
    /// `workers` per pod.
    pub http_workers_per_pod: u32,
    /// The pod's CPU limit, cores (`estate.odoo.cpu`); absent: no limit modelled, every
    /// process has a core of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_per_pod: Option<f64>,
    /// Cores of all pods (capacity of `pod_cpu_busy`); absent without a CPU limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_cpu: Option<f64>,
    /// HTTP workers, all pods (capacity of `odoo_workers_busy`).
    pub http_workers: Option<f64>,
    /// `max_cron_threads` per pod.
    pub cron_workers_per_pod: u32,
    /// Cron workers, all pods (capacity of `cron_workers_busy`; `None` without cron classes).
    pub cron_workers: Option<f64>,
    /// Listen backlog per pod.
    pub listen_backlog_per_pod: u32,
    /// Listen backlog, all pods (capacity of `listen_backlog`).
    pub listen_backlog: Option<f64>,
    /// `db_maxconn`: each process's connection pool.
    pub db_maxconn: u32,
    /// Whether each pod runs the evented (gevent) worker.
    pub evented_worker: bool,
    /// `db_maxconn_gevent`.
    pub db_maxconn_gevent: u32,
    /// Websocket connections at which the evented workers restart, all pods (capacity of
    /// `websocket_connections`; `None` without a websocket class).
    pub websocket_connections: Option<f64>,
    /// `limit_time_real`, seconds; `None` = unlimited.
    pub limit_time_real_s: Option<f64>,
    /// `limit_time_cpu`, CPU seconds per request; `None` = unlimited.
    pub limit_time_cpu_s: Option<f64>,
    pub limit_memory_soft_mib: f64,
    pub limit_memory_hard_mib: f64,
    pub limit_memory_soft_gevent_mib: f64,
    /// `limit_request`: requests before a worker is recycled.
    pub limit_request: u32,
    /// Resident memory of a fresh worker, MiB.
    pub worker_base_memory_mib: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PostgresConfig {
    pub cores: u32,
    pub max_connections: u32,
    /// `superuser_reserved_connections`.
    pub reserved_connections: u32,
    /// Connections Odoo may open (capacity of `pg_connections`).
    pub usable_connections: Option<f64>,
    pub buffer_hit_ratio: f64,
    /// The working set and cache the hit ratio was worked out from; absent when it was
    /// given as a constant or defaulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_ratio_from: Option<HitRatioBasis>,
    /// `None`: I/O not modelled.
    pub volume: Option<VolumeConfig>,
    /// Commits and checkpoints on the volume; absent when no class writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_path: Option<WritePathConfig>,
}

/// A buffer hit ratio worked out as `min(1, cache / working_set)^(1 − access_skew)`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HitRatioBasis {
    pub cache_mib: f64,
    pub working_set_mib: f64,
    pub access_skew: f64,
}

/// The primary's write path settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WritePathConfig {
    pub commit_round_trip_s: f64,
    pub checkpoint_timeout_s: f64,
    pub checkpoint_completion_target: f64,
    pub dirty_pages_per_row: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeConfig {
    pub iops: f64,
    /// Latency of one I/O at low load.
    pub io_latency_s: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PgBouncerConfig {
    /// `session` or `transaction`.
    pub pool_mode: String,
    pub default_pool_size: u32,
    pub max_client_conn: u32,
    pub query_wait_timeout_s: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplicaConfig {
    pub cores: u32,
    pub max_connections: u32,
    pub reserved_connections: u32,
    /// Capacity of `replica_connections`.
    pub usable_connections: Option<f64>,
    pub buffer_hit_ratio: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hit_ratio_from: Option<HitRatioBasis>,
    pub volume: Option<VolumeConfig>,
    /// Replay CPU per write transaction, as a fraction of its CPU on the primary.
    pub replay_ratio: f64,
    pub apply_delay_s: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RedisConfig {
    /// `maxmemory`, MiB (capacity of `redis_memory_mib`).
    pub maxmemory_mib: Option<f64>,
    /// `noeviction`, `volatile-*` or `allkeys-*`: the family of `maxmemory-policy` (its
    /// effect on sessions does not depend on the rest).
    pub policy: String,
    pub session_bytes: u64,
    pub session_ttl_s: f64,
    /// `None`: sessions only.
    pub cache: Option<RedisCacheConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RedisCacheConfig {
    pub working_set_mib: f64,
    pub entry_bytes: u64,
    pub hit_ratio: f64,
    pub ttl: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChannelConfig {
    /// Dotted name from root.
    pub name: String,
    /// Jobs at once; `None` = unlimited.
    pub capacity: Option<u32>,
    pub sequential: bool,
    /// Minimum time between two jobs leaving the channel, seconds (0 = none).
    pub throttle_s: f64,
}

/// Traefik in front of the pods.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IngressConfig {
    /// Tries of a request refused by a full backlog, the first included.
    pub retry_attempts: u32,
    /// RateLimit middlewares, per class that has one (scenario order).
    pub rate_limits: Vec<ClassRateLimit>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassRateLimit {
    pub class: String,
    pub rate_per_s: f64,
    pub burst: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RateLimitConfig {
    pub rate_per_s: f64,
    pub burst: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IntegrationConfig {
    pub name: String,
    pub error_ratio: f64,
    pub timeout_s: f64,
    /// The API's own rate limit; `None` = none.
    pub rate_limit: Option<RateLimitConfig>,
    /// Outage windows, local time.
    pub outages: Vec<Window>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Window {
    pub start_local: String,
    pub end_local: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventConfig {
    pub name: String,
    /// `campaign`, `flash_sale`, `store_opening`, `inventory_count`, `fiscal_close`, `other`.
    pub kind: String,
    pub start_local: String,
    /// Start plus duration, ramps included.
    pub end_local: String,
    /// The same instants in seconds from the horizon start: what a chart shades (absent
    /// in results written before them).
    #[serde(default)]
    pub start_s: Option<f64>,
    #[serde(default)]
    pub end_s: Option<f64>,
    pub ramp_up_s: f64,
    pub ramp_down_s: f64,
    /// The classes the event touches and their multiplier at the plateau.
    pub multipliers: Vec<ClassMultiplier>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassMultiplier {
    pub class: String,
    pub multiplier: f64,
}

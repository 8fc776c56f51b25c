//! The scenario file as written: serde types that mirror the YAML and hold no logic.
//!
//! Every field is optional here, even required ones: a missing field is reported by
//! validation with the section's path and line (serde's "missing field" knows neither),
//! and a `profile:` may supply it. Unknown keys are refused (`deny_unknown_fields`) so a
//! typo is an error with a "did you mean", never a silently ignored setting. There is no
//! `untagged` or `flatten`: both buffer the input and lose the line numbers.
//!
//! The doc comments become the descriptions of `peakplan schema`.

use super::located::{Located, OrderedMap, Text, TextOrOff};
use schemars::JsonSchema;
use serde::Deserialize;

type L<T> = Option<Located<T>>;

/// A peakplan scenario (format version 1).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Format version; must be 1.
    pub version: L<i64>,
    /// Scenario name for reports; default: the file stem.
    pub name: L<String>,
    /// Simulated period.
    pub horizon: L<Horizon>,
    /// Run defaults and limits.
    pub run: L<Run>,
    /// Statistics bucket widths.
    pub stats: L<Stats>,
    /// Business calendar; absent = flat rates.
    pub calendar: L<Calendar>,
    /// Workload classes: name → class, in file order.
    pub workloads: L<OrderedMap<Located<Workload>>>,
    /// Capacity: Traefik ingress, Odoo, PostgreSQL.
    pub estate: L<Estate>,
    /// Row-lock hot spots; absent = no lock contention modelled.
    pub contention: L<Contention>,
    /// External APIs called synchronously by workloads: name → integration, in file order.
    pub integrations: L<OrderedMap<Located<Integration>>>,
    /// Service-level objectives: name → objective, in file order.
    pub slos: L<OrderedMap<Located<Slo>>>,
    /// Changes during the run — an integration down, a slow module release, a degraded
    /// volume, a noisy neighbour on the database — in file order.
    pub timeline: L<Vec<Located<Change>>>,
    /// `peakplan gate`: how far a change may move each metric before it counts as a
    /// regression (docs/ci.md). Not simulated.
    pub gate: L<Gate>,
    /// What `peakplan size` may vary, and the prices it ranks by; ignored by the other
    /// commands (docs/sizing.md).
    pub sizing: L<Sizing>,
}

/// One change on the timeline: from `at`, for `duration` (absent: to the horizon's end),
/// `action` on `target`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// A name for reports; default `ACTION TARGET`.
    pub name: L<String>,
    /// Local date-time in `horizon.timezone` when the change happens; within the horizon.
    pub at: L<String>,
    /// How long it lasts (then it is undone: the integration is back, the release rolled
    /// back…); absent = to the horizon's end.
    pub duration: L<Text>,
    /// What changes: `integration.NAME`, `class.NAME`, `postgres.cpu`, `postgres.volume`,
    /// `replica.cpu` or `replica.volume`.
    pub target: L<String>,
    /// What happens to it.
    pub action: L<ChangeAction>,
    /// `slow`: the factor on the class's work (Odoo CPU, queries, reads), > 1 is slower;
    /// `degrade`: the share of the cores or I/O capacity left, in (0, 1].
    pub factor: L<f64>,
    /// `noisy_neighbour`: the threads something else keeps runnable on the server's
    /// cores (each shares them like one query).
    pub threads: L<f64>,
}

/// What a timeline change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    /// An integration does not answer: each call fails after the integration's timeout.
    Outage,
    /// A class's requests need `factor` × their work (a slow module release).
    Slow,
    /// A database server's cores or volume keep `factor` of their capacity.
    Degrade,
    /// Something else takes a database server's CPU: `threads` runnable threads.
    NoisyNeighbour,
}

/// The sizing gate's settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// `METRIC` or `METRIC.SUBJECT` → a percentage or `off`: `latency_p95: 10%`,
    /// `latency_p95.checkout: 20%`, `error_ratio: 0.1%` (percentage points),
    /// `slo.checkout-p95: 5%` (of the objective's target). Metrics: throughput,
    /// error_ratio, latency_mean, latency_p50, latency_p95, latency_p99, slo.
    pub tolerances: L<OrderedMap<Located<TextOrOff>>>,
}

/// The search space of `peakplan size`: knobs (scenario paths and their values) and the
/// unit prices the configurations are ranked by.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sizing {
    /// Scenario path → values, in file order: `estate.odoo.pods: 2..12`,
    /// `estate.postgres.volume.iops: 3000..12000 by 1000` or a list in increasing order,
    /// `estate.odoo.cpu: ["1", "1500m", "2"]`.
    pub knobs: L<OrderedMap<Located<KnobValues>>>,
    /// Unit prices per month; absent = ranked by footprint (vCPU, then memory).
    pub prices: L<Prices>,
    /// Replications each configuration starts with; default `run.replications`.
    pub replications: L<i64>,
    /// While an objective is undecided, replications are added up to this many; default
    /// 2 × `replications`; ≥ `replications`, ≤ 1000.
    pub max_replications: L<i64>,
}

/// Unit prices per month, in `currency`. Every resource a knob varies needs its price.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// Currency code for reports, e.g. `EUR`; required.
    pub currency: L<String>,
    /// Per vCPU of Odoo pods (pod `cpu` × pods; without `cpu`, one per process).
    pub pod_vcpu: L<f64>,
    /// Per PostgreSQL core (primary and replica).
    pub postgres_core: L<f64>,
    /// Per 1,000 provisioned IOPS of each PostgreSQL volume.
    pub iops_1000: L<f64>,
    /// Per GiB of Redis `maxmemory`.
    pub redis_gib: L<f64>,
}

/// A knob's values: a range `A..B` (whole numbers, optionally `by STEP`) or a list.
#[derive(Clone, Debug)]
pub enum KnobValues {
    Range(String),
    List(Vec<Text>),
}

impl<'de> Deserialize<'de> for KnobValues {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KnobValues;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a range `2..12` (or `3000..12000 by 1000`) or a list of values")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KnobValues, E> {
                Ok(KnobValues::Range(v.trim().to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KnobValues, E> {
                Ok(KnobValues::List(vec![Text(v.to_string())]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KnobValues, E> {
                Ok(KnobValues::List(vec![Text(v.to_string())]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KnobValues, E> {
                Ok(KnobValues::List(vec![Text(v.to_string())]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KnobValues, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element::<Text>()? {
                    if out.len() >= 10_000 {
                        return Err(de::Error::custom("more than 10,000 values"));
                    }
                    out.push(t);
                }
                Ok(KnobValues::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for KnobValues {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "KnobValues".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "a range `2..12` or `3000..12000 by 1000`, or a list of values in increasing order",
            "oneOf": [
                {"type": "string"},
                {"type": "number"},
                {"type": "array", "items": {"type": ["string", "number"]}}
            ]
        })
    }
}

/// One service-level objective: exactly one of `latency`, `over` (with `at_most`),
/// `error_ratio`, `utilisation`, `backlog_age` or `drain`, judged over `window`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// The workload class; absent = every class (one verdict each). Class metrics only.
    pub class: L<String>,
    /// A latency percentile of completed requests: `p95 < 800ms`, `p99.9 <= 2s`.
    pub latency: L<String>,
    /// A latency threshold: the share of requests not answered within it (slower, or
    /// failed) must be at most `at_most`.
    pub over: L<Text>,
    /// Bound on the share over `over`: `1%` or `0.01`.
    pub at_most: L<Text>,
    /// Error budget, failed over arrived: `< 0.5%`.
    pub error_ratio: L<String>,
    /// Error causes counted by `error_ratio` (e.g. `[killed_limit_time_real]` for a
    /// timeout budget); default all.
    pub causes: L<Vec<Located<String>>>,
    /// Headroom floor on `resource`: its highest fine-bucket utilisation, `< 80%`.
    pub utilisation: L<String>,
    /// The resource `utilisation` is about, named as in the results (`pg_connections`).
    pub resource: L<String>,
    /// queue_job: the oldest pending job's age (highest fine-bucket mean), `< 30m`.
    pub backlog_age: L<String>,
    /// queue_job: the time for the backlog to empty after the window's event ends, `< 2h`.
    pub drain: L<String>,
    /// `horizon` (default: the observation window), `hourly` (each hour, the worst
    /// counts) or a calendar event's name (from its start to its end, ramps included).
    pub window: L<String>,
}

/// The simulated period, in local time.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Horizon {
    /// Local date-time `YYYY-MM-DDTHH:MM[:SS]` in `timezone` (no offset).
    pub start: L<String>,
    /// IANA time-zone name; default `UTC`.
    pub timezone: L<String>,
    /// Length, e.g. `3d`; > 0 and ≤ 366d.
    pub duration: L<Text>,
    /// Warm-up discarded from statistics; default `0s`; < duration.
    pub warmup: L<Text>,
}

/// Run defaults (the CLI may override seed and replications) and limits.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// Master seed; default 1.
    pub seed: L<u64>,
    /// Replications; default 10, 1..=1000.
    pub replications: L<i64>,
    /// Cap on events per replication; default 5e9.
    pub max_events: L<f64>,
    /// Cap on requests in flight; default 1,000,000.
    pub max_in_flight: L<i64>,
}

/// Statistics bucket widths.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    /// Fine bucket (counts, utilisation); default `5m`.
    pub fine_bucket: L<Text>,
    /// Coarse bucket (latency percentiles); default `1h`; ≥ fine_bucket.
    pub coarse_bucket: L<Text>,
}

/// Weekly baseline and dated events.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Default baseline of every class.
    pub weekly: L<Weekly>,
    /// Dated events; overlapping events multiply.
    pub events: L<Vec<Located<Event>>>,
}

/// Hour-of-day × weekday multipliers (local time).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Weekly {
    /// Exactly 24 multipliers ≥ 0, index = local hour; default all 1.
    pub hours: L<Vec<Located<f64>>>,
    /// Weekday multipliers ≥ 0; missing days = 1.
    pub weekdays: L<Weekdays>,
}

/// Weekday multipliers.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Weekdays {
    pub mon: L<f64>,
    pub tue: L<f64>,
    pub wed: L<f64>,
    pub thu: L<f64>,
    pub fri: L<f64>,
    pub sat: L<f64>,
    pub sun: L<f64>,
}

/// Kind of a calendar event (informative; the arithmetic is the same for all).
#[derive(Clone, Copy, Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Campaign,
    FlashSale,
    StoreOpening,
    InventoryCount,
    FiscalClose,
    Other,
}

/// A dated event multiplying some classes' rates.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Name for reports; default `event-N`.
    pub name: L<String>,
    /// Default `other`.
    pub kind: L<EventKind>,
    /// Local start date-time (a dated event); not with `every`.
    pub start: L<String>,
    /// A recurring event: `day`, `weekday`, `mon`…`sun`, `first_business_day` or
    /// `last_business_day` (of each month), starting at `at`; not with `start`.
    pub every: L<String>,
    /// Local time of day a recurring event starts, e.g. `"09:00"`.
    pub at: L<String>,
    /// Total length, ramps included.
    pub duration: L<Text>,
    /// Linear ramp from ×1 to the multiplier; default `0s`.
    pub ramp_up: L<Text>,
    /// Linear ramp back to ×1; default `0s`.
    pub ramp_down: L<Text>,
    /// Class name → multiplier ≥ 0; key `all` = every class not listed.
    pub multipliers: L<OrderedMap<Located<f64>>>,
    /// Class name → factor on each request's demand (Odoo CPU time and queries) for the
    /// requests arriving during the event, ramps followed; key `all` as for
    /// `multipliers`; default 1 (promotional logic making checkout heavier).
    pub demand: L<OrderedMap<Located<f64>>>,
}

/// One workload class.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Path of a workload profile, relative to this file; fields here override it.
    pub profile: L<String>,
    /// Base arrival rate, e.g. `40/s`, `5k/h`; > 0, ≤ 1M/s. An open class; a closed class
    /// gives `users` and `think_time` instead.
    pub rate: L<Text>,
    /// Closed class: number of users (1..=1,000,000), each thinking `think_time` between
    /// the answer to one request and the next.
    pub users: L<i64>,
    /// Closed class: think time (duration distribution).
    pub think_time: L<DistSpec>,
    /// Arrivals at fixed local times instead of a rate: `at: ["07:00", "19:30"]` each
    /// day (or on the days `on` names); each brings one request, or `batch_size` of them.
    pub at: L<Vec<Located<String>>>,
    /// Days of the week for `at`: `[mon, tue, wed, thu, fri]`; default every day.
    pub on: L<Vec<Located<String>>>,
    /// Per-class override of `calendar.weekly`.
    pub weekly: L<Weekly>,
    /// Odoo CPU time per request (duration distribution).
    pub odoo_cpu: L<DistSpec>,
    /// SQL queries per request (count distribution); default constant 0.
    pub queries: L<DistSpec>,
    /// PostgreSQL time per query (duration distribution); default constant `0s`.
    pub db_time_per_query: L<DistSpec>,
    /// Database cursors held at once; default 1.
    pub cursors: L<i64>,
    /// Traefik RateLimit middleware on this class's route; absent = no limit.
    pub rate_limit: L<RateLimit>,
    /// Pages read per query; default 0; `1 − buffer_hit_ratio` of them reach the volume.
    pub reads_per_query: L<f64>,
    /// Hot-spot rows updated per request; default none.
    pub locks: L<Vec<Located<LockUse>>>,
    /// What a request writes on the primary when it commits; absent = read-only (no WAL
    /// flush).
    pub writes: L<WritesSpec>,
    /// Synchronous calls to integrations per request; default none.
    pub calls: L<Vec<Located<CallUse>>>,
    /// Makes this class a queue_job job: spawned by other classes, never arriving by itself.
    pub job: L<JobSpec>,
    /// Requests per arrival (count distribution), e.g. an EDI batch; default constant 1.
    pub batch_size: L<DistSpec>,
    /// Share of requests that create a session (0..=1); default 0.
    pub new_session_ratio: L<f64>,
    /// Memory each request adds to its worker's resident size (size distribution, e.g.
    /// `{dist: exponential, mean: 2MiB}`); default 0.
    pub memory_growth: L<DistSpec>,
    /// A read-only route (Odoo 18 `readonly=True`): with `estate.postgres.replica`, its
    /// queries and reads run on the replica; default false. No `locks`, `spawns`, `job`
    /// or `cron` with it.
    pub readonly: L<bool>,
    /// Makes this class a scheduled action (ir.cron) run by the cron workers.
    pub cron: L<CronSpec>,
    /// Jobs enqueued by each completed request; default none.
    pub spawns: L<Vec<Located<SpawnSpec>>>,
    /// Lookups in `estate.redis.cache` per request (count distribution); default 0.
    pub cache_lookups: L<DistSpec>,
    /// Extra PostgreSQL queries per cache miss, each costing `db_time_per_query` and
    /// `reads_per_query`; default 5 (assumption); 0..=10,000.
    pub cache_miss_queries: L<i64>,
    /// Makes this class the websocket route to the evented worker: `rate` is then the
    /// rate at which connections open, and each message sent over one is a request.
    pub websocket: L<WebsocketSpec>,
    /// The clients waiting for the answers give up after `timeout` (a browser user, a
    /// load balancer's idle timeout, a marketplace's HTTP client); absent = they wait
    /// forever. Not on `job`, `cron` or `websocket` classes.
    pub client: L<ClientSpec>,
}

/// Clients who give up on a slow response.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// How long a client waits for the response (duration distribution, every value
    /// > 0), e.g. `{dist: constant, value: 30s}`; required.
    pub timeout: L<DistSpec>,
    /// Probability that a user who gave up sends the request again (0..=1); default 0.
    pub resubmit: L<f64>,
    /// Time between giving up and sending it again (duration distribution); default
    /// `{dist: exponential, mean: 10s}`.
    pub think: L<DistSpec>,
    /// Most times one original request is sent again (0..=100); default 3.
    pub max_resubmits: L<i64>,
}

/// What a request writes.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WritesSpec {
    /// Rows inserted, updated or deleted per request (count distribution); required.
    pub rows: L<DistSpec>,
    /// Commits per request, each waiting for a WAL flush; default 1; 1..=1,000.
    pub commits: L<i64>,
}

/// Connections of a websocket class.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebsocketSpec {
    /// How long a browser tab stays connected (duration distribution); required.
    pub connected: L<DistSpec>,
    /// Messages per open connection, e.g. `2/min`; required, > 0, ≤ 100/s.
    pub messages: L<Text>,
}

/// A scheduled action.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronSpec {
    /// Time between runs, e.g. `1h`; required; ≥ 1 min.
    pub interval: L<Text>,
    /// First run, after the horizon start; default `0s`.
    pub first_run: L<Text>,
}

/// A queue_job job class.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    /// Channel name from `estate.odoo.queue_job_channels`; default `root`.
    pub channel: L<String>,
    /// Lower runs first; default 10.
    pub priority: L<i64>,
    /// Tries before a retryable failure is final; default 5; 0 = forever.
    pub max_retries: L<i64>,
    /// queue_job's `retry_pattern`, e.g. `{1: 60, 2: 180, 3: 10, 5: 300}` (seconds from
    /// try n on); default: 600 s every time.
    pub retry_pattern: L<String>,
}

/// Jobs enqueued when a request completes.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpawnSpec {
    /// Name of a workload class that has `job:`; required.
    pub job: L<String>,
    /// Jobs per completed request; default 1; 1..=100.
    pub count: L<i64>,
}

/// Traefik RateLimit middleware: a token bucket of `burst` tokens refilled at
/// `average / period`.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests allowed per `period`; required, > 0 (Traefik treats 0 as "no limit").
    pub average: L<f64>,
    /// Default `1s`; > 0.
    pub period: L<Text>,
    /// Bucket size; default 1; ≥ 1.
    pub burst: L<i64>,
    /// Traefik only: how many sources (client IPs) the class's requests come from, each
    /// with its own bucket — thousands of shoppers, or 1 for a NAT'd marketplace;
    /// default 1; 1..=65,536.
    pub sources: L<i64>,
}

/// Rows of one `contention.tables` entry a request updates.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockUse {
    /// Name of a `contention.tables` entry; required.
    pub table: L<String>,
    /// Rows updated per request (count distribution); default constant 1.
    pub keys: L<DistSpec>,
}

/// Calls to one `integrations` entry per request.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallUse {
    /// Name of an `integrations` entry; required.
    pub integration: L<String>,
    /// Calls per request; default 1; 1..=100.
    pub count: L<i64>,
}

/// Row-lock hot spots.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contention {
    /// Table name (may contain dots, e.g. `stock.quant`) → hot rows.
    pub tables: L<OrderedMap<Located<LockTable>>>,
}

/// A set of rows that requests update concurrently.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockTable {
    /// Distinct rows; required, 1..=1e9.
    pub keys: L<i64>,
    /// Popularity skew (Zipf exponent); default 0 = uniform; 0..=10.
    pub zipf_exponent: L<f64>,
}

/// An external API (payment, shipping, marketplace).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// Path of an integration profile, relative to this file; fields here override it.
    pub profile: L<String>,
    /// Response time when up (duration distribution); required.
    pub latency: L<DistSpec>,
    /// Share of calls failing when up; default 0; 0..=1.
    pub error_ratio: L<f64>,
    /// Client timeout; default `30s`; > 0.
    pub timeout: L<Text>,
    /// Outage windows (local start, duration); default none; must not overlap.
    pub outages: L<Vec<Located<Outage>>>,
    /// The API's own rate limit (token bucket: `average` calls per `period`, `burst`); a
    /// call finding no token is answered 429 at once; absent = no limit.
    pub rate_limit: L<RateLimit>,
}

/// A window during which an integration does not answer.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// Local start date-time in `horizon.timezone`; within the horizon.
    pub start: L<String>,
    /// Length; > 0.
    pub duration: L<Text>,
}

/// Distribution family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    Constant,
    Exponential,
    Lognormal,
    Gamma,
    Empirical,
}

/// A distribution: `dist` names the family, the other keys are its parameters. Duration
/// distributions take durations (`60ms`), count distributions plain numbers.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DistSpec {
    pub dist: L<DistKind>,
    /// `constant`: the value.
    pub value: L<Text>,
    /// `exponential`, `lognormal`, `gamma`: the mean.
    pub mean: L<Text>,
    /// `lognormal`, `gamma`: coefficient of variation > 0.
    pub cv: L<f64>,
    /// `empirical`: observed values.
    pub values: L<Vec<Located<Text>>>,
    /// `empirical`: weights ≥ 0, same length as values; default equal.
    pub weights: L<Vec<Located<f64>>>,
}

/// Capacity.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Estate {
    /// Traefik in front of the pods; absent = defaults.
    pub ingress: L<Ingress>,
    /// Redis session store; absent = sessions not modelled.
    pub redis: L<RedisSpec>,
    pub odoo: L<Odoo>,
    pub postgres: L<Postgres>,
}

/// Redis holding the sessions.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedisSpec {
    /// Path of a Redis profile (e.g. an ElastiCache node), relative to this file; fields
    /// here override it.
    pub profile: L<String>,
    /// `maxmemory`, e.g. `1GiB`; required.
    pub maxmemory: L<Text>,
    /// `maxmemory-policy`: `noeviction` (default), `volatile-lru`, `volatile-lfu`,
    /// `volatile-random`, `volatile-ttl`, `allkeys-lru`, `allkeys-lfu`, `allkeys-random`.
    pub policy: L<String>,
    /// One session's size; default `4KiB` (assumption: not published).
    pub session_size: L<Text>,
    /// Session expiry; default `3h` (session_redis, anonymous sessions).
    pub session_ttl: L<Text>,
    /// Users whose session was evicted within this time of its creation log in again;
    /// default `30m`.
    pub active_window: L<Text>,
    /// A cache in the same Redis, sharing `maxmemory` with the sessions; absent = none.
    pub cache: L<RedisCacheSpec>,
}

/// A cache kept in Redis (website pages, computed results).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedisCacheSpec {
    /// What a fully resident cache holds, e.g. `2GiB`; required, > 0.
    pub working_set: L<Text>,
    /// One entry, e.g. `8KiB`; default `8KiB` (assumption); > 0, ≤ working_set.
    pub entry_size: L<Text>,
    /// Hit ratio when fully resident; required; 0..=1.
    pub hit_ratio: L<f64>,
    /// Whether entries carry an expiry (so `volatile-*` may evict them); default true.
    pub ttl: L<bool>,
}

/// Traefik ingress.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    /// Retry middleware `attempts`: total tries, the first included; default 1 (no
    /// retry); 1..=10. Traefik retries only when no connection was made.
    pub retry_attempts: L<i64>,
    /// `serversTransport.forwardingTimeouts.dialTimeout`: how long Traefik waits for a
    /// pod to accept a connection (SYNs retransmitted meanwhile) before a 504; default
    /// `30s`.
    pub dial_timeout: L<Text>,
    /// Traefik replicas; each keeps its own rate-limit buckets; default 1; 1..=64.
    pub replicas: L<i64>,
}

/// Odoo prefork tier (odoo.conf semantics).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Odoo {
    /// Path of an Odoo profile, relative to this file; fields here override it.
    pub profile: L<String>,
    /// Odoo major version, e.g. `"17.0"`: decides defaults that changed between versions
    /// (`limit_request`); default: the recent ones.
    pub version: L<Text>,
    /// Pods behind the ingress; default 1.
    pub pods: L<i64>,
    /// HTTP workers per pod (odoo.conf `workers`); required, ≥ 1.
    pub workers: L<i64>,
    /// The container's CPU limit per pod, as Kubernetes writes it: `2`, `0.5`, `1500m`
    /// (CFS quota: the pod's processes share this many cores). Absent = no limit
    /// modelled: every process has a core of its own.
    pub cpu: L<Text>,
    /// Listen backlog; default 8 × workers (odoo/service/server.py).
    pub listen_backlog: L<i64>,
    /// `net.core.somaxconn` of the pod: caps the listen backlog; default 4096 (Linux ≥
    /// 5.4; 128 before); ≥ 1.
    pub somaxconn: L<i64>,
    /// `net.ipv4.tcp_abort_on_overflow`: reset a connection meeting a full listen queue
    /// at once instead of dropping its SYN; default false (the kernel's default).
    pub tcp_abort_on_overflow: L<bool>,
    /// Default 2.
    pub max_cron_threads: L<i64>,
    /// Default true.
    pub evented_worker: L<bool>,
    /// Per-process pool; default 64.
    pub db_maxconn: L<i64>,
    /// The evented worker's pool (Odoo ≥ 17); default `db_maxconn`.
    pub db_maxconn_gevent: L<i64>,
    /// The evented server restarts above this resident size (Odoo ≥ 18; checked every
    /// `kill_check_period`); default `limit_memory_soft`.
    pub limit_memory_soft_gevent: L<Text>,
    /// Memory one open websocket adds to the evented worker; default `256KiB`
    /// (assumption: not published).
    pub websocket_memory: L<Text>,
    /// Default `120s`; `unlimited` disables it.
    pub limit_time_real: L<Text>,
    /// CPU seconds a request (a cron run) may compute (`RLIMIT_CPU`); default `60s`;
    /// `unlimited` disables it.
    pub limit_time_cpu: L<Text>,
    /// `limit_time_real_cron`: `-1` (default) = `limit_time_real`, `0` or `unlimited` = no
    /// limit, else a duration (a bare number is seconds, as in odoo.conf).
    pub limit_time_real_cron: L<Text>,
    /// Default `4s`.
    pub kill_check_period: L<Text>,
    /// Default `2s` (assumption).
    pub worker_respawn: L<Text>,
    /// Tries of a request hitting a serialization failure, the first included; default 5
    /// (odoo/service/model.py `MAX_TRIES_ON_CONCURRENCY_FAILURE`); 1..=20.
    pub max_tries_on_concurrency_failure: L<i64>,
    /// Resident size of a fresh worker; default `150MiB` (Odoo's deployment guide: a light
    /// worker ≈ 150 MB).
    pub worker_base_memory: L<Text>,
    /// Virtual size (VMS) of a fresh HTTP or cron worker, what `limit_memory_soft` and
    /// `limit_memory_hard` are compared with; default `512MiB` (ASSUMPTION: not published).
    pub worker_vms: L<Text>,
    /// `limit_memory_soft`; default `2048MiB`.
    pub limit_memory_soft: L<Text>,
    /// `limit_memory_hard`; default `2560MiB`.
    pub limit_memory_hard: L<Text>,
    /// `limit_request`; default 65536 (8192 with `version` ≤ 16.0).
    pub limit_request: L<i64>,
    /// queue_job channels, as in `[queue_job] channels=` / `ODOO_QUEUE_JOB_CHANNELS`:
    /// e.g. `root:4,root.sync:2`; default `root:1`.
    pub queue_job_channels: L<String>,
    /// How jobs whose worker was killed go back to pending: `dead_jobs` (default: recent
    /// runners, `requeue_dead_jobs` on every loop) or `stuck_cron` (older versions: the
    /// `requeue_stuck_jobs` cron only).
    pub queue_job_requeue: L<String>,
    /// With `stuck_cron`: the cron's `started_delta`; default `0` = started jobs are never
    /// requeued (queue_job's default).
    pub queue_job_started_delta: L<Text>,
    /// Where the runner sends `/queue_job/runjob` (`ODOO_QUEUE_JOB_HOST`): `runner_pod`
    /// (default: the runner's own Odoo) or `service` (a Kubernetes Service over the pods).
    pub queue_job_host: L<String>,
}

/// PostgreSQL server.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Postgres {
    /// Path of a PostgreSQL profile, relative to this file; fields here override it.
    pub profile: L<String>,
    /// CPU cores; required, ≥ 1.
    pub cores: L<i64>,
    /// Default 100.
    pub max_connections: L<i64>,
    /// Default 3.
    pub superuser_reserved_connections: L<i64>,
    /// Data volume's I/O budget; absent = I/O not modelled. Replaced whole by a profile
    /// override, not merged.
    pub volume: L<Volume>,
    /// Share of page reads served from memory (0..=1): a constant that overrides the
    /// working-set estimate; default from `working_set`, else 0.99 (assumption).
    pub buffer_hit_ratio: L<f64>,
    /// The instance's memory, e.g. `16GiB`.
    pub memory: L<Text>,
    /// Memory holding data pages (shared_buffers + the OS page cache); default half of
    /// `memory`.
    pub cache: L<Text>,
    /// Data and indexes the queries read over a busy hour, e.g. `40GiB`: the buffer hit
    /// ratio follows it against `cache`.
    pub working_set: L<Text>,
    /// Skew of page popularity (0 = uniform, < 1); default 0.86 (80 % of reads on 20 %
    /// of the pages; assumption).
    pub access_skew: L<f64>,
    /// A commit's extra wait for a synchronous standby (Multi-AZ): a cross-zone round
    /// trip, e.g. `1ms`; default `0s` (no synchronous standby).
    pub commit_round_trip: L<Text>,
    /// `checkpoint_timeout`; default `5min` (PostgreSQL default).
    pub checkpoint_timeout: L<Text>,
    /// `checkpoint_completion_target`; default 0.9 (PostgreSQL ≥ 14); (0, 1].
    pub checkpoint_completion_target: L<f64>,
    /// Data pages one written row dirties per checkpoint interval; default 1
    /// (assumption); 0..=100.
    pub dirty_pages_per_row: L<f64>,
    /// PgBouncer in transaction pool mode; absent = Odoo connects directly.
    pub pgbouncer: L<PgBouncerSpec>,
    /// A streaming read replica (Odoo 18 `db_replica_host`) serving `readonly` classes;
    /// absent = no replica.
    pub replica: L<ReplicaSpec>,
}

/// The fields of one PostgreSQL server, shared by the primary and the replica (serde
/// cannot flatten a struct into one that denies unknown fields, so both keep their own
/// fields and show them through this one view, which validation reads).
pub struct DbServerFields<'a> {
    pub cores: &'a L<i64>,
    pub max_connections: &'a L<i64>,
    pub superuser_reserved_connections: &'a L<i64>,
    pub volume: Option<&'a Located<Volume>>,
    pub buffer_hit_ratio: &'a L<f64>,
    pub memory: &'a L<Text>,
    pub cache: &'a L<Text>,
}

impl Postgres {
    pub fn server_fields(&self) -> DbServerFields<'_> {
        DbServerFields {
            cores: &self.cores,
            max_connections: &self.max_connections,
            superuser_reserved_connections: &self.superuser_reserved_connections,
            volume: self.volume.as_ref(),
            buffer_hit_ratio: &self.buffer_hit_ratio,
            memory: &self.memory,
            cache: &self.cache,
        }
    }
}

impl ReplicaSpec {
    pub fn server_fields(&self) -> DbServerFields<'_> {
        DbServerFields {
            cores: &self.cores,
            max_connections: &self.max_connections,
            superuser_reserved_connections: &self.superuser_reserved_connections,
            volume: self.volume.as_ref(),
            buffer_hit_ratio: &self.buffer_hit_ratio,
            memory: &self.memory,
            cache: &self.cache,
        }
    }
}

/// A PostgreSQL streaming replica: its own cores, connections and volume; it replays the
/// primary's WAL one record at a time.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicaSpec {
    /// Path of a PostgreSQL (or replica) profile, relative to this file; fields here
    /// override it.
    pub profile: L<String>,
    /// CPU cores; required, ≥ 1.
    pub cores: L<i64>,
    /// Default: the primary's.
    pub max_connections: L<i64>,
    /// Default: the primary's.
    pub superuser_reserved_connections: L<i64>,
    /// Data volume; default: the primary's volume (same storage class).
    pub volume: L<Volume>,
    /// Default: from the working set against this server's cache, else the primary's.
    pub buffer_hit_ratio: L<f64>,
    /// The replica's memory; default the primary's.
    pub memory: L<Text>,
    /// Default half of the replica's `memory`.
    pub cache: L<Text>,
    /// Replay CPU per committed write transaction, as a fraction of its CPU time on the
    /// primary; default 0.25 (assumption); 0..=1.
    pub replay_ratio: L<f64>,
    /// WAL send + network delay before replay may start; default `1ms` (assumption).
    pub apply_delay: L<Text>,
}

/// PgBouncer settings (pgbouncer.ini).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PgBouncerSpec {
    /// Only `transaction` is modelled; default `transaction`.
    pub pool_mode: L<String>,
    /// Default 20.
    pub default_pool_size: L<i64>,
    /// Default 100.
    pub max_client_conn: L<i64>,
    /// Default `120s`.
    pub query_wait_timeout: L<Text>,
}

/// The PostgreSQL data volume (e.g. AWS gp3: 3,000 IOPS baseline).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// Provisioned I/O operations per second; required, > 0, ≤ 1e6.
    pub iops: L<f64>,
    /// Latency of one I/O at low load; default `1ms` (assumption); > 0, ≤ 1s.
    pub io_latency: L<Text>,
}

/// Sections that accept `profile:`: fields written in the referencing file win.
pub trait Profiled: Sized {
    fn profile(&mut self) -> &mut L<String>;
    /// Fills every field still unset from `base`.
    fn inherit(&mut self, base: Self);
}

macro_rules! profiled {
    ($t:ty, $($f:ident),*) => {
        impl Profiled for $t {
            fn profile(&mut self) -> &mut L<String> {
                &mut self.profile
            }
            fn inherit(&mut self, base: Self) {
                $( if self.$f.is_none() { self.$f = base.$f; } )*
            }
        }
    };
}

profiled!(
    Workload,
    rate,
    users,
    think_time,
    weekly,
    odoo_cpu,
    queries,
    db_time_per_query,
    cursors,
    rate_limit,
    reads_per_query,
    locks,
    writes,
    calls,
    batch_size,
    new_session_ratio,
    memory_growth,
    job,
    cron,
    spawns,
    websocket,
    readonly,
    cache_lookups,
    cache_miss_queries,
    client
);
profiled!(
    Odoo,
    version,
    pods,
    workers,
    cpu,
    listen_backlog,
    somaxconn,
    tcp_abort_on_overflow,
    max_cron_threads,
    evented_worker,
    db_maxconn,
    db_maxconn_gevent,
    limit_memory_soft_gevent,
    websocket_memory,
    limit_time_real,
    limit_time_cpu,
    limit_time_real_cron,
    kill_check_period,
    worker_respawn,
    max_tries_on_concurrency_failure,
    worker_base_memory,
    worker_vms,
    limit_memory_soft,
    limit_memory_hard,
    limit_request,
    queue_job_channels,
    queue_job_requeue,
    queue_job_started_delta,
    queue_job_host
);
profiled!(
    Postgres,
    cores,
    max_connections,
    superuser_reserved_connections,
    volume,
    buffer_hit_ratio,
    memory,
    cache,
    working_set,
    access_skew,
    commit_round_trip,
    checkpoint_timeout,
    checkpoint_completion_target,
    dirty_pages_per_row,
    pgbouncer,
    replica
);
profiled!(
    ReplicaSpec,
    cores,
    max_connections,
    superuser_reserved_connections,
    volume,
    buffer_hit_ratio,
    memory,
    cache,
    replay_ratio,
    apply_delay
);
profiled!(
    Integration,
    latency,
    error_ratio,
    timeout,
    outages,
    rate_limit
);
profiled!(
    RedisSpec,
    maxmemory,
    policy,
    session_size,
    session_ttl,
    active_window,
    cache
);

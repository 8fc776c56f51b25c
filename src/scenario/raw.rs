//! The scenario file as written: serde types that mirror the YAML and hold no logic.
//!
//! Every field is optional here, even required ones: a missing field is reported by
//! validation with the section's path and line (serde's "missing field" knows neither),
//! and a `profile:` may supply it. Unknown keys are refused (`deny_unknown_fields`) so a
//! typo is an error with a "did you mean", never a silently ignored setting. There is no
//! `untagged` or `flatten`: both buffer the input and lose the line numbers.
//!
//! The doc comments become the descriptions of `peakplan schema`.

use super::located::{Located, OrderedMap, Text};
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
    /// Odoo and PostgreSQL capacity.
    pub estate: L<Estate>,
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
    /// Local start date-time.
    pub start: L<String>,
    /// Total length, ramps included.
    pub duration: L<Text>,
    /// Linear ramp from ×1 to the multiplier; default `0s`.
    pub ramp_up: L<Text>,
    /// Linear ramp back to ×1; default `0s`.
    pub ramp_down: L<Text>,
    /// Class name → multiplier ≥ 0; key `all` = every class not listed.
    pub multipliers: L<OrderedMap<Located<f64>>>,
}

/// One workload class.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Path of a workload profile, relative to this file; fields here override it.
    pub profile: L<String>,
    /// Base arrival rate, e.g. `40/s`, `5k/h`; > 0, ≤ 1M/s.
    pub rate: L<Text>,
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
    pub odoo: L<Odoo>,
    pub postgres: L<Postgres>,
}

/// Odoo prefork tier (odoo.conf semantics).
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Odoo {
    /// Path of an Odoo profile, relative to this file; fields here override it.
    pub profile: L<String>,
    /// Pods behind the ingress; default 1.
    pub pods: L<i64>,
    /// HTTP workers per pod (odoo.conf `workers`); required, ≥ 1.
    pub workers: L<i64>,
    /// Listen backlog; default 8 × workers (odoo/service/server.py).
    pub listen_backlog: L<i64>,
    /// Default 2.
    pub max_cron_threads: L<i64>,
    /// Default true.
    pub evented_worker: L<bool>,
    /// Per-process pool; default 64.
    pub db_maxconn: L<i64>,
    /// Default `120s`; `unlimited` disables it.
    pub limit_time_real: L<Text>,
    /// Default `4s`.
    pub kill_check_period: L<Text>,
    /// Default `2s` (assumption).
    pub worker_respawn: L<Text>,
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
    weekly,
    odoo_cpu,
    queries,
    db_time_per_query,
    cursors
);
profiled!(
    Odoo,
    pods,
    workers,
    listen_backlog,
    max_cron_threads,
    evented_worker,
    db_maxconn,
    limit_time_real,
    kill_check_period,
    worker_respawn
);
profiled!(
    Postgres,
    cores,
    max_connections,
    superuser_reserved_connections
);

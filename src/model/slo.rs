//! Service-level objectives, validated: what is measured, over which spans of time, and
//! the bound it must stay under.
//!
//! Every objective is an upper bound on a metric (`p95 < 800ms`, at most 1 % of requests
//! over 2 s, utilisation below 80 %): a replication's value is the metric's worst value
//! over the objective's spans (one span for the horizon or an event, one per hour for
//! `hourly`), and the verdict compares the mean over replications with the target.

use super::SimTime;

/// One objective on one subject (an objective written for every class is one `Slo` per
/// class, all with the same name).
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// The objective's key in the scenario.
    pub name: String,
    /// The workload class it is about (index into `Model::classes`), for class metrics.
    pub class: Option<usize>,
    pub metric: SloMetric,
    /// The bound, in the metric's unit (seconds, or a share in [0, 1]).
    pub target: f64,
    /// `<` (strict) or `<=`/`at_most` (not strict).
    pub strict: bool,
    pub window: SloWindow,
}

/// What an objective measures.
#[derive(Clone, Debug, PartialEq)]
pub enum SloMetric {
    /// The `q`-quantile (0 < q < 1) of the latency of completed requests, seconds.
    Latency { q: f64 },
    /// The share of requests not answered within `threshold`: completed slower than it,
    /// or failed — an estimate of P(latency > threshold) that a failure cannot improve.
    Over { threshold: SimTime },
    /// Failed requests over arrivals; `causes` = the error causes counted (empty = all).
    ErrorRatio { causes: Vec<String> },
    /// The highest fine-bucket utilisation of a gauge with a capacity (named as in the
    /// results).
    Utilisation { resource: String },
    /// The highest fine-bucket mean of the oldest pending queue_job job's age, seconds.
    BacklogAge,
    /// After the end of the window's event: the time until the queue_job backlog is below
    /// one job (fine buckets), seconds.
    Drain,
}

impl SloMetric {
    /// Whether the metric is counted per request of a class (by the replication's probes)
    /// rather than read from a gauge's series.
    pub fn per_request(&self) -> bool {
        matches!(
            self,
            SloMetric::Latency { .. } | SloMetric::Over { .. } | SloMetric::ErrorRatio { .. }
        )
    }
}

/// The time an objective is judged on.
#[derive(Clone, Debug, PartialEq)]
pub struct SloWindow {
    /// `horizon`, `hourly` or `event NAME`, for reports.
    pub label: String,
    /// Disjoint spans `[start, end)`, in time order, inside the observation window.
    pub spans: Vec<(SimTime, SimTime)>,
    /// The calendar event it names (index into `Calendar::events`), if any.
    pub event: Option<usize>,
}

/// Most objectives in one scenario (each may expand to one per class).
pub const MAX_SLOS: usize = 64;
/// Most objective × class pairs: each per-request one keeps a histogram per replication.
pub const MAX_SLO_SUBJECTS: usize = 256;

/// The smallest number of completed requests in a span for its `q`-quantile to be taken:
/// below `1 / (1 − q)` the sample has no request in its upper tail (20 for p95).
pub fn min_completed_for_quantile(q: f64) -> u64 {
    (1.0 / (1.0 - q)).ceil().max(1.0) as u64
}

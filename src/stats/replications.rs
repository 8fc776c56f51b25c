//! The replications of one run, gathered in index order: each one's own figures (what a
//! study pairing the replications of two variants reads), its series folded into the
//! running sums, and what [`super::summarize`] needs to average them.

use super::SeriesSum;
use super::objectives::{SpanValues, span_values, worst};
use crate::model::Model;
use crate::result::{ReplicationClass, ReplicationResource, ReplicationResult};
use crate::sim::{ClassObs, GaugeTable, Replication};

/// Replications gathered so far, in index order.
pub struct Replications {
    pub seed: u64,
    /// Each replication's figures, in index order.
    pub per_replication: Vec<ReplicationResult>,
    /// The replications themselves, their bucket series already folded into `series`.
    pub(super) reps: Vec<Replication>,
    pub(super) series: SeriesSum,
    /// Per replication, each service-level objective's metric in each of its spans.
    pub(super) span_values: Vec<SpanValues>,
    gauges: GaugeTable,
}

impl Replications {
    pub fn new(model: &Model, seed: u64) -> Self {
        Replications {
            seed,
            per_replication: Vec::new(),
            reps: Vec::new(),
            series: SeriesSum::new(model),
            span_values: Vec::new(),
            gauges: GaugeTable::of(model),
        }
    }

    /// Adds the next replication (callers add them in index order): its figures are kept,
    /// its series folded into the sums and dropped.
    pub fn add(&mut self, model: &Model, mut rep: Replication) {
        // Objectives read the fine series, which folding takes away.
        let spans = span_values(model, &self.gauges, &rep);
        self.series.add(&mut rep);
        let mut figures = figures(model, &self.gauges, &rep);
        figures.slos = spans.iter().map(|s| worst(s).map(|(_, v)| v)).collect();
        self.per_replication.push(figures);
        self.span_values.push(spans);
        self.reps.push(rep);
    }

    pub fn len(&self) -> usize {
        self.reps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reps.is_empty()
    }
}

pub(super) fn ratio(num: f64, den: f64) -> Option<f64> {
    (den > 0.0).then(|| num / den)
}

/// A class's error ratio in one replication (0 without arrivals).
fn error_ratio(o: &ClassObs) -> f64 {
    ratio(o.errors.iter().sum::<u64>() as f64, o.arrivals as f64).unwrap_or(0.0)
}

/// One replication's figures over the observation window.
fn figures(model: &Model, gauges: &GaugeTable, r: &Replication) -> ReplicationResult {
    ReplicationResult {
        index: r.index,
        events: r.events,
        classes: model
            .classes
            .iter()
            .zip(&r.classes)
            .map(|(c, o)| ReplicationClass {
                name: c.name.clone(),
                arrivals_per_s: o.arrivals as f64 / r.window_s,
                throughput_per_s: o.completed as f64 / r.window_s,
                error_ratio: error_ratio(o),
                latency_s_mean: ratio(o.latency_s_sum, o.completed as f64),
                latency_s_p50: o.latency_s_quantiles[0],
                latency_s_p95: o.latency_s_quantiles[1],
                latency_s_p99: o.latency_s_quantiles[2],
            })
            .collect(),
        resources: gauges
            .gauges
            .iter()
            .map(|g| ReplicationResource {
                name: g.name.clone(),
                level_mean: r.resource_mean[g.slot],
                level_max: r.resource_max[g.slot],
            })
            .collect(),
        slos: Vec::new(),
    }
}

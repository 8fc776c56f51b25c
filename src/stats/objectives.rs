//! One replication's value of each service-level objective: the metric in each span of
//! the objective's window, and the worst span's (every objective is an upper bound, so
//! the worst is the largest). Per-request metrics come from the replication's probes,
//! the others from its fine-bucket series — read before the series are folded away.

use crate::model::{Model, SimTime, Slo, SloMetric};
use crate::sim::{GaugeTable, Replication, Resource, SpanCounts};

/// Per objective (`Model::slos` order), the metric in each span; `None` where the span
/// has nothing to measure (no arrival, too few completions for the percentile).
pub type SpanValues = Vec<Vec<Option<f64>>>;

/// The metric in every span of every objective, for one replication.
pub fn span_values(model: &Model, gauges: &GaugeTable, r: &Replication) -> SpanValues {
    model
        .slos
        .iter()
        .zip(&r.slo_spans)
        .map(|(slo, counts)| match &slo.metric {
            SloMetric::Latency { .. } | SloMetric::Over { .. } | SloMetric::ErrorRatio { .. } => {
                counts.iter().map(|c| per_request(&slo.metric, c)).collect()
            }
            _ => from_series(model, gauges, slo, r),
        })
        .collect()
}

/// The worst (largest) value over the spans, and its span.
pub fn worst(values: &[Option<f64>]) -> Option<(usize, f64)> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .fold(None, |best, (i, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })
}

fn per_request(metric: &SloMetric, c: &SpanCounts) -> Option<f64> {
    let share = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
    match metric {
        SloMetric::Latency { .. } => c.quantile_s,
        // Not answered within the threshold: slower, or failed.
        SloMetric::Over { .. } => share(c.slow + c.failed, c.completed + c.failed),
        SloMetric::ErrorRatio { .. } => share(c.failed, c.arrivals),
        _ => unreachable!("a gauge metric"),
    }
}

/// The fine buckets (start-indexed from the horizon's start) that overlap `[a, b)`.
fn buckets(a: SimTime, b: SimTime, width: SimTime, len: usize) -> std::ops::Range<usize> {
    let w = width.as_nanos();
    let first = (a.as_nanos() / w) as usize;
    let last = (b.as_nanos().div_ceil(w) as usize).min(len);
    first.min(last)..last
}

fn from_series(model: &Model, gauges: &GaugeTable, slo: &Slo, r: &Replication) -> Vec<Option<f64>> {
    let width = model.stats.fine_bucket;
    let series = |slot: usize| r.resource_fine.get(slot).map_or(&[][..], |s| &s[..]);
    let highest = |s: &[f32], a, b, scale: f64| {
        s[buckets(a, b, width, s.len())]
            .iter()
            .map(|x| f64::from(*x) / scale)
            .reduce(f64::max)
    };
    let spans = &slo.window.spans;
    match &slo.metric {
        SloMetric::Utilisation { resource } => {
            let g = gauges.gauges.iter().find(|g| g.name == *resource);
            let (slot, cap) = g
                .and_then(|g| Some((g.slot, g.capacity?)))
                .expect("validated");
            spans
                .iter()
                .map(|(a, b)| highest(series(slot), *a, *b, cap))
                .collect()
        }
        SloMetric::BacklogAge => {
            let s = series(Resource::JobOldestAge as usize);
            spans.iter().map(|(a, b)| highest(s, *a, *b, 1.0)).collect()
        }
        SloMetric::Drain => {
            let s = series(Resource::JobsPending as usize);
            spans
                .iter()
                .map(|(_, end)| Some(drain_s(s, *end, width, model.horizon.duration)))
                .collect()
        }
        _ => unreachable!("a per-request metric"),
    }
}

/// Seconds from `end` until the backlog's fine-bucket mean is below one job: 0 if it was
/// already in the bucket before `end`; the time left to the horizon if it never is (a
/// lower bound: the backlog had not drained when the run ended).
pub fn drain_s(pending: &[f32], end: SimTime, width: SimTime, horizon: SimTime) -> f64 {
    let w = width.as_secs_f64();
    let first = (end.as_secs_f64() / w).ceil() as usize;
    let at_end = first
        .checked_sub(1)
        .and_then(|b| pending.get(b))
        .map_or(0.0, |x| f64::from(*x));
    if at_end < 1.0 {
        return 0.0;
    }
    let left = (horizon.as_secs_f64() - end.as_secs_f64()).max(0.0);
    (first..pending.len())
        .find(|b| pending[*b] < 1.0)
        .map_or(left, |b| {
            (b as f64 * w - end.as_secs_f64()).clamp(0.0, left)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_span_is_the_largest_value() {
        assert_eq!(
            worst(&[Some(1.0), None, Some(3.0), Some(2.0)]),
            Some((2, 3.0))
        );
        assert_eq!(worst(&[None, None]), None);
    }

    #[test]
    fn buckets_overlapping_a_span() {
        let w = SimTime::from_secs(300);
        assert_eq!(
            buckets(SimTime::from_secs(0), SimTime::from_secs(3600), w, 100),
            0..12
        );
        assert_eq!(
            buckets(SimTime::from_secs(100), SimTime::from_secs(700), w, 100),
            0..3
        );
        assert_eq!(
            buckets(SimTime::from_secs(3600), SimTime::from_secs(7200), w, 20),
            12..20
        );
    }

    #[test]
    fn drain_times() {
        let w = SimTime::from_secs(60);
        let h = SimTime::from_secs(600);
        let pending = [0.0, 5.0, 9.0, 4.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(
            drain_s(&pending, SimTime::from_secs(60), w, h),
            0.0,
            "empty at the end"
        );
        assert_eq!(drain_s(&pending, SimTime::from_secs(180), w, h), 60.0);
        let stuck = [9.0; 10];
        assert_eq!(
            drain_s(&stuck, SimTime::from_secs(180), w, h),
            420.0,
            "censored"
        );
    }
}

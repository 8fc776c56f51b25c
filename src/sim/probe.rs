//! The per-request counts behind service-level objectives: for each objective on a class
//! (latency percentile, share over a threshold, error ratio), what the class's requests
//! did in each span of the objective's window — arrivals, completions, failures, the
//! requests slower than the threshold and the percentile asked for.
//!
//! A probe keeps one histogram (only for a percentile) and the current span's counts; a
//! span's result is a few numbers, stored when the span ends, so an hourly window over a
//! month costs 720 small records. A request counts in the span where its event falls: an
//! arrival where it arrived, a completion or a failure where it ended.

use super::Cause;
use crate::collect::Histogram;
use crate::model::{Model, SimTime, Slo, SloMetric};

/// What a class's requests did in one span of an objective's window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpanCounts {
    pub arrivals: u64,
    pub completed: u64,
    /// Failed requests, of the causes the objective counts (all but an error budget's).
    pub failed: u64,
    /// Completed requests slower than the threshold (`Over` objectives).
    pub slow: u64,
    /// The percentile of the span's completed latencies, seconds (`Latency` objectives).
    pub quantile_s: Option<f64>,
}

/// One objective's probe on one class.
struct Probe {
    spans: Vec<(SimTime, SimTime)>,
    /// Index of the span not yet closed.
    next: usize,
    /// Bit `c` set: cause `c` counts as a failure.
    causes: u32,
    threshold: Option<SimTime>,
    quantile: Option<f64>,
    hist: Option<Histogram>,
    open: SpanCounts,
    done: Vec<SpanCounts>,
}

impl Probe {
    fn new(slo: &Slo) -> Probe {
        let mut p = Probe {
            spans: slo.window.spans.clone(),
            next: 0,
            causes: u32::MAX,
            threshold: None,
            quantile: None,
            hist: None,
            open: SpanCounts::default(),
            done: Vec::with_capacity(slo.window.spans.len()),
        };
        match &slo.metric {
            SloMetric::Latency { q } => {
                p.quantile = Some(*q);
                p.hist = Some(Histogram::default());
            }
            SloMetric::Over { threshold } => p.threshold = Some(*threshold),
            SloMetric::ErrorRatio { causes } if !causes.is_empty() => {
                p.causes = Cause::ALL
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| causes.iter().any(|n| n == c.name()))
                    .fold(0, |m, (i, _)| m | 1 << i);
            }
            _ => {}
        }
        p
    }

    /// Closes the spans that ended by `now`; whether `now` lies in the open span.
    #[inline]
    fn at(&mut self, now: SimTime) -> bool {
        while self.next < self.spans.len() && now >= self.spans[self.next].1 {
            self.close();
        }
        self.spans
            .get(self.next)
            .is_some_and(|(start, _)| now >= *start)
    }

    fn close(&mut self) {
        let mut counts = std::mem::take(&mut self.open);
        if let (Some(h), Some(q)) = (&mut self.hist, self.quantile) {
            let enough = h.count() >= crate::model::min_completed_for_quantile(q);
            counts.quantile_s = enough.then(|| h.quantile(q)).flatten().map(|ns| ns / 1e9);
            h.clear();
        }
        self.done.push(counts);
        self.next += 1;
    }
}

/// The probes of one replication: one per objective on a class, in `Model::slos` order.
#[derive(Default)]
pub struct Probes {
    /// Per objective: its probe (`None` for an objective read from a gauge).
    probes: Vec<Option<Probe>>,
    /// Per class: the objectives probing it.
    by_class: Vec<Vec<usize>>,
}

impl Probes {
    pub fn new(model: &Model) -> Probes {
        let mut by_class = vec![Vec::new(); model.classes.len()];
        let probes = model
            .slos
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let class = s.class.filter(|_| s.metric.per_request())?;
                by_class[class].push(i);
                Some(Probe::new(s))
            })
            .collect();
        Probes { probes, by_class }
    }

    #[inline]
    fn each(&mut self, class: usize, now: SimTime, mut f: impl FnMut(&mut Probe)) {
        for &i in &self.by_class[class] {
            let p = self.probes[i].as_mut().expect("indexed probes exist");
            if p.at(now) {
                f(p);
            }
        }
    }

    #[inline]
    pub fn arrival(&mut self, now: SimTime, class: usize) {
        if self.by_class.get(class).is_some_and(|b| !b.is_empty()) {
            self.each(class, now, |p| p.open.arrivals += 1);
        }
    }

    #[inline]
    pub fn completed(&mut self, now: SimTime, class: usize, latency: SimTime) {
        if self.by_class.get(class).is_some_and(|b| !b.is_empty()) {
            self.each(class, now, |p| {
                p.open.completed += 1;
                p.open.slow += u64::from(p.threshold.is_some_and(|t| latency > t));
                if let Some(h) = &mut p.hist {
                    h.record(latency.as_nanos());
                }
            });
        }
    }

    #[inline]
    pub fn failed(&mut self, now: SimTime, class: usize, cause: Cause) {
        if self.by_class.get(class).is_some_and(|b| !b.is_empty()) {
            self.each(class, now, |p| {
                p.open.failed += u64::from(p.causes & (1 << cause as u32) != 0);
            });
        }
    }

    /// Closes every span (those after the last request too): per objective, its spans'
    /// counts (empty for an objective read from a gauge).
    pub fn finish(self) -> Vec<Vec<SpanCounts>> {
        self.probes
            .into_iter()
            .map(|p| {
                p.map_or_else(Vec::new, |mut p| {
                    while p.next < p.spans.len() {
                        p.close();
                    }
                    p.done
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use std::path::Path;

    fn model(slos: &str) -> Model {
        let yaml = format!(
            "version: 1\nhorizon: {{start: 2026-11-27T00:00, duration: 3h}}\n\
             workloads:\n  web: {{rate: 1/s, odoo_cpu: {{dist: constant, value: 10ms}}}}\n\
             estate: {{odoo: {{pods: 1, workers: 2}}, postgres: {{cores: 4}}}}\nslos:\n{slos}"
        );
        load_str(&yaml, "probe.yaml", Path::new(".")).unwrap_or_else(|d| panic!("{d}"))
    }

    fn s(n: u64) -> SimTime {
        SimTime::from_secs(n)
    }

    #[test]
    fn requests_count_in_the_span_they_end_in() {
        let m = model("  fast: {class: web, over: 2s, at_most: 1%, window: hourly}\n");
        let mut p = Probes::new(&m);
        p.arrival(s(10), 0);
        p.completed(s(11), 0, s(3));
        p.arrival(s(3599), 0);
        p.completed(s(3601), 0, s(1));
        p.failed(s(7300), 0, Cause::BacklogFull);
        let spans = p.finish().remove(0);
        assert_eq!(spans.len(), 3);
        assert_eq!(
            (spans[0].arrivals, spans[0].completed, spans[0].slow),
            (2, 1, 1)
        );
        assert_eq!(
            (spans[1].arrivals, spans[1].completed, spans[1].slow),
            (0, 1, 0)
        );
        assert_eq!(spans[2].failed, 1);
    }

    #[test]
    fn an_error_budget_counts_only_its_causes() {
        let m = model("  t: {class: web, error_ratio: '< 1%', causes: [killed_limit_time_real]}\n");
        let mut p = Probes::new(&m);
        p.failed(s(1), 0, Cause::BacklogFull);
        p.failed(s(1), 0, Cause::KilledTimeReal);
        assert_eq!(p.finish()[0][0].failed, 1);
    }

    #[test]
    fn a_percentile_needs_enough_requests() {
        let m = model("  p: {class: web, latency: p95 < 1s}\n");
        let mut p = Probes::new(&m);
        for i in 0..19 {
            p.completed(s(i + 1), 0, s(1));
        }
        let mut q = Probes::new(&m);
        for i in 0..20 {
            q.completed(s(i + 1), 0, s(i + 1));
        }
        assert_eq!(p.finish()[0][0].quantile_s, None, "19 < 1/(1 − 0.95)");
        let p95 = q.finish()[0][0].quantile_s.expect("20 requests");
        assert!((p95 - 19.0).abs() < 19.0 * 0.004, "{p95}");
    }
}

//! The rows of a gate: each metric of each class, and each objective's worst-span value,
//! paired replication by replication and decided against its margin.

use super::{Decision, Row, Tolerances};
use crate::model::gate::{GateMetric, MarginKind, Tolerance};
use crate::result::{ReplicationClass, SimulationResult, Verdict, VerdictStatus};
use crate::stats::decide;

/// A row before it is decided, with each replication's value in both runs.
pub struct Pending {
    pub row: Row,
    base: Vec<Option<f64>>,
    change: Vec<Option<f64>>,
    /// The objective's target (`slo` rows): what an `of target` tolerance is a share of.
    target: Option<f64>,
}

fn class_value(metric: GateMetric, c: &ReplicationClass) -> Option<f64> {
    match metric {
        GateMetric::Throughput => Some(c.throughput_per_s),
        GateMetric::ErrorRatio => Some(c.error_ratio),
        GateMetric::LatencyMean => c.latency_s_mean,
        GateMetric::LatencyP50 => c.latency_s_p50,
        GateMetric::LatencyP95 => c.latency_s_p95,
        GateMetric::LatencyP99 => c.latency_s_p99,
        GateMetric::Slo => None,
    }
}

fn unit(metric: GateMetric) -> &'static str {
    match metric {
        GateMetric::Throughput => "per_s",
        GateMetric::ErrorRatio => "share",
        _ => "s",
    }
}

/// Each replication's value of `metric` for class `name` (classes are matched by name:
/// the change may list them in another order).
fn class_values(r: &SimulationResult, metric: GateMetric, name: &str) -> Vec<Option<f64>> {
    r.per_replication
        .iter()
        .map(|p| {
            p.classes
                .iter()
                .find(|c| c.name == name)
                .and_then(|c| class_value(metric, c))
        })
        .collect()
}

fn blank(metric: GateMetric, tol: &Tolerances, subject: &str) -> Row {
    let (tolerance, from) = tol.resolve(metric, subject);
    Row {
        metric,
        class: None,
        slo: None,
        unit: unit(metric).into(),
        higher_is_worse: metric.higher_is_worse(),
        baseline: None,
        change: None,
        difference: None,
        low: None,
        high: None,
        relative_difference: None,
        tolerance: match tolerance {
            Tolerance::Off => None,
            Tolerance::Fraction(f) => Some(f),
        },
        tolerance_kind: metric.margin_kind(),
        tolerance_from: from.into(),
        margin: None,
        pairs: 0,
        baseline_verdict: None,
        change_verdict: None,
        decision: Decision::NoData,
        reason: String::new(),
    }
}

/// Every row, undecided yet, and notes on objectives only one run has.
pub fn build(
    b: &SimulationResult,
    c: &SimulationResult,
    tol: &Tolerances,
) -> (Vec<Pending>, Vec<String>) {
    let mut out = Vec::new();
    // The class metrics, in `GateMetric::ALL`'s order; objectives follow.
    for metric in GateMetric::ALL
        .into_iter()
        .filter(|m| *m != GateMetric::Slo)
    {
        for class in &b.classes {
            let mut row = blank(metric, tol, &class.name);
            row.class = Some(class.name.clone());
            out.push(Pending {
                row,
                base: class_values(b, metric, &class.name),
                change: class_values(c, metric, &class.name),
                target: None,
            });
        }
    }
    let same = |x: &Verdict, y: &Verdict| {
        x.slo == y.slo && x.class == y.class && x.resource == y.resource && x.metric == y.metric
    };
    let mut notes = Vec::new();
    for (i, v) in b.verdicts.iter().enumerate() {
        let Some(j) = c.verdicts.iter().position(|w| same(v, w)) else {
            notes.push(format!(
                "objective {} is only in the baseline: not compared",
                describe(v)
            ));
            continue;
        };
        let slo_values = |r: &SimulationResult, k: usize| -> Vec<Option<f64>> {
            r.per_replication
                .iter()
                .map(|p| p.slos.get(k).copied().flatten())
                .collect()
        };
        let mut row = blank(GateMetric::Slo, tol, &v.slo);
        row.slo = Some(v.slo.clone());
        row.class = v.class.clone().or_else(|| v.resource.clone());
        row.unit = v.unit.clone();
        row.baseline_verdict = Some(v.status);
        row.change_verdict = Some(c.verdicts[j].status);
        out.push(Pending {
            row,
            base: slo_values(b, i),
            change: slo_values(c, j),
            target: Some(v.target),
        });
    }
    for w in &c.verdicts {
        if !b.verdicts.iter().any(|v| same(v, w)) {
            notes.push(format!(
                "objective {} is new in the change: not compared",
                describe(w)
            ));
        }
    }
    (out, notes)
}

fn describe(v: &Verdict) -> String {
    match v.class.as_ref().or(v.resource.as_ref()) {
        Some(s) => format!("`{}` ({s})", v.slo),
        None => format!("`{}`", v.slo),
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Decides a row at `level`: the paired differences, signed so that positive is worse,
/// against the margin (`stats::decide`, not strict: regression when the interval's low
/// end is beyond the margin, pass when its high end is within it).
pub fn judge(p: Pending, level: f64) -> Row {
    let mut row = p.row;
    let pairs: Vec<(f64, f64)> = p
        .base
        .iter()
        .zip(&p.change)
        .filter_map(|(b, c)| Some(((*b)?, (*c)?)))
        .collect();
    row.pairs = pairs.len() as u32;
    let bs: Vec<f64> = pairs.iter().map(|x| x.0).collect();
    let cs: Vec<f64> = pairs.iter().map(|x| x.1).collect();
    row.baseline = mean(&bs);
    row.change = mean(&cs);
    let sign = if row.higher_is_worse { 1.0 } else { -1.0 };
    let worse: Vec<f64> = pairs.iter().map(|(b, c)| sign * (c - b)).collect();
    row.margin = row.tolerance.map(|t| match row.tolerance_kind {
        MarginKind::Relative => t * row.baseline.unwrap_or(0.0).abs(),
        MarginKind::Absolute => t,
        MarginKind::OfTarget => t * p.target.unwrap_or(0.0).abs(),
    });
    let d = decide(&worse, row.margin.unwrap_or(0.0), false, level);
    row.difference = d.mean.map(|m| sign * m);
    row.relative_difference = match (row.difference, row.baseline) {
        (Some(x), Some(b)) if b != 0.0 => Some(x / b.abs()),
        _ => None,
    };
    (row.low, row.high) = match (d.low, d.high) {
        (Some(l), Some(h)) if sign > 0.0 => (Some(l), Some(h)),
        (Some(l), Some(h)) => (Some(-h), Some(-l)),
        _ => (None, None),
    };
    let one_sided = p
        .base
        .iter()
        .zip(&p.change)
        .any(|(b, c)| b.is_some() != c.is_some());
    (row.decision, row.reason) = if p.base.iter().chain(&p.change).all(Option::is_none) {
        (
            Decision::NoData,
            "neither run had anything to measure".into(),
        )
    } else if row.margin.is_none() {
        (Decision::NotGated, "tolerance off".into())
    } else if one_sided {
        (
            Decision::Undecided,
            "in some replication only one run had anything to measure (nothing completed)".into(),
        )
    } else {
        by_interval(&d, row.margin.unwrap_or(0.0))
    };
    verdict_rule(&mut row);
    row
}

fn by_interval(d: &crate::stats::Decision, margin: f64) -> (Decision, String) {
    match d.status {
        VerdictStatus::Breaks => (
            Decision::Regression,
            "the whole interval of the difference is beyond the tolerance".into(),
        ),
        VerdictStatus::Holds if d.high.is_some_and(|h| h < -margin) => (
            Decision::Improved,
            "the whole interval is beyond the tolerance on the good side".into(),
        ),
        VerdictStatus::Holds => (
            Decision::Pass,
            "the whole interval of the difference is within the tolerance".into(),
        ),
        _ => (
            Decision::Undecided,
            match d.needed {
                Some(n) => format!(
                    "the interval straddles the tolerance; about {n} replications would likely settle it"
                ),
                None => "the interval straddles the tolerance".into(),
            },
        ),
    }
}

/// An objective that holds in the baseline and breaks in the change is a regression
/// whatever the tolerance; one that holds and becomes undecided is at best undecided. A
/// tolerance `off` takes the objective out of the gate altogether.
fn verdict_rule(row: &mut Row) {
    use VerdictStatus::{Breaks, Holds};
    let (Some(b), Some(c)) = (row.baseline_verdict, row.change_verdict) else {
        return;
    };
    if b != Holds || matches!(row.decision, Decision::Regression | Decision::NotGated) {
        return;
    }
    if c == Breaks {
        row.decision = Decision::Regression;
        row.reason = "the objective holds in the baseline and breaks in the change".into();
    } else if c != Holds {
        row.decision = Decision::Undecided;
        row.reason = format!(
            "the objective holds in the baseline and is {} in the change",
            c.name()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Baseline 1, 2, 3, 4; the change adds 0.5, 0.7, 0.6, 0.4: the differences' mean is
    /// 0.55, their standard deviation √(0.05 / 3), and at 95 % the half-width
    /// t(0.975, 3) · sd / 2 = 3.182446 · 0.129099 / 2 = 0.205427. The baseline's mean is 2.5.
    fn pending(metric: GateMetric, tolerance: f64) -> Pending {
        let tol = Tolerances {
            command_line: vec![crate::model::gate::ToleranceRule {
                metric,
                subject: None,
                tolerance: Tolerance::Fraction(tolerance),
            }],
            scenario: Vec::new(),
        };
        let base = [1.0, 2.0, 3.0, 4.0];
        let change = [1.5, 2.7, 3.6, 4.4];
        Pending {
            row: blank(metric, &tol, "c"),
            base: base.map(Some).to_vec(),
            change: change.map(Some).to_vec(),
            target: None,
        }
    }

    #[test]
    fn the_interval_is_the_paired_t_interval_and_decides_against_the_margin() {
        let r = judge(pending(GateMetric::LatencyP95, 0.10), 0.95);
        assert!((r.difference.unwrap() - 0.55).abs() < 1e-12);
        assert!((r.low.unwrap() - (0.55 - 0.205427)).abs() < 1e-5, "{r:?}");
        assert!((r.high.unwrap() - (0.55 + 0.205427)).abs() < 1e-5, "{r:?}");
        assert!((r.margin.unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(r.decision, Decision::Regression, "low 0.345 > margin 0.25");
        let at = |t: f64| judge(pending(GateMetric::LatencyP95, t), 0.95).decision;
        assert_eq!(
            at(0.20),
            Decision::Undecided,
            "margin 0.5 inside [0.345, 0.755]"
        );
        assert_eq!(at(0.30), Decision::Undecided, "margin 0.75 < high 0.7554");
        assert_eq!(at(0.3022), Decision::Pass, "margin 0.7555 ≥ high 0.7554");
        assert_eq!(
            at(0.1378),
            Decision::Regression,
            "margin 0.3445 < low 0.3446"
        );
        assert_eq!(at(0.1379), Decision::Undecided, "margin 0.34475 > low");
        // Throughput: higher is better, so the same numbers are an improvement.
        let t = judge(pending(GateMetric::Throughput, 0.10), 0.95);
        assert_eq!(t.decision, Decision::Improved, "{t:?}");
        assert!(
            (t.low.unwrap() - 0.344573).abs() < 1e-5,
            "shown as change − baseline"
        );
    }

    #[test]
    fn an_objective_that_held_and_breaks_is_a_regression_whatever_the_tolerance() {
        let mut p = pending(GateMetric::Slo, 10.0);
        p.target = Some(1.0);
        p.row.baseline_verdict = Some(VerdictStatus::Holds);
        p.row.change_verdict = Some(VerdictStatus::Breaks);
        assert_eq!(judge(p, 0.95).decision, Decision::Regression);
        let mut p = pending(GateMetric::Slo, 10.0);
        p.target = Some(1.0);
        p.row.baseline_verdict = Some(VerdictStatus::Holds);
        p.row.change_verdict = Some(VerdictStatus::Undecided);
        assert_eq!(judge(p, 0.95).decision, Decision::Undecided);
    }
}

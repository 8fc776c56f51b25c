//! Service-level objectives → verdicts: each objective *holds*, *breaks*, or is
//! *undecided* when its confidence interval straddles the target.
//!
//! A replication's value is the objective's worst span (`objectives.rs`); the verdict is
//! on the mean of those values over replications, with a Student-t interval. The
//! intervals are simultaneous: with k objectives each is at level 1 − 0.05 / k
//! (Bonferroni), so the chance that *any* verdict of the run is wrong is at most 5 % —
//! "every SLO holds" is then a claim at 95 %, not k claims at 95 % each.

use super::objectives::worst;
use super::replications::Replications;
use crate::model::{Model, Slo, SloMetric};
use crate::result::{Peak, Verdict, VerdictStatus};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The chance that any verdict of a run is wrong, at most.
pub const FAMILY_ERROR: f64 = 0.05;
/// More replications than this are not suggested (the objective is too close to call).
pub const MAX_SUGGESTED_REPLICATIONS: u32 = 100_000;

/// The outcome of comparing replications' values with a target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    pub status: VerdictStatus,
    pub mean: Option<f64>,
    /// The interval at the stated level (`None` with fewer than two values).
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Replications that would likely settle an undecided verdict.
    pub needed: Option<u32>,
}

/// Compares the mean of `values` with `target` at confidence `level` (two-sided).
/// Strict: holds when the whole interval is below the target, breaks when none of it is.
pub fn decide(values: &[f64], target: f64, strict: bool, level: f64) -> Decision {
    let n = values.len();
    let none = Decision {
        status: VerdictStatus::NoData,
        mean: None,
        low: None,
        high: None,
        needed: None,
    };
    if n == 0 {
        return none;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Decision {
            status: VerdictStatus::Undecided,
            mean: Some(mean),
            ..none
        };
    }
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n ≥ 2")
        .inverse_cdf(1.0 - (1.0 - level) / 2.0);
    let h = t * (var / n as f64).sqrt();
    let (low, high) = (mean - h, mean + h);
    let (holds, breaks) = if strict {
        (high < target, low >= target)
    } else {
        (high <= target, low > target)
    };
    let status = match (holds, breaks) {
        (true, _) => VerdictStatus::Holds,
        (_, true) => VerdictStatus::Breaks,
        _ => VerdictStatus::Undecided,
    };
    // The half-width shrinks as 1/√n: the n at which it would just clear the gap.
    let gap = (mean - target).abs();
    let needed = (status == VerdictStatus::Undecided && gap > 0.0)
        .then(|| (n as f64 * (h / gap).powi(2)).ceil())
        .filter(|m| *m <= f64::from(MAX_SUGGESTED_REPLICATIONS))
        .map(|m| (m as u32).max(n as u32 + 1));
    Decision {
        status,
        mean: Some(mean),
        low: Some(low),
        high: Some(high),
        needed,
    }
}

/// The level of each interval for `k` objectives.
pub fn level(k: usize) -> f64 {
    1.0 - FAMILY_ERROR / k.max(1) as f64
}

/// The verdicts of every objective of `model` on the gathered replications.
pub fn verdicts(model: &Model, gathered: &Replications) -> Vec<Verdict> {
    let level = level(model.slos.len());
    model
        .slos
        .iter()
        .enumerate()
        .map(|(i, slo)| verdict(model, slo, i, gathered, level))
        .collect()
}

fn verdict(model: &Model, slo: &Slo, i: usize, g: &Replications, level: f64) -> Verdict {
    let per_rep: Vec<&[Option<f64>]> = g.span_values.iter().map(|v| &v[i][..]).collect();
    let values: Vec<f64> = per_rep
        .iter()
        .filter_map(|s| worst(s))
        .map(|(_, v)| v)
        .collect();
    let d = decide(&values, slo.target, slo.strict, level);
    Verdict {
        slo: slo.name.clone(),
        class: slo.class.map(|c| model.classes[c].name.clone()),
        resource: match &slo.metric {
            SloMetric::Utilisation { resource } => Some(resource.clone()),
            _ => None,
        },
        metric: metric_name(&slo.metric),
        objective: objective_text(slo),
        window: slo.window.label.clone(),
        unit: unit(&slo.metric).into(),
        target: slo.target,
        threshold_s: match &slo.metric {
            SloMetric::Over { threshold } => Some(threshold.as_secs_f64()),
            _ => None,
        },
        strict: slo.strict,
        status: d.status,
        mean: d.mean,
        low: d.low,
        high: d.high,
        confidence: level,
        replications: values.len() as u32,
        replications_needed: d.needed,
        worst_span: worst_span(model, slo, &per_rep),
    }
}

/// For a window of several spans: the span whose mean over replications is the worst.
fn worst_span(model: &Model, slo: &Slo, per_rep: &[&[Option<f64>]]) -> Option<Peak> {
    let spans = &slo.window.spans;
    if spans.len() < 2 {
        return None;
    }
    let means: Vec<Option<f64>> = (0..spans.len())
        .map(|s| {
            let v: Vec<f64> = per_rep.iter().filter_map(|r| r[s]).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        })
        .collect();
    let (s, value) = worst(&means)?;
    Some(Peak {
        start_s: spans[s].0.as_secs_f64(),
        start_local: model.horizon.local_time(spans[s].0),
        value,
    })
}

fn unit(m: &SloMetric) -> &'static str {
    match m {
        SloMetric::Latency { .. } | SloMetric::BacklogAge | SloMetric::Drain => "s",
        _ => "share",
    }
}

/// `latency_p95`, `over_2s`, `error_ratio`, `utilisation`, `backlog_age_s`, `drain_s`.
fn metric_name(m: &SloMetric) -> String {
    match m {
        SloMetric::Latency { q } => format!("latency_p{}", trim(q * 100.0)),
        SloMetric::Over { threshold } => {
            let s = threshold.as_secs_f64();
            if s < 1.0 {
                format!("over_{}ms", trim(s * 1e3))
            } else {
                format!("over_{}s", trim(s))
            }
        }
        SloMetric::ErrorRatio { .. } => "error_ratio".into(),
        SloMetric::Utilisation { .. } => "utilisation".into(),
        SloMetric::BacklogAge => "backlog_age_s".into(),
        SloMetric::Drain => "drain_s".into(),
    }
}

/// The objective in words: `p95 < 800 ms`, `at most 1 % over 2 s`.
fn objective_text(slo: &Slo) -> String {
    let op = if slo.strict { "<" } else { "≤" };
    let t = slo.target;
    match &slo.metric {
        SloMetric::Latency { q } => format!("p{} {op} {}", trim(q * 100.0), seconds(t)),
        SloMetric::Over { threshold } => format!(
            "at most {} of requests over {} (slower or failed)",
            percent(t),
            seconds(threshold.as_secs_f64())
        ),
        SloMetric::ErrorRatio { causes } if causes.is_empty() => {
            format!("error ratio {op} {}", percent(t))
        }
        SloMetric::ErrorRatio { causes } => {
            format!("{} ratio {op} {}", causes.join(" + "), percent(t))
        }
        SloMetric::Utilisation { resource } => format!("{resource} {op} {}", percent(t)),
        SloMetric::BacklogAge => format!("oldest queue_job job {op} {}", seconds(t)),
        SloMetric::Drain => format!(
            "queue_job backlog drained {op} {} after the event",
            seconds(t)
        ),
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Seconds in a readable unit: `800 ms`, `2 s`, `30 min`, `2 h`.
pub fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{} ms", trim(s * 1e3))
    } else if s < 120.0 {
        format!("{} s", trim(s))
    } else if s < 7200.0 {
        format!("{} min", trim(s / 60.0))
    } else {
        format!("{} h", trim(s / 3600.0))
    }
}

/// A share as a percentage: `1 %`, `0.5 %`.
pub fn percent(x: f64) -> String {
    format!("{} %", trim(x * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: [f64; 5] = [0.9, 1.1, 1.0, 0.95, 1.05];

    /// The interval of VALUES at 95 %: mean 1.0, half-width t(0.975, 4) × s / √5.
    fn half_width() -> f64 {
        let s = (0.025f64 / 4.0).sqrt();
        2.776_445 * s / 5f64.sqrt()
    }

    #[test]
    fn a_verdict_flips_exactly_where_the_target_crosses_the_interval() {
        let h = half_width();
        let at = |target: f64| decide(&VALUES, target, true, 0.95).status;
        assert_eq!(at(1.0 + h + 1e-6), VerdictStatus::Holds);
        assert_eq!(at(1.0 + h - 1e-6), VerdictStatus::Undecided);
        assert_eq!(at(1.0), VerdictStatus::Undecided);
        assert_eq!(at(1.0 - h + 1e-6), VerdictStatus::Undecided);
        assert_eq!(at(1.0 - h - 1e-6), VerdictStatus::Breaks);
    }

    #[test]
    fn equal_values_decide_on_the_strictness_of_the_bound() {
        let zeros = [0.0; 4];
        assert_eq!(
            decide(&zeros, 0.0, true, 0.95).status,
            VerdictStatus::Breaks
        );
        assert_eq!(
            decide(&zeros, 0.0, false, 0.95).status,
            VerdictStatus::Holds
        );
        assert_eq!(
            decide(&zeros, 0.01, true, 0.95).status,
            VerdictStatus::Holds
        );
    }

    #[test]
    fn replications_needed_shrink_the_interval_to_the_gap() {
        let h = half_width();
        let d = decide(&VALUES, 1.0 + h / 2.0, true, 0.95);
        assert_eq!(d.status, VerdictStatus::Undecided);
        // Half-width ∝ 1/√n: halving it takes four times the replications.
        assert!(matches!(d.needed, Some(20 | 21)), "{:?}", d.needed);
        assert_eq!(
            decide(&VALUES, 1.0, true, 0.95).needed,
            None,
            "no gap: no n settles it"
        );
        assert_eq!(decide(&[], 1.0, true, 0.95).status, VerdictStatus::NoData);
        assert_eq!(
            decide(&[1.0], 2.0, true, 0.95).status,
            VerdictStatus::Undecided
        );
    }

    #[test]
    fn simultaneous_levels() {
        assert_eq!(level(1), 0.95);
        assert!((level(5) - 0.99).abs() < 1e-12);
    }

    #[test]
    fn readable_objectives() {
        assert_eq!(seconds(0.8), "800 ms");
        assert_eq!(seconds(2.0), "2 s");
        assert_eq!(seconds(1800.0), "30 min");
        assert_eq!(percent(0.005), "0.5 %");
    }
}

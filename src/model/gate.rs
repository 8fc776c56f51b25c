//! The sizing gate's metrics and tolerances (`gate:` in a scenario, `--tolerance` on the
//! command line), validated. Nothing here is simulated: `study::gate` reads them to
//! decide whether a change regresses against a baseline (docs/ci.md).

use serde::Serialize;

/// Tolerance rules a scenario's `gate.tolerances` may hold (a limit against runaway
/// files, far above the metrics × classes of any estate).
pub const MAX_GATE_RULES: usize = 1000;
/// Largest tolerance, as a fraction (1000 %).
pub const MAX_TOLERANCE: f64 = 10.0;

/// A metric the gate compares, replication by replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMetric {
    Throughput,
    ErrorRatio,
    LatencyMean,
    LatencyP50,
    LatencyP95,
    LatencyP99,
    /// An objective's worst-span value (`slos:`), per objective and subject.
    Slo,
}

/// What a tolerance is a fraction of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarginKind {
    /// Of the baseline's mean (latencies, throughput): `10%` allows 10 % slower.
    Relative,
    /// In the metric's own unit, a share (error ratio): `0.1%` allows 0.1 percentage
    /// point more failures.
    Absolute,
    /// Of the objective's target (`slo`): `10%` allows a tenth of the target more.
    OfTarget,
}

impl GateMetric {
    pub const ALL: [GateMetric; 7] = [
        GateMetric::Throughput,
        GateMetric::ErrorRatio,
        GateMetric::LatencyMean,
        GateMetric::LatencyP50,
        GateMetric::LatencyP95,
        GateMetric::LatencyP99,
        GateMetric::Slo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GateMetric::Throughput => "throughput",
            GateMetric::ErrorRatio => "error_ratio",
            GateMetric::LatencyMean => "latency_mean",
            GateMetric::LatencyP50 => "latency_p50",
            GateMetric::LatencyP95 => "latency_p95",
            GateMetric::LatencyP99 => "latency_p99",
            GateMetric::Slo => "slo",
        }
    }

    pub fn parse(name: &str) -> Option<GateMetric> {
        GateMetric::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        GateMetric::ALL.iter().map(|m| m.name()).collect()
    }

    pub fn margin_kind(self) -> MarginKind {
        match self {
            GateMetric::ErrorRatio => MarginKind::Absolute,
            GateMetric::Slo => MarginKind::OfTarget,
            _ => MarginKind::Relative,
        }
    }

    /// Whether a larger value is worse (everything but throughput).
    pub fn higher_is_worse(self) -> bool {
        self != GateMetric::Throughput
    }

    /// The default tolerance, as a fraction (docs/ci.md says why each).
    pub fn default_tolerance(self) -> f64 {
        match self {
            GateMetric::Throughput => 0.01,
            GateMetric::ErrorRatio => 0.001,
            _ => 0.10,
        }
    }

    /// What the metric's subject is: a workload class, or an objective's name.
    pub fn subject_kind(self) -> &'static str {
        if self == GateMetric::Slo {
            "objective"
        } else {
            "workload class"
        }
    }
}

/// A tolerance: a fraction (of what, [`GateMetric::margin_kind`] says), or `off` — the
/// metric is shown but never decides.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tolerance {
    Off,
    Fraction(f64),
}

/// `metric` or `metric.subject` → tolerance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToleranceRule {
    pub metric: GateMetric,
    /// A class (or, for `slo`, an objective's name); `None`: every subject.
    pub subject: Option<String>,
    pub tolerance: Tolerance,
}

/// Splits `latency_p95.checkout` into the metric and its subject. The error is (message,
/// hint); `did_you_mean` words the hint for an unknown metric from the known names (the
/// scenario front-end's "did you mean", which this module does not import).
pub fn parse_key(
    key: &str,
    did_you_mean: fn(&str, &[&str]) -> String,
) -> Result<(GateMetric, Option<String>), (String, String)> {
    let (metric, subject) = match key.split_once('.') {
        Some((m, s)) => (m, Some(s.to_owned())),
        None => (key, None),
    };
    let Some(m) = GateMetric::parse(metric) else {
        return Err((
            format!("unknown gate metric `{metric}`"),
            did_you_mean(metric, &GateMetric::names()),
        ));
    };
    if subject.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err((
            format!("`{key}` names no {} after the dot", m.subject_kind()),
            format!("write `{metric}` for every subject, or `{metric}.NAME`"),
        ));
    }
    Ok((m, subject))
}

/// Parses `10%`, `0.1 %` or `off`. The error is (message, hint).
pub fn parse_tolerance(text: &str) -> Result<Tolerance, (String, String)> {
    let hint = || {
        "write a percentage such as `10%`, or `off` to show the metric without gating it".to_owned()
    };
    let t = text.trim();
    if t == "off" {
        return Ok(Tolerance::Off);
    }
    let Some(number) = t.strip_suffix('%') else {
        return Err((format!("expected a percentage, found `{text}`"), hint()));
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=MAX_TOLERANCE * 100.0).contains(&v) => {
            Ok(Tolerance::Fraction(v / 100.0))
        }
        Ok(_) => Err((
            format!(
                "a tolerance is between 0 and {} %, found `{text}`",
                MAX_TOLERANCE * 100.0
            ),
            hint(),
        )),
        Err(_) => Err((format!("expected a percentage, found `{text}`"), hint())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(word: &str, names: &[&str]) -> String {
        format!("{word}: not {}", names.join(" "))
    }

    #[test]
    fn keys_and_tolerances() {
        let parse_key = |k: &str| super::parse_key(k, listed);
        assert_eq!(
            parse_key("latency_p95.checkout").unwrap(),
            (GateMetric::LatencyP95, Some("checkout".into()))
        );
        assert_eq!(parse_key("slo").unwrap(), (GateMetric::Slo, None));
        let (msg, hint) = parse_key("latency_p59").unwrap_err();
        assert!(
            msg.contains("latency_p59") && hint.contains("latency_p95"),
            "{hint}"
        );
        assert!(parse_key("throughput.").is_err());
        assert_eq!(parse_tolerance("10%").unwrap(), Tolerance::Fraction(0.1));
        assert_eq!(
            parse_tolerance(" 0.5 %").unwrap(),
            Tolerance::Fraction(0.005)
        );
        assert_eq!(parse_tolerance("off").unwrap(), Tolerance::Off);
        for bad in ["0.1", "-1%", "2000%", "ten%", "NaN%"] {
            assert!(parse_tolerance(bad).is_err(), "{bad}");
        }
    }
}

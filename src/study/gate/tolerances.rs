//! Which tolerance applies to a row. Looked up in this order, the first match winning:
//! the command line's `METRIC.SUBJECT`, its `METRIC`, the scenario's `METRIC.SUBJECT`,
//! its `METRIC`, then the metric's default (`GateMetric::default_tolerance`).

use super::Mismatch;
use crate::model::gate::{GateMetric, Tolerance, ToleranceRule, parse_key, parse_tolerance};
use crate::result::SimulationResult;
use crate::scenario::suggest;

/// A `--tolerance METRIC[.SUBJECT]=VALUE`, parsed.
pub type CommandLineRule = ToleranceRule;

/// Parses `latency_p95.checkout=10%`.
pub fn parse_command_line(text: &str) -> Result<CommandLineRule, Mismatch> {
    let refuse = |(m, h): (String, String)| Mismatch::new(format!("--tolerance {text}: {m}"), h);
    let Some((key, value)) = text.split_once('=') else {
        return Err(Mismatch::new(
            format!("--tolerance {text}: expected METRIC=VALUE"),
            "e.g. `--tolerance latency_p95=10%` or `--tolerance latency_p95.checkout=20%`",
        ));
    };
    let (metric, subject) = parse_key(key.trim(), suggest::hint).map_err(refuse)?;
    let tolerance = parse_tolerance(value).map_err(refuse)?;
    Ok(ToleranceRule {
        metric,
        subject,
        tolerance,
    })
}

/// The rules of the command line and of the scenario.
#[derive(Clone, Debug, Default)]
pub struct Tolerances {
    pub command_line: Vec<CommandLineRule>,
    pub scenario: Vec<ToleranceRule>,
}

impl Tolerances {
    /// The tolerance of `metric` on `subject` (a class, or an objective's name) and where
    /// it came from.
    pub fn resolve(&self, metric: GateMetric, subject: &str) -> (Tolerance, &'static str) {
        let find = |rules: &[ToleranceRule], specific: bool| {
            rules
                .iter()
                .rev()
                .find(|r| {
                    r.metric == metric
                        && match &r.subject {
                            Some(s) => specific && s == subject,
                            None => !specific,
                        }
                })
                .map(|r| r.tolerance)
        };
        let sources = [
            (&self.command_line, true, "command line"),
            (&self.command_line, false, "command line"),
            (&self.scenario, true, "scenario"),
            (&self.scenario, false, "scenario"),
        ];
        sources
            .into_iter()
            .find_map(|(rules, specific, from)| find(rules, specific).map(|t| (t, from)))
            .unwrap_or((Tolerance::Fraction(metric.default_tolerance()), "default"))
    }

    /// Every command-line subject names a class of the baseline (or, for `slo`, one of
    /// its objectives). The scenario's own are checked when it is validated.
    pub fn check_subjects(&self, baseline: &SimulationResult) -> Result<(), Mismatch> {
        for r in &self.command_line {
            let Some(subject) = &r.subject else { continue };
            let mut names: Vec<&str> = if r.metric == GateMetric::Slo {
                baseline.verdicts.iter().map(|v| v.slo.as_str()).collect()
            } else {
                baseline.classes.iter().map(|c| c.name.as_str()).collect()
            };
            names.dedup();
            if !names.contains(&subject.as_str()) {
                let hint = if names.is_empty() {
                    "the baseline has no objectives (`slos:`)".to_owned()
                } else {
                    suggest::hint(subject, &names)
                };
                return Err(Mismatch::new(
                    format!(
                        "--tolerance {}.{subject}: the baseline has no {} named `{subject}`",
                        r.metric.name(),
                        r.metric.subject_kind()
                    ),
                    hint,
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(metric: GateMetric, subject: Option<&str>, t: f64) -> ToleranceRule {
        ToleranceRule {
            metric,
            subject: subject.map(str::to_owned),
            tolerance: Tolerance::Fraction(t),
        }
    }

    #[test]
    fn the_command_line_wins_and_the_specific_rule_within_each() {
        use GateMetric::LatencyP95 as P95;
        let mut t = Tolerances {
            command_line: vec![],
            scenario: vec![rule(P95, None, 0.2), rule(P95, Some("checkout"), 0.3)],
        };
        assert_eq!(
            t.resolve(P95, "browse"),
            (Tolerance::Fraction(0.2), "scenario")
        );
        assert_eq!(
            t.resolve(P95, "checkout"),
            (Tolerance::Fraction(0.3), "scenario")
        );
        assert_eq!(
            t.resolve(GateMetric::Throughput, "browse"),
            (Tolerance::Fraction(0.01), "default")
        );
        t.command_line = vec![parse_command_line("latency_p95=5%").unwrap()];
        assert_eq!(
            t.resolve(P95, "checkout"),
            (Tolerance::Fraction(0.05), "command line")
        );
        t.command_line
            .push(parse_command_line("latency_p95.checkout=off").unwrap());
        assert_eq!(t.resolve(P95, "checkout"), (Tolerance::Off, "command line"));
        assert_eq!(t.resolve(P95, "browse").0, Tolerance::Fraction(0.05));
    }

    #[test]
    fn bad_command_line_rules() {
        for (bad, says) in [
            ("latency_p95", "METRIC=VALUE"),
            ("latncy_p95=10%", "did you mean `latency_p95`"),
            ("latency_p95=10", "percentage"),
        ] {
            let e = parse_command_line(bad).unwrap_err();
            assert!(e.to_string().contains(says), "{bad}: {e}");
        }
    }
}

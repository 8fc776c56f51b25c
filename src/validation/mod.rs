//! The validation suite: cases with exact answers (docs/validation.md) run through the
//! engine, compared with the analytic module. Used by `peakplan selftest` and by the tests;
//! the table in docs/validation.md is this module's output.
//!
//! `queues` writes cases 1–10 and 14 in the scenario language and runs them through the
//! Odoo simulation, exactly as users' scenarios run. `network` drives the engine core
//! directly for the open Jackson and closed MVA networks (cases 11–13), where the
//! scenario language would be contrived; `network_cases` holds those cases as data.
//! `pod_cpu` writes cases 16 and 17, the pods' CPU limit, in the scenario language.

pub mod network;
pub mod network_cases;
pub mod pod_cpu;
pub mod queues;

use crate::run::{self, Progress};
use crate::scenario;
use crate::stats::Estimate;
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::path::Path;

/// Largest accepted 95 % half-width relative to the exact value: an interval wider than
/// this would prove little, so a case that needs more is undersized, not passed.
pub const MAX_RELATIVE_HALF_WIDTH: f64 = 0.03;

/// The chance that a correct engine fails the suite at any one seed. Each of the m checks
/// is accepted inside its Student-t interval at level 1 − `SUITE_ERROR`/m (Bonferroni):
/// with ~90 checks at 95 % each, a correct engine would miss several at most seeds.
pub const SUITE_ERROR: f64 = 0.05;

/// One line of the validation table.
#[derive(Clone, Debug)]
pub struct Row {
    pub case: String,
    pub model: String,
    pub metric: String,
    pub exact: f64,
    pub simulated: Option<Estimate>,
    pub seed: u64,
    /// Replications behind the estimate (its interval has one degree of freedom fewer).
    pub replications: u32,
    /// Checks in the suite this row belongs to (set by `run_all`; 1 alone).
    pub checks: usize,
}

impl Row {
    /// The exact value lies inside the 95 % interval.
    pub fn covered(&self) -> bool {
        self.simulated.is_some_and(|e| e.covers(self.exact))
    }

    /// Half-width relative to the exact value (absolute when the exact value is 0).
    pub fn relative_half_width(&self) -> f64 {
        match self.simulated.and_then(|e| e.ci95_half_width) {
            Some(h) if self.exact != 0.0 => h / self.exact.abs(),
            Some(h) => h,
            None => f64::INFINITY,
        }
    }

    /// `mean ± half-width` with six decimals, for the tables.
    fn simulated_text(&self) -> String {
        match self.simulated {
            Some(Estimate {
                mean,
                ci95_half_width: Some(h),
            }) => format!("{mean:.6} ± {h:.6}"),
            Some(Estimate { mean, .. }) => format!("{mean:.6}"),
            None => "—".into(),
        }
    }

    /// The exact value lies inside the suite-wide interval: the 95 % interval widened to
    /// level 1 − `SUITE_ERROR`/checks.
    pub fn covered_suite_wide(&self) -> bool {
        let Some(Estimate {
            mean,
            ci95_half_width: Some(h),
        }) = self.simulated
        else {
            return false;
        };
        let df = f64::from(self.replications.max(2) - 1);
        let t = StudentsT::new(0.0, 1.0, df).expect("df ≥ 1");
        let level = 1.0 - SUITE_ERROR / (2.0 * self.checks.max(1) as f64);
        let widen = t.inverse_cdf(level) / t.inverse_cdf(0.975);
        (mean - self.exact).abs() <= h * widen
    }

    /// Accepted: inside the suite-wide interval, with a 95 % half-width of at most
    /// `MAX_RELATIVE_HALF_WIDTH`.
    pub fn passed(&self) -> bool {
        self.covered_suite_wide() && self.relative_half_width() <= MAX_RELATIVE_HALF_WIDTH
    }

    /// The table's "inside" column.
    fn inside_text(&self, strong: bool) -> &'static str {
        match (self.covered(), self.covered_suite_wide()) {
            (true, _) => "yes",
            (false, true) => "suite-wide",
            (false, false) if strong => "**no**",
            (false, false) => "NO",
        }
    }
}

/// Runs the single-queue cases through the scenario language and the engine.
pub fn run_queue_cases(scale: f64, seed: u64, threads: usize) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for case in queues::cases(scale)
        .into_iter()
        .chain(pod_cpu::cases(scale))
    {
        let model = scenario::load_str(
            &case.yaml,
            &format!("validation case {}", case.id),
            Path::new("."),
        )
        .map_err(|d| format!("case {} ({}): {d}", case.id, case.label))?;
        let progress = Progress::new(&model, case.replications);
        let result = run::simulate(&model, seed, case.replications, threads, &progress)
            .map_err(|s| format!("case {}: stopped: {}", case.id, s.reason))?;
        // Little's law on the engine's own outputs: L (time average) against λ·W (counts
        // and sojourn times), both measured in the same run.
        let c = &result.classes[0];
        if let Some(w) = c.sojourn_s_mean {
            rows.push(Row {
                case: case.id.to_string(),
                model: case.label.clone(),
                metric: "L vs λW".to_string(),
                exact: c.ended_per_s.mean * w.mean,
                simulated: Some(c.in_system_mean),
                seed,
                replications: case.replications,
                checks: 1,
            });
        }
        for (metric, exact) in &case.exact {
            rows.push(Row {
                case: case.id.to_string(),
                model: case.label.clone(),
                metric: metric.name().to_string(),
                exact: *exact,
                simulated: metric.read(&result),
                seed,
                replications: case.replications,
                checks: 1,
            });
        }
    }
    Ok(rows)
}

/// Runs the network cases (11–13) on the engine core. `seed` replaces each case's own
/// seed when given.
pub fn run_network_cases(seed: Option<u64>) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for mut case in network_cases::cases() {
        if let Some(s) = seed {
            case.run.seed = s;
        }
        let est = network::replicate(&case.network, &case.run)?;
        let (id, label) = case.name.split_once(": ").unwrap_or((case.name, ""));
        for e in &case.expected {
            rows.push(Row {
                case: id.trim_start_matches("case ").to_string(),
                model: label.to_string(),
                metric: e.metric.label(),
                exact: e.exact,
                simulated: e.metric.estimate(&est),
                seed: case.run.seed,
                replications: case.run.replications,
                checks: 1,
            });
        }
    }
    Ok(rows)
}

/// Every case, in the order of docs/validation.md. `scale` multiplies the single-queue run
/// lengths (1.0 = the validation, smaller = a smoke test).
pub fn run_all(scale: f64, seed: Option<u64>, threads: usize) -> Result<Vec<Row>, String> {
    let mut rows = run_queue_cases(scale, seed.unwrap_or(DEFAULT_SEED), threads)?;
    let network = run_network_cases(seed)?;
    // Cases 11–13 sit between 10 and 14.
    let at = rows
        .iter()
        .position(|r| r.case == "14")
        .unwrap_or(rows.len());
    rows.splice(at..at, network);
    let checks = rows.len();
    for r in &mut rows {
        r.checks = checks;
    }
    Ok(rows)
}

/// Master seed of the single-queue cases (network cases carry their own).
pub const DEFAULT_SEED: u64 = 1;

/// The table as Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from(
        "| case | model | metric | exact | simulated ± 95 % CI | half-width | inside |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let sim = r.simulated_text();
        s.push_str(&format!(
            "| {} | {} | {} | {:.6} | {} | {:.2} % | {} |\n",
            r.case,
            r.model,
            r.metric,
            r.exact,
            sim,
            r.relative_half_width() * 100.0,
            r.inside_text(true)
        ));
    }
    s
}

/// The table as aligned plain text, for the terminal.
pub fn plain(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<5} {:<42} {:<9} {:>12} {:>26} {:>7} {:>6}\n",
        "case", "model", "metric", "exact", "simulated ± 95 % CI", "±%", "inside"
    );
    for r in rows {
        let sim = r.simulated_text();
        s.push_str(&format!(
            "{:<5} {:<42} {:<9} {:>12.6} {:>26} {:>6.2}% {:>6}\n",
            r.case,
            r.model,
            r.metric,
            r.exact,
            sim,
            r.relative_half_width() * 100.0,
            r.inside_text(false)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(mean: f64, half: f64, checks: usize) -> Row {
        Row {
            case: "x".into(),
            model: "m".into(),
            metric: "W".into(),
            exact: 1.0,
            simulated: Some(Estimate {
                mean,
                ci95_half_width: Some(half),
            }),
            seed: 1,
            replications: 20,
            checks,
        }
    }

    #[test]
    fn the_suite_wide_interval_is_bonferronis() {
        // 90 checks, 20 replications: t(19) at 1 − 0.05/180 over t(19) at 0.975.
        let t = StudentsT::new(0.0, 1.0, 19.0).unwrap();
        let widen = t.inverse_cdf(1.0 - 0.05 / 180.0) / t.inverse_cdf(0.975);
        assert!((1.9..2.1).contains(&widen), "{widen}");
        assert!((4.0..4.2).contains(&t.inverse_cdf(1.0 - 0.05 / 180.0)));
        // Just inside and just outside the widened interval; one check alone is 95 %.
        let h = 0.01;
        assert!(row(1.0 + h * widen * 0.99, h, 90).passed());
        assert!(!row(1.0 + h * widen * 1.01, h, 90).passed());
        assert!(!row(1.0 + h * 1.01, h, 1).passed());
        assert!(row(1.0 + h * 0.99, h, 1).passed());
        // A half-width above 3 % fails whatever the coverage.
        assert!(!row(1.0, 0.031, 90).passed());
    }
}

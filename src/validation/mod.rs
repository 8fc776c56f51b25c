//! The validation suite: cases with exact answers (docs/validation.md) run through the
//! engine, compared with the analytic module. Used by `peakplan selftest` and by the tests;
//! the table in docs/validation.md is this module's output.

pub mod queues;

use crate::run::{self, Progress};
use crate::scenario;
use crate::stats::Estimate;
use std::path::Path;

/// Largest accepted 95 % half-width relative to the exact value: an interval wider than
/// this would prove little, so a case that needs more is undersized, not passed.
pub const MAX_RELATIVE_HALF_WIDTH: f64 = 0.03;

/// One line of the validation table.
#[derive(Clone, Debug)]
pub struct Row {
    pub case: String,
    pub model: String,
    pub metric: &'static str,
    pub exact: f64,
    pub simulated: Option<Estimate>,
    pub seed: u64,
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

    pub fn passed(&self) -> bool {
        self.covered() && self.relative_half_width() <= MAX_RELATIVE_HALF_WIDTH
    }
}

/// Runs the single-queue cases through the scenario language and the engine.
pub fn run_queue_cases(scale: f64, seed: u64, threads: usize) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for case in queues::cases(scale) {
        let model = scenario::load_str(&case.yaml, &format!("validation case {}", case.id), Path::new("."))
            .map_err(|d| format!("case {} ({}): {d}", case.id, case.label))?;
        let progress = Progress::new(&model, case.replications);
        let result = run::simulate(&model, seed, case.replications, threads, &progress)
            .map_err(|s| format!("case {}: stopped: {}", case.id, s.reason))?;
        for (metric, exact) in &case.exact {
            rows.push(Row {
                case: case.id.to_string(),
                model: case.label.clone(),
                metric: metric.name(),
                exact: *exact,
                simulated: metric.read(&result),
                seed,
            });
        }
    }
    Ok(rows)
}

/// The table as Markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from("| case | model | metric | exact | simulated ± 95 % CI | half-width | inside |\n|---|---|---|---|---|---|---|\n");
    for r in rows {
        let sim = match r.simulated {
            Some(Estimate { mean, ci95_half_width: Some(h) }) => format!("{mean:.6} ± {h:.6}"),
            Some(Estimate { mean, .. }) => format!("{mean:.6}"),
            None => "—".into(),
        };
        s.push_str(&format!(
            "| {} | {} | {} | {:.6} | {} | {:.2} % | {} |\n",
            r.case,
            r.model,
            r.metric,
            r.exact,
            sim,
            r.relative_half_width() * 100.0,
            if r.covered() { "yes" } else { "**no**" }
        ));
    }
    s
}

//! The sizing gate (`peakplan gate`, docs/ci.md): does a change to the estate or the
//! workload make sizing regress against a baseline result — and not merely move on seed
//! noise?
//!
//! Both runs have the same seed and replication count, and every random stream is named
//! by what draws it, so replication `r` of the change sees the very requests replication
//! `r` of the baseline saw (common random numbers). The gate therefore compares **paired
//! differences** `d_r = change_r − baseline_r`: their mean and its Student-t interval,
//! at the simultaneous level `1 − 0.05 / k` over the `k` gated rows (as the verdicts,
//! `stats::verdicts`). Each row is decided against an equivalence margin `m` (the
//! tolerance: of the baseline mean, absolute, or of the objective's target), with `d`
//! signed so that positive is worse:
//!
//! - **regression** when the whole interval lies beyond the margin (`low > m`);
//! - **pass** when the whole interval lies within it (`high ≤ m`; **improved** when it
//!   even lies beyond the margin on the good side, `high < −m`);
//! - **undecided** otherwise.
//!
//! An objective that holds in the baseline and breaks in the change is a regression
//! whatever the tolerance; one that holds and becomes undecided is at best undecided.
//!
//! Comparing the configuration `peakplan size` would choose for the baseline and the
//! change is a later comparison of its own: it will add rows of a new kind beside
//! [`Row`]s of metrics (a `sizing` section of the document), not change these.

mod inputs;
mod pair;
mod rows;
mod tolerances;

pub use inputs::{Prepared, from_files, prepare};
pub use pair::{Mismatch, check_pairable, check_result, check_same_scenario};
pub use tolerances::{CommandLineRule, Tolerances, parse_command_line};

use crate::model::gate::{GateMetric, MarginKind};
use crate::result::{SimulationResult, VerdictStatus};
use serde::Serialize;

/// Name of the gate document's format.
pub const FORMAT: &str = "peakplan.gate";
/// Bumped on any incompatible change of the document.
pub const FORMAT_VERSION: u32 = 1;

/// What the gate decided for one row, or for the whole change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// In the order a report lists rows: regressions first.
    Regression,
    Undecided,
    Pass,
    /// A pass whose whole interval lies beyond the margin on the good side.
    Improved,
    /// Tolerance `off`: shown, never deciding.
    NotGated,
    /// Neither run had anything to measure (a class that completed nothing).
    NoData,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Regression => "regression",
            Decision::Undecided => "undecided",
            Decision::Pass => "pass",
            Decision::Improved => "improved",
            Decision::NotGated => "not gated",
            Decision::NoData => "no data",
        }
    }
}

/// One metric on one subject, compared.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub metric: GateMetric,
    /// The workload class (class metrics; objectives on a class).
    pub class: Option<String>,
    /// The objective's name (`slo` rows).
    pub slo: Option<String>,
    /// `s`, `share` or `per_s`: the unit of every value below.
    pub unit: String,
    /// Whether a larger value is worse (all but throughput).
    pub higher_is_worse: bool,
    /// Means over the paired replications.
    pub baseline: Option<f64>,
    pub change: Option<f64>,
    /// Mean paired difference, change − baseline, and its interval at `confidence`.
    pub difference: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// `difference / baseline`, when the baseline is not 0.
    pub relative_difference: Option<f64>,
    /// The tolerance as written (a fraction); `None`: `off`.
    pub tolerance: Option<f64>,
    pub tolerance_kind: MarginKind,
    /// Where the tolerance came from: `command line`, `scenario` or `default`.
    pub tolerance_from: String,
    /// The tolerance in the metric's unit: how far the difference may go the bad way.
    pub margin: Option<f64>,
    /// Replications paired (both runs had a value).
    pub pairs: u32,
    /// `slo` rows: each run's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_verdict: Option<VerdictStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_verdict: Option<VerdictStatus>,
    pub decision: Decision,
    /// Why, in words.
    pub reason: String,
}

impl Row {
    /// `checkout`, `checkout-p95`, `error-budget (browse)`.
    pub fn subject(&self) -> String {
        match (&self.slo, &self.class) {
            (Some(s), Some(c)) => format!("{s} ({c})"),
            (Some(s), None) => s.clone(),
            (None, Some(c)) => c.clone(),
            (None, None) => String::new(),
        }
    }
}

/// The gate's document (`--json`): what was compared and how each row was decided.
#[derive(Clone, Debug, Serialize)]
pub struct Gate {
    pub format: String,
    pub format_version: u32,
    pub peakplan_version: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    /// The level of each row's interval: `1 − 0.05 / gated rows`.
    pub confidence: f64,
    pub decision: Decision,
    /// Rows, regressions first, then undecided, passes, improvements, the rest; in
    /// metric and scenario order within each.
    pub rows: Vec<Row>,
    /// What the gate noticed but did not gate (objectives only one run has).
    pub notes: Vec<String>,
}

impl Gate {
    pub fn count(&self, d: Decision) -> usize {
        self.rows.iter().filter(|r| r.decision == d).count()
    }
}

/// Compares `change` with `baseline`, which [`check_same_scenario`] and
/// [`check_pairable`] have accepted.
pub fn compare(baseline: &SimulationResult, change: &SimulationResult, tol: &Tolerances) -> Gate {
    let (pending, notes) = rows::build(baseline, change, tol);
    let gated = pending.iter().filter(|p| p.row.tolerance.is_some()).count();
    let confidence = crate::stats::level(gated);
    let mut rows: Vec<Row> = pending
        .into_iter()
        .map(|p| rows::judge(p, confidence))
        .collect();
    rows.sort_by_key(|r| r.decision);
    let decision = if rows.iter().any(|r| r.decision == Decision::Regression) {
        Decision::Regression
    } else if rows.iter().any(|r| r.decision == Decision::Undecided) {
        Decision::Undecided
    } else {
        Decision::Pass
    };
    Gate {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        peakplan_version: env!("CARGO_PKG_VERSION").into(),
        scenario: baseline.scenario.name.clone(),
        seed: baseline.run.seed,
        replications: baseline.run.replications,
        confidence,
        decision,
        rows,
        notes,
    }
}

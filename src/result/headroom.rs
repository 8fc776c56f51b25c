//! A headroom study's answer (`peakplan headroom`, `simulate --headroom`): the largest
//! load multiplier at which every objective holds, each class's own and its knee, and
//! every load simulated. `study::headroom` finds it; reports read it.

use super::VerdictStatus;
use serde::{Deserialize, Serialize};

/// One objective's verdict at one load.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ObjectiveAt {
    pub slo: String,
    pub class: Option<String>,
    pub status: VerdictStatus,
    /// The verdict's estimate (mean over replications of the worst span).
    pub value: Option<f64>,
    pub unit: String,
}

/// One class's headline figures at one load.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassAt {
    pub class: String,
    pub throughput_per_s: f64,
    pub error_ratio: f64,
    pub latency_s_p50: Option<f64>,
    pub latency_s_p95: Option<f64>,
}

/// Whether a load was simulated to its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ran,
    /// A run limit was reached (requests in flight, events).
    Stopped,
    /// Validation refused the scaled scenario.
    Refused,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::Stopped => "stopped",
            Outcome::Refused => "refused",
        }
    }
}

/// What one load gave.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Point {
    pub step: i32,
    pub load: f64,
    pub outcome: Outcome,
    /// Why a load was stopped or refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub objectives: Vec<ObjectiveAt>,
    pub classes: Vec<ClassAt>,
    /// The resource that reached 90 % of its capacity first, if one did.
    pub first_bottleneck: Option<String>,
    /// The resource with the highest utilisation in its busiest bucket, and that
    /// utilisation.
    pub busiest: Option<(String, f64)>,
}

/// Where an answer lies on the grid: the highest load tried that passes and the lowest
/// that does not (they are one step apart unless the grid's end was reached).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bracket {
    /// The highest load that passes (`None`: not even ×1/16).
    pub passes: Option<f64>,
    /// The lowest load that does not (`None`: even ×16 passes).
    pub fails: Option<f64>,
    /// At `fails`: what does not hold (objectives with their status, or the outcome).
    pub because: Vec<String>,
    /// At `fails`: the resource that reached 90 % first.
    pub first_bottleneck: Option<String>,
    /// At `fails`: the resource with the highest utilisation in its busiest bucket.
    pub busiest: Option<(String, f64)>,
}

/// One class's headroom.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassHeadroom {
    pub class: String,
    /// The highest load at which the class's own objectives hold (`None`: it has none).
    pub objectives: Option<Bracket>,
    /// The class's median latency at ×1/16 (`None`: nothing completed there, or a cron
    /// class, whose runs do not scale).
    pub nominal_p50_s: Option<f64>,
    /// Where its median reaches `knee_factor` × the nominal one.
    pub knee: Option<Bracket>,
}

/// The whole study.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Headroom {
    pub format: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub steps_per_doubling: i32,
    pub knee_factor: f64,
    /// Every objective together (`None`: the scenario has no objectives).
    pub overall: Option<Bracket>,
    pub classes: Vec<ClassHeadroom>,
    /// Every load simulated, lowest first.
    pub points: Vec<Point>,
}

//! What the gate compares: a baseline result and either a scenario to simulate with the
//! baseline's seed and replications, or a second result. Every refusal is a message with
//! a hint (bad input, exit 2), given before anything is simulated.

use super::{Gate, Mismatch, Tolerances, check_pairable, check_result, check_same_scenario};
use crate::model::Model;
use crate::report::read_result;
use crate::result::SimulationResult;
use std::path::Path;

/// A baseline and the scenario to simulate against it, checked.
pub struct Prepared {
    pub baseline: SimulationResult,
    pub model: Model,
    tolerances: Tolerances,
}

impl Prepared {
    /// The baseline's seed: the change runs the same replications.
    pub fn seed(&self) -> u64 {
        self.baseline.run.seed
    }

    pub fn replications(&self) -> u32 {
        self.baseline.run.replications
    }

    /// Compares the simulated change with the baseline.
    pub fn compare(&self, change: &SimulationResult) -> Gate {
        super::compare(&self.baseline, change, &self.tolerances)
    }
}

fn bad(m: Mismatch) -> String {
    m.to_string()
}

fn parse_rules(rules: &[String]) -> Result<Vec<super::CommandLineRule>, String> {
    rules
        .iter()
        .map(|r| super::parse_command_line(r).map_err(bad))
        .collect()
}

fn read_baseline(path: &Path) -> Result<SimulationResult, String> {
    let b = read_result(path).map_err(|e| e.to_string())?;
    check_result(&b, "baseline").map_err(|m| format!("{}: {m}", path.display()))?;
    Ok(b)
}

/// `gate --baseline BASE.json SCENARIO`: reads and checks the baseline, loads the
/// scenario (its `gate:` tolerances under the command line's), and checks they are the
/// same scenario.
pub fn prepare(baseline: &Path, scenario: &Path, rules: &[String]) -> Result<Prepared, String> {
    let command_line = parse_rules(rules)?;
    let baseline = read_baseline(baseline)?;
    let model = crate::scenario::load(scenario).map_err(|d| d.to_string())?;
    let classes: Vec<&str> = model.classes.iter().map(|c| c.name.as_str()).collect();
    check_same_scenario(&baseline, &model.name, &classes).map_err(bad)?;
    let tolerances = Tolerances {
        command_line,
        scenario: model.gate.clone(),
    };
    tolerances.check_subjects(&baseline).map_err(bad)?;
    Ok(Prepared {
        baseline,
        model,
        tolerances,
    })
}

/// `gate BASE.json CHANGE.json`: both results read and checked, then compared with the
/// command line's tolerances (a result carries no `gate:`). Returns the gate and the
/// change's bytes (what `--update-baseline` writes).
pub fn from_files(
    baseline: &Path,
    change: &Path,
    rules: &[String],
) -> Result<(Gate, SimulationResult, Vec<u8>), String> {
    let command_line = parse_rules(rules)?;
    let b = read_baseline(baseline)?;
    let c = read_result(change).map_err(|e| e.to_string())?;
    check_result(&c, "change").map_err(|m| format!("{}: {m}", change.display()))?;
    let classes: Vec<&str> = c.classes.iter().map(|x| x.name.as_str()).collect();
    check_same_scenario(&b, &c.scenario.name, &classes).map_err(bad)?;
    check_pairable(&b, &c).map_err(bad)?;
    let tolerances = Tolerances {
        command_line,
        scenario: Vec::new(),
    };
    tolerances.check_subjects(&b).map_err(bad)?;
    let bytes = std::fs::read(change)
        .map_err(|e| format!("error: {}: cannot read: {e}", change.display()))?;
    Ok((super::compare(&b, &c, &tolerances), c, bytes))
}

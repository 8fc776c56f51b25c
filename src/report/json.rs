//! The JSON result (docs/results-format.md): pretty-printed, fields in declaration order,
//! floats printed by serde_json's shortest round-trip formatting — deterministic bytes.

use crate::result::SimulationResult;

pub fn to_json(result: &SimulationResult) -> String {
    let mut s = serde_json::to_string_pretty(result).expect("result types serialise infallibly");
    s.push('\n');
    s
}

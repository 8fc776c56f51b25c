//! Whether two runs can be compared replication by replication: the same scenario (name
//! and classes), the same seed and replication count, and each replication's figures
//! (`per_replication`) in both. Anything else is refused with what differs and a hint.

use crate::result::SimulationResult;
use std::collections::BTreeSet;
use std::fmt;

/// Why the gate cannot compare (bad input, exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub message: String,
    pub hint: String,
}

impl Mismatch {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Mismatch {
        Mismatch {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\n  hint: {}", self.message, self.hint)
    }
}

const HINT_RESIMULATE: &str = "write the baseline again with this peakplan: `peakplan simulate SCENARIO --out DIR` (then DIR/result.json)";

/// The checks on one result the gate pairs: its replications' own figures, at least two
/// replications, one entry per replication in index order. `role` is `baseline` or
/// `change`.
pub fn check_result(r: &SimulationResult, role: &str) -> Result<(), Mismatch> {
    let n = r.run.replications;
    if r.per_replication.is_empty() {
        return Err(Mismatch::new(
            format!(
                "the {role} has no `per_replication` (each replication's figures): it was written by a peakplan older than the gate, and replications cannot be paired"
            ),
            HINT_RESIMULATE,
        ));
    }
    if n < 2 {
        return Err(Mismatch::new(
            format!(
                "the {role} has {n} replication: a difference needs at least 2 for an interval"
            ),
            "simulate the baseline with more replications, e.g. `-r 10`",
        ));
    }
    let in_order = r
        .per_replication
        .iter()
        .enumerate()
        .all(|(i, p)| p.index as usize == i && p.classes.len() == r.classes.len());
    if r.per_replication.len() != n as usize || !in_order {
        return Err(Mismatch::new(
            format!(
                "the {role}'s `per_replication` does not hold its {n} replications in index order"
            ),
            "was it edited by hand? write it again with `peakplan simulate SCENARIO --out DIR`",
        ));
    }
    Ok(())
}

/// The change is the baseline's scenario: the same name and the same classes (in any
/// order). `classes` are the change's class names.
pub fn check_same_scenario(
    baseline: &SimulationResult,
    name: &str,
    classes: &[&str],
) -> Result<(), Mismatch> {
    if baseline.scenario.name != name {
        return Err(Mismatch::new(
            format!(
                "the baseline is of scenario `{}`, the change of `{name}`: the scenario names differ",
                baseline.scenario.name
            ),
            "compare a scenario with a baseline of itself (its `name:`, else its file name, names it); for a new scenario, write its baseline with `peakplan simulate SCENARIO --out DIR` (DIR/result.json)",
        ));
    }
    let base: BTreeSet<&str> = baseline.classes.iter().map(|c| c.name.as_str()).collect();
    let change: BTreeSet<&str> = classes.iter().copied().collect();
    if base != change {
        let list = |s: Vec<&&str>| {
            if s.is_empty() {
                "none".to_owned()
            } else {
                s.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        return Err(Mismatch::new(
            format!(
                "the workload classes differ: only in the baseline {}; only in the change {}",
                list(base.difference(&change).collect()),
                list(change.difference(&base).collect())
            ),
            "the gate compares the same classes; after adding or removing a class, write a new baseline with `peakplan simulate SCENARIO --out DIR` (DIR/result.json) and commit it with the change",
        ));
    }
    Ok(())
}

/// Two result files can be paired: the same seed and replication count.
pub fn check_pairable(
    baseline: &SimulationResult,
    change: &SimulationResult,
) -> Result<(), Mismatch> {
    let (b, c) = (&baseline.run, &change.run);
    let what = if b.seed != c.seed {
        Some(format!(
            "seed {} in the baseline, {} in the change",
            b.seed, c.seed
        ))
    } else if b.replications != c.replications {
        Some(format!(
            "{} replications in the baseline, {} in the change",
            b.replications, c.replications
        ))
    } else {
        None
    };
    match what {
        Some(w) => Err(Mismatch::new(
            format!(
                "pairing is impossible: {w}; replication r of one run is not replication r of the other"
            ),
            format!(
                "simulate the change with the baseline's seed and replications (`--seed {} -r {}`), or let the gate do it: `peakplan gate --baseline BASE.json SCENARIO`",
                b.seed, b.replications
            ),
        )),
        None => Ok(()),
    }
}

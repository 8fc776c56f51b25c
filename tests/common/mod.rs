//! Helpers shared by the tests: run the binary, load a scenario, run it under a named
//! seed, find a resource, and check that every request is accounted for.
#![allow(dead_code)] // each test file uses its own subset

use peakplan::model::Model;
use peakplan::result::{ClassResult, ResourceResult, SimulationResult};
use peakplan::run::{Progress, simulate};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate's root: the binary runs from here, as after a clone.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `peakplan` binary with `args` from the crate root.
pub fn peakplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_peakplan"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("binary runs")
}

/// `peakplan simulate SCENARIO -q -r 2 --out OUT` and `extra`: two replications into a
/// bundle, quietly.
pub fn simulate_into(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "simulate",
        scenario.to_str().unwrap(),
        "-q",
        "-r",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    peakplan(&args)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A scenario given as text; profiles resolve against `scenarios/`.
pub fn model(yaml: &str) -> Model {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    peakplan::scenario::load_str(yaml, "test.yaml", &dir).unwrap_or_else(|d| panic!("{d}"))
}

/// A scenario shipped in `scenarios/`.
pub fn shipped(name: &str) -> Model {
    peakplan::scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap()
}

/// `reps` replications of `m` on 2 threads under `seed` (named if the run stops).
pub fn run_seeded(m: &Model, seed: u64, reps: u32) -> SimulationResult {
    let p = Progress::new(m, reps);
    simulate(m, seed, reps, 2, &p).unwrap_or_else(|s| panic!("seed {seed}: {s:?}"))
}

/// The sum of the parts of where class `c`'s time went, as result `r` shows them (job
/// wait, pod CPU wait and commit when the run has them): it should be the mean latency.
pub fn parts_sum(r: &SimulationResult, c: &ClassResult) -> f64 {
    c.time_breakdown
        .parts(r.shown_parts())
        .iter()
        .map(|(_, _, e)| e.map_or(0.0, |e| e.mean))
        .sum()
}

pub fn resource<'a>(r: &'a SimulationResult, name: &str) -> &'a ResourceResult {
    r.resources
        .iter()
        .find(|x| x.name == name)
        .unwrap_or_else(|| panic!("no resource `{name}` in the result"))
}

/// Every arrival of every class ended exactly once: completed, one error cause, or in
/// flight at the horizon.
pub fn assert_conserved(r: &SimulationResult, seed: u64) {
    for c in &r.classes {
        let t = &c.totals;
        let ended = t.completed + t.errors.values().sum::<u64>() + t.in_flight_at_horizon;
        assert_eq!(ended, t.arrivals, "seed {seed}, class {}: {t:?}", c.name);
    }
}

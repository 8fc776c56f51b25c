//! Scale-out: one run's replications split over processes or machines (`simulate --shard
//! I/N --out DIR`), then gathered (`merge DIR… --out OUT`) into the result the run would
//! have given on one machine, byte for byte (docs/scale-out.md).
//!
//! A replication depends only on (model, seed, index), so a shard runs its block of
//! indices ([`spec`]) and writes each replication down whole ([`record`]) beside a
//! [`manifest`] of what it ran. `merge` ([`merge`]) checks the shards belong together,
//! rebuilds the model from the same files (their hashes checked), and folds the
//! replications in index order through `stats::Replications::add` and
//! `stats::summarize`, the path `run` takes.

pub mod hash;
pub mod manifest;
pub mod merge;
pub mod record;
pub mod spec;

use crate::model::Model;
use crate::report::OutFile;
use crate::run::{self, Progress};
use crate::scenario::Input;
use crate::sim::RunStopped;
use manifest::{InputHash, Manifest};
pub use spec::{Shard, ShardArg};

/// What a shard runs: its place in the run, the run's seed and size.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub shard: Shard,
    pub seed: u64,
    pub replications: u32,
    pub threads: usize,
}

/// Runs the shard's replications and returns its directory's files: one record per
/// replication, then `manifest.json` (written last). `version` is `peakplan --version`.
pub fn simulate(
    model: &Model,
    scenario: &str,
    inputs: &[Input],
    plan: Plan,
    version: &str,
    progress: &Progress,
) -> Result<Vec<OutFile>, RunStopped> {
    let range = plan.shard.range(plan.replications);
    let inputs = hashes(inputs);
    let key = run_key(version, plan.seed, plan.replications, &inputs);
    let mut files = Vec::with_capacity(range.len() + 1);
    run::each(
        model,
        plan.seed,
        range.clone(),
        plan.threads,
        progress,
        |rep| {
            files.push(OutFile {
                name: manifest::record_path(rep.index),
                bytes: record::encode(&rep, key),
            });
        },
    )?;
    let manifest = Manifest {
        format: manifest::FORMAT.into(),
        format_version: manifest::FORMAT_VERSION,
        command: "simulate".into(),
        peakplan_version: version.into(),
        record_version: record::VERSION,
        scenario: scenario.into(),
        seed: plan.seed,
        replications: plan.replications,
        shards: plan.shard.count,
        shard: plan.shard.index,
        held: range.collect(),
        inputs,
    };
    files.push(OutFile {
        name: manifest::FILE.into(),
        bytes: manifest.to_json().into_bytes(),
    });
    Ok(files)
}

/// Each input's path and content hash.
pub fn hashes(inputs: &[Input]) -> Vec<InputHash> {
    inputs
        .iter()
        .map(|i| InputHash {
            path: i.path.clone(),
            hash: hash::content_hash(i.text.as_bytes()),
        })
        .collect()
}

/// What every record of one run carries: a hash of the version, seed, replications and
/// inputs, the fields that decide what a replication holds.
pub fn run_key(version: &str, seed: u64, replications: u32, inputs: &[InputHash]) -> u64 {
    let mut text = format!("{version}\n{seed}\n{replications}\n");
    for i in inputs {
        text += &format!("{}\n{}\n", i.path, i.hash);
    }
    hash::fnv1a64(text.as_bytes())
}

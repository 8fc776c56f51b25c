//! Runs the replications of a model in parallel and gathers them in index order; summarising
//! them into a result is a separate step (`stats::summarize`).
//!
//! Each replication is single-threaded and seeded from (master seed, index) alone, and the
//! results are collected by index, so the output is byte-identical on any thread count.

use crate::model::Model;
use crate::result::SimulationResult;
use crate::sim::{self, RunStopped};
use crate::stats::{self, Replications};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Simulated nanoseconds reached by each replication, for a progress display.
pub struct Progress {
    per_replication: Vec<AtomicU64>,
    total_ns: u64,
}

impl Progress {
    pub fn new(model: &Model, replications: u32) -> Self {
        Progress {
            per_replication: (0..replications).map(|_| AtomicU64::new(0)).collect(),
            total_ns: model.horizon.duration.as_nanos() * u64::from(replications),
        }
    }

    /// Fraction of the total simulated time done, in [0, 1].
    pub fn fraction(&self) -> f64 {
        let done: u64 = self
            .per_replication
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .sum();
        if self.total_ns == 0 {
            1.0
        } else {
            done as f64 / self.total_ns as f64
        }
    }
}

/// Runs `replications` replications on `threads` threads and gathers them in index
/// order: each one's figures (`per_replication`), ready for [`stats::summarize`] or for a
/// study that pairs the replications of two variants.
pub fn run(
    model: &Model,
    seed: u64,
    replications: u32,
    threads: usize,
    progress: &Progress,
) -> Result<Replications, RunStopped> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("building a thread pool only fails when threads cannot be spawned");
    // Replications run `threads` at a time and are folded in index order, so only that
    // many replications' series are ever held at once (memory flat in the horizon).
    let mut gathered = Replications::new(model, seed);
    let mut next = 0;
    while next < replications {
        let end = (next + threads as u32).min(replications);
        let outcomes: Vec<Result<sim::Replication, RunStopped>> = pool.install(|| {
            (next..end)
                .into_par_iter()
                .map(|i| sim::run(model, i, seed, &progress.per_replication[i as usize]))
                .collect()
        });
        // The first failure by index, whichever thread saw one first.
        for outcome in outcomes {
            gathered.add(model, outcome?);
        }
        next = end;
    }
    Ok(gathered)
}

/// [`run`], then [`stats::summarize`]: the result of `replications` replications.
pub fn simulate(
    model: &Model,
    seed: u64,
    replications: u32,
    threads: usize,
    progress: &Progress,
) -> Result<SimulationResult, RunStopped> {
    let gathered = run(model, seed, replications, threads, progress)?;
    Ok(stats::summarize(model, gathered))
}

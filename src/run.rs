//! Runs the replications of a model in parallel and gathers them in index order; summarising
//! them into a result is a separate step (`stats::summarize`).
//!
//! Each replication is single-threaded and seeded from (master seed, index) alone, and the
//! results are collected by index, so the output is byte-identical on any thread count.

use crate::model::Model;
use crate::result::{SimulationResult, Verdict, VerdictStatus};
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

    /// Progress of replications `range` alone, of a run of `replications` (a shard).
    pub fn of_range(model: &Model, replications: u32, range: std::ops::Range<u32>) -> Self {
        let mut p = Progress::new(model, replications);
        p.total_ns = model.horizon.duration.as_nanos() * u64::from(range.end - range.start);
        p
    }

    /// The counter of replication `i` (the last one for indices beyond those planned).
    fn of(&self, i: u32) -> &AtomicU64 {
        let last = self.per_replication.len().saturating_sub(1);
        &self.per_replication[(i as usize).min(last)]
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
    let mut gathered = Replications::new(model, seed);
    extend(model, &mut gathered, replications, threads, progress)?;
    Ok(gathered)
}

/// Runs replications `gathered.len()..upto` and adds them in index order: a run extended
/// to n replications is the run of n replications.
pub fn extend(
    model: &Model,
    gathered: &mut Replications,
    upto: u32,
    threads: usize,
    progress: &Progress,
) -> Result<(), RunStopped> {
    let seed = gathered.seed;
    let from = gathered.len() as u32;
    each(model, seed, from..upto, threads, progress, |rep| {
        gathered.add(model, rep)
    })
}

/// Runs replications `range` on `threads` threads and hands each to `take` in index order
/// (what [`extend`] folds, and what a shard writes down).
pub fn each(
    model: &Model,
    seed: u64,
    range: std::ops::Range<u32>,
    threads: usize,
    progress: &Progress,
    mut take: impl FnMut(sim::Replication),
) -> Result<(), RunStopped> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("building a thread pool only fails when threads cannot be spawned");
    // Replications run `threads` at a time and are handed on in index order, so only that
    // many replications' series are ever held at once (memory flat in the horizon).
    let mut next = range.start;
    while next < range.end {
        let end = (next + threads as u32).min(range.end);
        let outcomes: Vec<Result<sim::Replication, RunStopped>> = pool.install(|| {
            (next..end)
                .into_par_iter()
                .map(|i| sim::run(model, i, seed, progress.of(i)))
                .collect()
        });
        // The first failure by index, whichever thread saw one first.
        for outcome in outcomes {
            take(outcome?);
        }
        next = end;
    }
    Ok(())
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

/// Runs `replications`, then — while an objective is undecided and the budget allows —
/// more, up to what the undecided verdicts say would settle them (at least half as many
/// again each round), never beyond `budget`. Every round's verdicts depend only on the
/// replications so far, so the result does not depend on the thread count.
pub fn simulate_until_decided(
    model: &Model,
    seed: u64,
    replications: u32,
    budget: u32,
    threads: usize,
    progress: &Progress,
) -> Result<SimulationResult, RunStopped> {
    let mut gathered = run(model, seed, replications.min(budget), threads, progress)?;
    loop {
        let n = gathered.len() as u32;
        let Some(wanted) = more_wanted(&stats::verdicts(model, &gathered), n) else {
            break;
        };
        let upto = wanted.max(n + n.div_ceil(2)).min(budget);
        if upto <= n {
            break;
        }
        extend(model, &mut gathered, upto, threads, progress)?;
    }
    Ok(stats::summarize(model, gathered))
}

/// The replications the undecided verdicts ask for (`None`: none is undecided). An
/// undecided verdict without a suggestion (one replication, or an estimate on the target)
/// asks for twice as many.
fn more_wanted(verdicts: &[Verdict], n: u32) -> Option<u32> {
    verdicts
        .iter()
        .filter(|v| v.status == VerdictStatus::Undecided)
        .map(|v| v.replications_needed.unwrap_or(2 * n))
        .max()
}

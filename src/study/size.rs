//! Sizing: the cheapest configuration of the knobs in a scenario's `sizing:` block at
//! which every objective holds, with a certificate — it passes, and each configuration one
//! step down on any knob does not.
//!
//! ASSUMPTION (monotonicity): every knob helps as it grows — more pods, workers, cores,
//! IOPS, connections or memory never make an objective worse. Under it:
//! - for each combination of the other knobs, the smallest passing value of the knob with
//!   the most values is found from the largest value worth trying (the largest that
//!   could still be cheaper than the best so far): if that fails, the combination does;
//!   else galloping down (1, 2, 4… steps) until one fails, and bisecting the last stride;
//! - a configuration at or above one that passed passes, and one at or below one that
//!   failed fails: such verdicts are *inferred*, not simulated;
//! - combinations are visited cheapest first (their cost with the searched knob at its
//!   smallest value), and a configuration that cannot be cheaper than the best found is
//!   not tried. The certificate then *simulates* every neighbour one step down: a
//!   neighbour that passes after all (noise, or the assumption failing) replaces the
//!   choice, and its own neighbours are checked in turn.
//!
//! "Passes" is the verdict's own: every objective holds at its confidence; undecided
//! does not pass. Each configuration runs the same seed and replications (common random
//! numbers), extended by sequential stopping while an objective is undecided, up to a
//! cap; it is validated like a user's file (refused = not passing, with why), checked by
//! the analytic bounds of `size_prune.rs` (pruned = cannot pass), simulated once and
//! cached. Failures (a node or a zone lost) are not simulated yet: the model has no
//! timeline of failures; a failure set would be one more dimension of `evaluate`.

use super::size_cost::{self, Cost};
use super::size_prune;
use crate::model::Model;
use crate::model::sizing::{Knob, KnobValue, Overrides, Sizing};
use crate::result::{SimulationResult, VerdictStatus};
use crate::run::{self, Progress};
use crate::scenario::Diagnostics;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

/// Most rounds of the certificate's descent (each moves to a cheaper configuration).
const MAX_DESCENT: usize = 1000;
/// Runners-up reported.
const RUNNERS_UP: usize = 3;

/// How each configuration is run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub seed: u64,
    pub replications: u32,
    /// Cap of sequential stopping (≥ `replications`).
    pub max_replications: u32,
    pub threads: usize,
}

/// The run settings: the command line's, else `sizing:`'s, else the scenario's; the
/// cap of sequential stopping defaults to twice the replications (never below them).
pub fn settings(
    m: &Model,
    sizing: &Sizing,
    seed: Option<u64>,
    replications: Option<u32>,
    max_replications: Option<u32>,
    threads: usize,
) -> Settings {
    let replications = replications
        .or(sizing.replications)
        .unwrap_or(m.run.replications);
    let max = max_replications
        .or(sizing.max_replications)
        .unwrap_or(2 * replications)
        .clamp(replications, 1000.max(replications));
    Settings {
        seed: seed.unwrap_or(m.run.seed),
        replications,
        max_replications: max,
        threads,
    }
}

/// Counts for a progress display, updated as the search goes.
#[derive(Debug, Default)]
pub struct Counters {
    pub done: AtomicU64,
    pub pruned: AtomicU64,
    pub simulated: AtomicU64,
}

/// What became of a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Simulated: every objective holds.
    Passes,
    /// Simulated: an objective breaks, is undecided or had nothing to measure.
    Fails,
    /// Validation refused it.
    Refused,
    /// Not simulated: an analytic bound shows it cannot hold.
    Pruned,
    /// A run limit was reached (requests in flight, events).
    Stopped,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Passes => "passes",
            Outcome::Fails => "fails",
            Outcome::Refused => "refused",
            Outcome::Pruned => "pruned",
            Outcome::Stopped => "stopped",
        }
    }
}

/// One objective's verdict at one configuration.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectiveAt {
    pub slo: String,
    pub class: Option<String>,
    pub objective: String,
    pub status: VerdictStatus,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub target: f64,
    pub unit: String,
    pub confidence: f64,
}

impl ObjectiveAt {
    /// The share of the target left above the interval's upper end (negative: beyond).
    pub fn margin(&self) -> Option<f64> {
        let high = self.high.or(self.value)?;
        (self.target != 0.0).then(|| (self.target - high) / self.target.abs())
    }
}

/// A configuration and what it gave.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    /// Each knob's value, in the order of `sizing.knobs`.
    pub values: Vec<String>,
    #[serde(skip)]
    pub index: Vec<usize>,
    pub outcome: Outcome,
    /// Why it was refused, pruned or stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `None`: refused (no model to cost).
    pub cost: Option<Cost>,
    pub replications: u32,
    pub objectives: Vec<ObjectiveAt>,
    /// The resource that reached 90 % first.
    pub bottleneck: Option<String>,
}

impl Config {
    pub fn passes(&self) -> bool {
        self.outcome == Outcome::Passes
    }

    /// What does not hold: objectives with their status, or the outcome and why.
    pub fn failing(&self) -> Vec<String> {
        match self.outcome {
            Outcome::Passes => Vec::new(),
            Outcome::Fails => self
                .objectives
                .iter()
                .filter(|o| o.status != VerdictStatus::Holds)
                .map(|o| {
                    let class = o
                        .class
                        .as_deref()
                        .map_or(String::new(), |c| format!(" ({c})"));
                    format!("{}{class} {}", o.slo, o.status.name())
                })
                .collect(),
            o => vec![format!(
                "{}: {}",
                o.name(),
                self.reason.clone().unwrap_or_default()
            )],
        }
    }

    /// The smallest margin over its objectives.
    pub fn margin(&self) -> Option<f64> {
        self.objectives
            .iter()
            .filter_map(ObjectiveAt::margin)
            .min_by(f64::total_cmp)
    }
}

/// One knob as the search saw it.
#[derive(Clone, Debug, Serialize)]
pub struct KnobReport {
    pub path: String,
    pub values: Vec<String>,
}

/// A neighbour one step down and what it gave.
#[derive(Clone, Debug, Serialize)]
pub struct Neighbour {
    pub knob: String,
    pub from: String,
    pub to: String,
    pub config: Config,
}

/// The chosen configuration's certificate.
#[derive(Clone, Debug, Serialize)]
pub struct Certificate {
    /// Every neighbour one step down fails (simulated, or refused by validation).
    pub holds: bool,
    pub neighbours: Vec<Neighbour>,
}

/// Odoo's rule of thumb beside the choice.
#[derive(Clone, Debug, Serialize)]
pub struct RuleOfThumb {
    /// In words: what the rule gives and why.
    pub rule: String,
    /// The workers per pod it gives (`None`: the pods have no CPU count to apply it to).
    pub workers: Option<u32>,
    /// Concurrent users it says the configuration serves (6 per worker).
    pub concurrent_users: Option<u32>,
    /// The chosen configuration with the rule's workers, simulated.
    pub config: Option<Config>,
}

/// The counts of the search.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// Configurations in the search space.
    pub space: f64,
    pub simulated: u64,
    pub pruned: u64,
    pub refused: u64,
    /// Verdicts inferred from a simulated one by monotonicity.
    pub inferred: u64,
}

/// The whole study.
#[derive(Clone, Debug, Serialize)]
pub struct Size {
    pub format: String,
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub max_replications: u32,
    pub knobs: Vec<KnobReport>,
    pub cost_basis: String,
    pub currency: Option<String>,
    /// The cheapest configuration that holds (`None`: nothing in the ranges does).
    pub chosen: Option<Config>,
    pub certificate: Option<Certificate>,
    pub runners_up: Vec<Config>,
    /// When nothing holds: the largest configuration and what breaks there.
    pub largest: Option<Config>,
    pub rule_of_thumb: Option<RuleOfThumb>,
    pub counts: Counts,
    pub not_simulated: String,
    /// Every configuration evaluated, in the order of their knob indices.
    pub configs: Vec<Config>,
    /// The chosen configuration's validated model (for its settings files).
    #[serde(skip)]
    pub chosen_model: Option<Model>,
}

/// What the study says it does not cover.
pub const NOT_SIMULATED: &str = "failures (N+1 node loss, a zone lost) are not simulated: the timeline has no node or zone changes yet; the choice holds the peak with every node up and the scenario's own timeline";

/// Runs the study on `base` (the scenario as written) and its `sizing`. `build` gives
/// the model of a configuration (validated like a user's file).
pub fn study(
    base: &Model,
    sizing: &Sizing,
    build: impl FnMut(&Overrides) -> Result<Model, Diagnostics>,
    settings: Settings,
    counters: &Counters,
) -> Size {
    let mut s = Search {
        sizing,
        build,
        settings,
        counters,
        cache: BTreeMap::new(),
        costs: BTreeMap::new(),
        inferred: 0,
    };
    let chosen = s.search();
    let (chosen, certificate) = match chosen {
        Some(c) => {
            let (c, cert) = s.certify(c);
            (Some(c), Some(cert))
        }
        None => (None, None),
    };
    let largest = chosen.is_none().then(|| {
        let top: Vec<usize> = sizing.knobs.iter().map(|k| k.values.len() - 1).collect();
        s.simulated(&top)
    });
    let rule_of_thumb = chosen.as_ref().map(|c| s.rule_of_thumb(c));
    let chosen_model = chosen.as_ref().and_then(|c| s.build(&c.index).ok());
    let runners_up = s.runners_up(chosen.as_ref());
    let configs: Vec<Config> = s.cache.values().cloned().collect();
    let count = |o: Outcome| configs.iter().filter(|c| c.outcome == o).count() as u64;
    let counts = Counts {
        space: sizing.knobs.iter().map(|k| k.values.len() as f64).product(),
        simulated: count(Outcome::Passes) + count(Outcome::Fails) + count(Outcome::Stopped),
        pruned: count(Outcome::Pruned),
        refused: count(Outcome::Refused),
        inferred: s.inferred,
    };
    Size {
        format: "peakplan-size".into(),
        scenario: base.name.clone(),
        seed: settings.seed,
        replications: settings.replications,
        max_replications: settings.max_replications,
        knobs: sizing
            .knobs
            .iter()
            .map(|k| KnobReport {
                path: k.knob.path(),
                values: k.values.iter().map(|v| v.text.clone()).collect(),
            })
            .collect(),
        cost_basis: size_cost::basis(sizing.prices.as_ref()),
        currency: sizing.prices.as_ref().map(|p| p.currency.clone()),
        chosen,
        certificate,
        runners_up,
        largest,
        rule_of_thumb,
        counts,
        not_simulated: NOT_SIMULATED.into(),
        configs,
        chosen_model,
    }
}

struct Search<'a, B> {
    sizing: &'a Sizing,
    build: B,
    settings: Settings,
    counters: &'a Counters,
    /// Every configuration evaluated (simulated, pruned or refused), by knob indices.
    cache: BTreeMap<Vec<usize>, Config>,
    /// Costs of configurations validated but not evaluated (`None`: refused).
    costs: BTreeMap<Vec<usize>, Option<Cost>>,
    inferred: u64,
}

/// The key configurations rank by: cost, then the sum of knob indices, then the indices.
fn rank(a: &Config, b: &Config) -> Ordering {
    match (&a.cost, &b.cost) {
        (Some(x), Some(y)) => x.cheaper(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then(index_sum(&a.index).cmp(&index_sum(&b.index)))
    .then(a.index.cmp(&b.index))
}

fn index_sum(i: &[usize]) -> usize {
    i.iter().sum()
}

/// `a ≤ b` on every knob.
fn below(a: &[usize], b: &[usize]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y)
}

impl<B> Search<'_, B>
where
    B: FnMut(&Overrides) -> Result<Model, Diagnostics>,
{
    fn build(&mut self, index: &[usize]) -> Result<Model, Diagnostics> {
        let o = self.overrides(index);
        (self.build)(&o)
    }

    fn overrides(&self, index: &[usize]) -> Overrides {
        self.sizing
            .knobs
            .iter()
            .zip(index)
            .map(|(k, &i)| (k.knob.clone(), k.values[i].clone()))
            .collect()
    }

    /// The knob searched by bisection: the one with the most values (the first of those).
    fn searched(&self) -> usize {
        let lens: Vec<usize> = self.sizing.knobs.iter().map(|k| k.values.len()).collect();
        let most = lens.iter().copied().max().unwrap_or(0);
        lens.iter().position(|&l| l == most).unwrap_or(0)
    }

    /// The cheapest passing configuration found, if any.
    fn search(&mut self) -> Option<Config> {
        let k = self.searched();
        let n = self.sizing.knobs[k].values.len();
        // The other knobs' combinations, each with its cost at the searched knob's smallest
        // value (a lower bound: cost grows with every knob), cheapest first.
        let mut combos: Vec<(Vec<usize>, Config)> = self
            .combinations(k)
            .into_iter()
            .map(|c| {
                let low = self.unsimulated(&c);
                (c, low)
            })
            .collect();
        combos.sort_by(|a, b| rank(&a.1, &b.1));
        let mut best: Option<Config> = None;
        for (combo, low) in combos {
            if best
                .as_ref()
                .is_some_and(|b| low.cost.is_some() && rank(&low, b) != Ordering::Less)
            {
                continue;
            }
            if let Some(found) = self.smallest_passing(&combo, k, n, best.as_ref()) {
                if best
                    .as_ref()
                    .is_none_or(|b| rank(&found, b) == Ordering::Less)
                {
                    best = Some(found);
                }
            }
        }
        best
    }

    /// Every configuration with the searched knob `k` at index 0, in index order.
    fn combinations(&self, k: usize) -> Vec<Vec<usize>> {
        let mut out = vec![vec![0; self.sizing.knobs.len()]];
        for (j, knob) in self.sizing.knobs.iter().enumerate() {
            if j == k {
                continue;
            }
            out = out
                .into_iter()
                .flat_map(|c| {
                    (0..knob.values.len()).map(move |i| {
                        let mut c = c.clone();
                        c[j] = i;
                        c
                    })
                })
                .collect();
        }
        out
    }

    /// The smallest index of knob `k` at which `combo` passes, among those that could
    /// still be cheaper than `best`: galloping up, then bisection.
    fn smallest_passing(
        &mut self,
        combo: &[usize],
        k: usize,
        n: usize,
        best: Option<&Config>,
    ) -> Option<Config> {
        let at = |i: usize| {
            let mut c = combo.to_vec();
            c[k] = i;
            c
        };
        // The highest index worth trying: configurations not cheaper than `best` are not.
        let mut limit = n - 1;
        if let Some(b) = best {
            while limit > 0 && rank(&self.unsimulated(&at(limit)), b) != Ordering::Less {
                limit -= 1;
            }
            if rank(&self.unsimulated(&at(limit)), b) != Ordering::Less {
                return None;
            }
        }
        // The most expensive worth trying first: if it fails, the combination does.
        if !self.passes(&at(limit)) {
            return None;
        }
        // Gallop down from there (1, 2, 4… steps) until one fails, then bisect.
        let (mut hi, mut lo) = (limit, None::<usize>);
        let mut stride = 1;
        while hi > 0 {
            let i = hi.saturating_sub(stride);
            if self.passes(&at(i)) {
                hi = i;
                stride *= 2;
            } else {
                lo = Some(i);
                break;
            }
        }
        while let Some(l) = lo {
            if hi - l <= 1 {
                break;
            }
            let mid = l + (hi - l) / 2;
            if self.passes(&at(mid)) {
                hi = mid;
            } else {
                lo = Some(mid);
            }
        }
        // A pass inferred by monotonicity is simulated before it is returned.
        let c = self.evaluate(&at(hi));
        c.passes().then_some(c)
    }

    /// Whether `index` passes: inferred from a simulated configuration when monotonicity
    /// decides it, else evaluated.
    fn passes(&mut self, index: &[usize]) -> bool {
        if let Some(c) = self.cache.get(index) {
            return c.passes();
        }
        let inferred_pass = self
            .cache
            .values()
            .any(|c| c.passes() && below(&c.index, index));
        let inferred_fail = self.cache.values().any(|c| {
            matches!(
                c.outcome,
                Outcome::Fails | Outcome::Pruned | Outcome::Stopped
            ) && below(index, &c.index)
        });
        if inferred_pass != inferred_fail {
            self.inferred += 1;
            return inferred_pass;
        }
        self.evaluate(index).passes()
    }

    /// A configuration's cost and validation without simulating it (not cached).
    fn unsimulated(&mut self, index: &[usize]) -> Config {
        if let Some(c) = self.cache.get(index) {
            return c.clone();
        }
        if !self.costs.contains_key(index) {
            let model = self.build(index);
            let cost = model
                .as_ref()
                .ok()
                .map(|m| Cost::of(m, self.sizing.prices.as_ref()));
            self.costs.insert(index.to_vec(), cost);
        }
        let cost = self.costs[index].clone();
        self.config(index, Outcome::Refused, None, cost)
    }

    /// Validates, prunes or simulates `index`, once.
    fn evaluate(&mut self, index: &[usize]) -> Config {
        if let Some(c) = self.cache.get(index) {
            return c.clone();
        }
        let c = match self.build(index) {
            Err(d) => self.config(index, Outcome::Refused, Some(d.to_string()), None),
            Ok(m) => {
                let cost = Some(Cost::of(&m, self.sizing.prices.as_ref()));
                match size_prune::cannot_hold(&m) {
                    Some(why) => self.config(index, Outcome::Pruned, Some(why), cost),
                    None => self.simulate(index, &m, cost),
                }
            }
        };
        if c.outcome == Outcome::Pruned {
            self.counters.pruned.fetch_add(1, AtomicOrdering::Relaxed);
        }
        self.counters.done.fetch_add(1, AtomicOrdering::Relaxed);
        self.cache.insert(index.to_vec(), c.clone());
        c
    }

    /// `index` simulated (a pruned one too), replacing what the cache held.
    fn simulated(&mut self, index: &[usize]) -> Config {
        if let Some(c) = self.cache.get(index) {
            if !matches!(c.outcome, Outcome::Pruned) {
                return c.clone();
            }
        }
        let c = match self.build(index) {
            Err(d) => self.config(index, Outcome::Refused, Some(d.to_string()), None),
            Ok(m) => {
                let cost = Some(Cost::of(&m, self.sizing.prices.as_ref()));
                let mut c = self.simulate(index, &m, cost);
                if let Some(why) = size_prune::cannot_hold(&m) {
                    c.reason = Some(format!(
                        "pruned before ({why}); simulated for the certificate"
                    ));
                }
                c
            }
        };
        self.cache.insert(index.to_vec(), c.clone());
        c
    }

    fn simulate(&mut self, index: &[usize], m: &Model, cost: Option<Cost>) -> Config {
        let s = self.settings;
        let progress = Progress::new(m, s.max_replications);
        self.counters
            .simulated
            .fetch_add(1, AtomicOrdering::Relaxed);
        let r = run::simulate_until_decided(
            m,
            s.seed,
            s.replications,
            s.max_replications,
            s.threads,
            &progress,
        );
        match r {
            Ok(r) => self.of_result(index, &r, cost),
            Err(stop) => self.config(index, Outcome::Stopped, Some(stop.reason), cost),
        }
    }

    fn config(
        &self,
        index: &[usize],
        outcome: Outcome,
        reason: Option<String>,
        cost: Option<Cost>,
    ) -> Config {
        Config {
            values: self.values(index),
            index: index.to_vec(),
            outcome,
            reason,
            cost,
            replications: 0,
            objectives: Vec::new(),
            bottleneck: None,
        }
    }

    fn values(&self, index: &[usize]) -> Vec<String> {
        self.sizing
            .knobs
            .iter()
            .zip(index)
            .map(|(k, &i)| k.values[i].text.clone())
            .collect()
    }

    fn of_result(&self, index: &[usize], r: &SimulationResult, cost: Option<Cost>) -> Config {
        let objectives: Vec<ObjectiveAt> = r.verdicts.iter().map(objective_at).collect();
        let holds = objectives.iter().all(|o| o.status == VerdictStatus::Holds);
        let outcome = if holds {
            Outcome::Passes
        } else {
            Outcome::Fails
        };
        Config {
            replications: r.verdicts.first().map_or(0, |v| v.replications),
            objectives,
            bottleneck: r.bottleneck.resource.clone(),
            ..self.config(index, outcome, None, cost)
        }
    }

    /// Simulates each neighbour one step down of `chosen`; moves to a passing one (the
    /// cheapest) and checks again, until every neighbour fails.
    fn certify(&mut self, mut chosen: Config) -> (Config, Certificate) {
        for _ in 0..MAX_DESCENT {
            let neighbours = self.neighbours(&chosen);
            let better = neighbours
                .iter()
                .map(|n| &n.config)
                .filter(|c| c.passes())
                .min_by(|a, b| rank(a, b))
                .cloned();
            match better {
                Some(b) => chosen = b,
                None => {
                    let holds = neighbours.iter().all(|n| !n.config.passes());
                    return (chosen, Certificate { holds, neighbours });
                }
            }
        }
        let neighbours = self.neighbours(&chosen);
        (
            chosen,
            Certificate {
                holds: false,
                neighbours,
            },
        )
    }

    fn neighbours(&mut self, c: &Config) -> Vec<Neighbour> {
        let mut out = Vec::new();
        for (k, knob) in self.sizing.knobs.iter().enumerate() {
            let i = c.index[k];
            if i == 0 {
                continue;
            }
            let mut down = c.index.clone();
            down[k] = i - 1;
            out.push((k, knob.knob.path(), down));
        }
        out.into_iter()
            .map(|(k, path, down)| {
                let config = self.simulated(&down);
                Neighbour {
                    knob: path,
                    from: c.values[k].clone(),
                    to: config.values[k].clone(),
                    config,
                }
            })
            .collect()
    }

    fn runners_up(&self, chosen: Option<&Config>) -> Vec<Config> {
        let mut passing: Vec<&Config> = self
            .cache
            .values()
            .filter(|c| c.passes() && chosen.is_none_or(|x| x.index != c.index))
            .collect();
        passing.sort_by(|a, b| rank(a, b));
        passing.into_iter().take(RUNNERS_UP).cloned().collect()
    }

    /// Odoo's deployment guide: workers = 2 × CPU + 1 per pod, about 6 concurrent users
    /// per worker — applied to the chosen pods and their CPU, and simulated.
    fn rule_of_thumb(&mut self, chosen: &Config) -> RuleOfThumb {
        let rule = "Odoo's deployment guide (Worker number calculation): workers = 2 × CPU + 1 per pod; about 6 concurrent users per worker".to_owned();
        let mut overrides = self.overrides(&chosen.index);
        let Ok(model) = (self.build)(&overrides) else {
            return RuleOfThumb {
                rule,
                workers: None,
                concurrent_users: None,
                config: None,
            };
        };
        let Some(millicores) = model.odoo.cpu_millicores else {
            return RuleOfThumb {
                rule: format!("{rule} — not applied: the pods have no `cpu` to count"),
                workers: None,
                concurrent_users: None,
                config: None,
            };
        };
        let cores = (millicores / 1000).max(1);
        let workers = 2 * cores + 1;
        overrides.retain(|(k, _)| *k != Knob::Workers);
        let value = KnobValue {
            text: workers.to_string(),
            number: f64::from(workers),
        };
        overrides.push((Knob::Workers, value));
        let users = model.odoo.pods * workers * 6;
        let values = chosen
            .values
            .iter()
            .zip(&self.sizing.knobs)
            .map(|(v, k)| {
                if k.knob == Knob::Workers {
                    workers.to_string()
                } else {
                    v.clone()
                }
            })
            .collect();
        let config = match (self.build)(&overrides) {
            Err(d) => Config {
                values,
                ..self.config(&chosen.index, Outcome::Refused, Some(d.to_string()), None)
            },
            Ok(m) => {
                let cost = Some(Cost::of(&m, self.sizing.prices.as_ref()));
                Config {
                    values,
                    ..self.simulate(&chosen.index, &m, cost)
                }
            }
        };
        RuleOfThumb {
            rule,
            workers: Some(workers),
            concurrent_users: Some(users),
            config: Some(config),
        }
    }
}

fn objective_at(v: &crate::result::Verdict) -> ObjectiveAt {
    ObjectiveAt {
        slo: v.slo.clone(),
        class: v.class.clone(),
        objective: v.objective.clone(),
        status: v.status,
        value: v.mean,
        low: v.low,
        high: v.high,
        target: v.target,
        unit: v.unit.clone(),
        confidence: v.confidence,
    }
}

//! Headroom: the largest load multiplier at which every objective still holds, each
//! class's own, and each class's knee — the load at which its median latency reaches
//! twice its nominal median (the median at a sixteenth of the load, where nothing
//! queues).
//!
//! A load multiplies every open class's rate and every closed class's users
//! ([`crate::scenario::load_at`]); cron runs and fixed-time arrivals stay as written,
//! jobs follow the requests that spawn them. Loads are tried on a geometric grid,
//! `2^(step / 32)` (steps of ≈ 2.2 %) from ×1/16 to ×16: the search gallops from ×1 by
//! doublings until the answer changes, then bisects the steps between. Every load runs
//! the same replications with the same seed, so neighbouring loads differ by the load,
//! not by luck; each load is simulated once and shared by every search that asks for it.
//!
//! "Holds" is the verdict's own: every objective holds at its confidence. An undecided
//! objective does not hold, and a run stopped by a limit (requests in flight, events)
//! or a scaled scenario refused by validation counts as beyond the headroom. The search
//! assumes that what breaks at one load breaks at every higher one; the points it tried
//! are in the result, for a reader to check.

use crate::model::Model;
pub use crate::result::headroom::{
    Bracket, ClassAt, ClassHeadroom, Headroom, ObjectiveAt, Outcome, Point,
};
use crate::result::{SimulationResult, VerdictStatus};
use crate::run::{self, Progress};
use crate::scenario::Diagnostics;
use crate::stats::FAILING_SHARE;
use std::collections::BTreeMap;

/// Grid steps per doubling of the load.
pub const STEPS_PER_DOUBLING: i32 = 32;
/// The grid's lowest step: ×1/16, where the nominal medians are measured.
pub const MIN_STEP: i32 = -4 * STEPS_PER_DOUBLING;
/// The grid's highest step: ×16.
pub const MAX_STEP: i32 = 4 * STEPS_PER_DOUBLING;
/// A class's knee: its median latency reaches this many times its nominal median.
pub const KNEE_FACTOR: f64 = 2.0;

/// The load multiplier of grid step `step`.
pub fn load_of(step: i32) -> f64 {
    2f64.powf(f64::from(step) / f64::from(STEPS_PER_DOUBLING))
}

/// How each load is run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub seed: u64,
    pub replications: u32,
    pub threads: usize,
}

impl Point {
    fn ran(&self) -> bool {
        self.outcome == Outcome::Ran
    }

    /// Every objective (of `class`, or all with `None`) holds.
    fn holds(&self, class: Option<&str>) -> bool {
        self.failing(class).is_empty()
    }

    fn class(&self, name: &str) -> Option<&ClassAt> {
        self.classes.iter().find(|c| c.class == name)
    }

    /// The objectives that do not hold (of `class`, or all).
    fn failing(&self, class: Option<&str>) -> Vec<String> {
        if !self.ran() {
            return vec![self.outcome.name().to_owned()];
        }
        self.objectives
            .iter()
            .filter(|o| class.is_none_or(|c| o.class.as_deref() == Some(c)))
            .filter(|o| o.status != VerdictStatus::Holds)
            .map(|o| format!("{} {}", o.slo, o.status.name()))
            .collect()
    }
}

/// Runs the study. `build` gives the model at a load (the scenario at ×1 must be valid:
/// its diagnostics are returned otherwise); `tried` is told of each load as it is run.
pub fn study(
    build: impl FnMut(f64) -> Result<Model, Diagnostics>,
    settings: Settings,
    tried: impl FnMut(&Point),
) -> Result<Headroom, Diagnostics> {
    study_from(None, build, settings, tried)
}

/// [`study`], given the scenario's own result when it was already simulated with the
/// same seed and replications (`simulate --headroom`): ×1 is read from it, not run again.
pub fn study_from(
    at_one: Option<&SimulationResult>,
    mut build: impl FnMut(f64) -> Result<Model, Diagnostics>,
    settings: Settings,
    mut tried: impl FnMut(&Point),
) -> Result<Headroom, Diagnostics> {
    let model = build(1.0)?;
    let mut search = Search {
        build: &mut build,
        settings,
        points: BTreeMap::new(),
        tried: &mut tried,
    };
    let first = match at_one {
        Some(r) => {
            let p = Point::of(0, 1.0, r);
            (search.tried)(&p);
            p
        }
        None => search.run(0, Ok(model.clone())),
    };
    search.points.insert(0, first);

    let overall = (!model.slos.is_empty()).then(|| {
        let steps = search.largest(0, STEPS_PER_DOUBLING, |p| p.holds(None));
        search.bracket(steps, |p| p.failing(None))
    });
    // A class's own objectives pass at least where all of them do: search from there
    // in small strides, or from ×1 by doublings when nothing passes together.
    let (from, stride) = match overall.as_ref().and_then(|b| b.passes) {
        Some(p) => (step_of(p), 1),
        None => (0, STEPS_PER_DOUBLING),
    };
    let classes = model
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let own = model.slos.iter().any(|s| s.class == Some(i));
            let objectives = own.then(|| {
                // Most classes' answers lie next to the overall one: small strides first.
                let steps = search.largest(from, stride, |p| p.holds(Some(&c.name)));
                search.bracket(steps, |p| p.failing(Some(&c.name)))
            });
            let nominal = if c.cron.is_some() {
                None
            } else {
                search
                    .point(MIN_STEP)
                    .class(&c.name)
                    .and_then(|x| x.latency_s_p50)
            };
            let knee = nominal.map(|n| search.knee(&c.name, n));
            ClassHeadroom {
                class: c.name.clone(),
                objectives,
                nominal_p50_s: nominal,
                knee,
            }
        })
        .collect();
    Ok(Headroom {
        format: "peakplan-headroom".into(),
        scenario: model.name.clone(),
        seed: settings.seed,
        replications: settings.replications,
        steps_per_doubling: STEPS_PER_DOUBLING,
        knee_factor: KNEE_FACTOR,
        overall,
        classes,
        points: search.points.into_values().collect(),
    })
}

/// The grid step of a load the grid gave.
fn step_of(load: f64) -> i32 {
    (load.log2() * f64::from(STEPS_PER_DOUBLING)).round() as i32
}

/// The loads simulated so far, and how to simulate another.
struct Search<'a, B, T> {
    build: &'a mut B,
    settings: Settings,
    points: BTreeMap<i32, Point>,
    tried: &'a mut T,
}

impl<B, T> Search<'_, B, T>
where
    B: FnMut(f64) -> Result<Model, Diagnostics>,
    T: FnMut(&Point),
{
    /// The point at `step`, simulated on first use.
    fn point(&mut self, step: i32) -> &Point {
        if !self.points.contains_key(&step) {
            let model = (self.build)(load_of(step));
            let p = self.run(step, model);
            self.points.insert(step, p);
        }
        &self.points[&step]
    }

    /// Simulates `model` (the scenario at step `step`).
    fn run(&mut self, step: i32, model: Result<Model, Diagnostics>) -> Point {
        let load = load_of(step);
        let s = self.settings;
        let point = match model {
            Err(d) => Point::not_run(step, Outcome::Refused, d.to_string()),
            Ok(m) => {
                let progress = Progress::new(&m, s.replications);
                match run::simulate(&m, s.seed, s.replications, s.threads, &progress) {
                    Ok(r) => Point::of(step, load, &r),
                    Err(stop) => Point::not_run(step, Outcome::Stopped, stop.reason),
                }
            }
        };
        (self.tried)(&point);
        point
    }

    /// The highest step at which `passes` holds and the lowest at which it does not,
    /// searched from `start`: strides from `stride` steps, doubling up to a doubling of
    /// the load, until the answer changes; then bisection.
    fn largest(
        &mut self,
        start: i32,
        mut stride: i32,
        passes: impl Fn(&Point) -> bool,
    ) -> (Option<i32>, Option<i32>) {
        let (mut lo, mut hi) = (None, None);
        let mut at = start;
        let up = passes(self.point(start));
        loop {
            if passes(self.point(at)) {
                lo = Some(at);
            } else {
                hi = Some(at);
            }
            let next = (if up { at + stride } else { at - stride }).clamp(MIN_STEP, MAX_STEP);
            if lo.is_some() && hi.is_some() || next == at {
                break;
            }
            at = next;
            stride = (2 * stride).min(STEPS_PER_DOUBLING);
        }
        while let (Some(l), Some(h)) = (lo, hi) {
            if h - l <= 1 {
                break;
            }
            let mid = l + (h - l) / 2;
            if passes(self.point(mid)) {
                lo = Some(mid);
            } else {
                hi = Some(mid);
            }
        }
        (lo, hi)
    }

    /// Where class `name`'s median latency reaches [`KNEE_FACTOR`] × `nominal` — or
    /// more than [`FAILING_SHARE`] of its requests fail: the median of the requests that
    /// completed no longer speaks for the class (a full listen backlog turns waiting into
    /// errors).
    fn knee(&mut self, name: &str, nominal: f64) -> Bracket {
        let below = |p: &Point| {
            p.class(name).is_some_and(|c| {
                c.error_ratio <= FAILING_SHARE
                    && c.latency_s_p50.is_some_and(|m| m < KNEE_FACTOR * nominal)
            })
        };
        let steps = self.largest(0, STEPS_PER_DOUBLING, below);
        self.bracket(steps, |p| match p.class(name) {
            Some(c) if c.error_ratio > FAILING_SHARE => {
                vec![format!(
                    "{:.1} % of its requests fail",
                    c.error_ratio * 100.0
                )]
            }
            Some(c) => vec![format!(
                "p50 {:.1} ms ≥ {KNEE_FACTOR} × {:.1} ms",
                c.latency_s_p50.unwrap_or(f64::INFINITY) * 1e3,
                nominal * 1e3
            )],
            None => p.failing(Some(name)),
        })
    }

    /// The loads of `steps`, with what fails at the failing one.
    fn bracket(
        &self,
        (passes, fails): (Option<i32>, Option<i32>),
        because: impl Fn(&Point) -> Vec<String>,
    ) -> Bracket {
        let at = fails.map(|f| &self.points[&f]);
        Bracket {
            passes: passes.map(load_of),
            fails: fails.map(load_of),
            because: at.map(&because).unwrap_or_default(),
            first_bottleneck: at.and_then(|p| p.first_bottleneck.clone()),
            busiest: at.and_then(|p| p.busiest.clone()),
        }
    }
}

impl Point {
    /// A load that was not run to its end.
    fn not_run(step: i32, outcome: Outcome, message: String) -> Point {
        Point {
            step,
            load: load_of(step),
            outcome,
            message: Some(message),
            objectives: Vec::new(),
            classes: Vec::new(),
            first_bottleneck: None,
            busiest: None,
        }
    }

    /// A load's figures, read from its result.
    fn of(step: i32, load: f64, r: &SimulationResult) -> Point {
        let objectives = r
            .verdicts
            .iter()
            .map(|v| ObjectiveAt {
                slo: v.slo.clone(),
                class: v.class.clone(),
                status: v.status,
                value: v.mean,
                unit: v.unit.clone(),
            })
            .collect();
        let classes = r
            .classes
            .iter()
            .map(|c| ClassAt {
                class: c.name.clone(),
                throughput_per_s: c.throughput_per_s.mean,
                error_ratio: c.error_ratio.mean,
                latency_s_p50: c.latency_s_p50.as_ref().map(|e| e.mean),
                latency_s_p95: c.latency_s_p95.as_ref().map(|e| e.mean),
            })
            .collect();
        let busiest = r
            .resources
            .iter()
            .filter_map(|x| {
                x.utilisation_peak
                    .as_ref()
                    .map(|u| (x.name.clone(), u.value))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        Point {
            step,
            load,
            outcome: Outcome::Ran,
            message: None,
            objectives,
            classes,
            first_bottleneck: r.bottleneck.resource.clone(),
            busiest,
        }
    }
}

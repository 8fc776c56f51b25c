//! `peakplan calibrate`: workload classes, their weekly baseline and their demand
//! distributions from Odoo's and Traefik's request logs, written as a scenario.
//!
//! Data flow: log files → `read` (formats: `odoo_log`, `traefik_log`) → `rules` (a class
//! per request) → `estimate` (per-class sums, constant memory) → `weekly` and `fit` →
//! [`Calibration`] → `write` (scenario, profiles, report). `check` runs a scenario through
//! [`crate::run`] and compares it with the logs. This module sits above the scenario
//! layer: it writes scenario text and reads models; `scenario/`, `model/` and `sim/` never
//! import it.

pub mod check;
pub mod civil;
pub mod estimate;
pub mod fit;
pub mod odoo_log;
pub mod read;
pub mod record;
pub mod rules;
pub mod traefik_log;
pub mod weekly;
pub mod write;

use crate::analytic::erlang_c;
use estimate::{ClassObs, Observations, Period};
use fit::Fit;
use read::ReadSummary;
use record::Source;
use rules::Rules;
use std::path::PathBuf;
use weekly::Weekly;

/// The estate a calibration writes when the user gives none: sized from the logs, not
/// measured (see [`size_estate`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct EstateChoice {
    pub pods: Option<u32>,
    pub workers: Option<u32>,
    pub db_cores: Option<u32>,
}

/// The logs read and counted, before any fit.
pub struct Observed {
    pub read: ReadSummary,
    pub obs: Observations,
}

/// Reads the logs into per-class sums. Errors (exit 2): unreadable files, overlapping
/// rules, a period too long, no request line at all, no request reaching a class.
pub fn observe(paths: &[PathBuf], rules: Rules) -> Result<Observed, String> {
    let mut obs = Observations::new(rules);
    let read = read::read(paths, &mut |r| obs.add(r))?;
    if read.requests() == 0 {
        let mut msg = format!(
            "error: no request line of Odoo or Traefik in {} ({} lines read)\n  hint: calibrate reads Odoo's werkzeug lines (plain or JSON) and Traefik's access log (common log format or JSON); see docs/calibrate.md",
            names(paths),
            read.lines()
        );
        if let Some(w) = read.warnings() {
            msg += &format!("\n{w}");
        }
        return Err(msg);
    }
    if obs.odoo_period.is_none() && obs.traefik_period.is_none() {
        return Err(no_class_reached(&obs, &read));
    }
    Ok(Observed { read, obs })
}

/// Every request was dropped by a `-` rule or matched no rule.
fn no_class_reached(obs: &Observations, read: &ReadSummary) -> String {
    let mut msg = format!(
        "error: none of the {} requests read reached a class: {} dropped by rules naming `-`, {} matched no rule",
        read.requests(),
        obs.dropped,
        obs.unmatched
    );
    if !obs.unmatched_paths.is_empty() {
        msg += &format!(" (e.g. {})", obs.unmatched_paths.join(", "));
    }
    msg + "\n  hint: add rules for these paths (`/** other` catches every path); see docs/calibrate.md"
}

fn names(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    let more = paths.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Where a class's CPU time comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuFrom {
    /// Odoo's remaining time.
    Odoo,
    /// No Odoo line named the class: Traefik's time on the upstream stands in for the
    /// whole of its work, with no queries.
    TraefikUpstream,
}

/// One class, calibrated.
pub struct ClassCalibration {
    pub obs: ClassObs,
    pub source: Source,
    pub period: Period,
    pub weekly: Weekly,
    pub cpu: Fit,
    pub cpu_from: CpuFrom,
    pub queries: Option<Fit>,
    /// (mean, CV) of one query's time.
    pub per_query: Option<(f64, f64)>,
    /// Mean Traefik time less mean Odoo time over the hours both logs cover, and the
    /// Odoo requests it rests on.
    pub backlog_wait_s: Option<(f64, u64)>,
}

impl ClassCalibration {
    /// Mean time a request holds its worker: CPU and queries.
    pub fn mean_work_s(&self) -> f64 {
        self.cpu.mean
            + self.queries.as_ref().map_or(0.0, |q| q.mean) * self.per_query.map_or(0.0, |(m, _)| m)
    }
    /// Mean database time per request.
    pub fn mean_db_s(&self) -> f64 {
        self.queries.as_ref().map_or(0.0, |q| q.mean) * self.per_query.map_or(0.0, |(m, _)| m)
    }
}

/// The whole calibration.
pub struct Calibration {
    pub files: Vec<PathBuf>,
    pub read: ReadSummary,
    pub classes: Vec<ClassCalibration>,
    /// Classes of the rules no request reached.
    pub empty_classes: Vec<String>,
    pub unmatched: u64,
    pub unmatched_paths: Vec<String>,
    pub dropped: u64,
    /// Every source's period together: the scenario's horizon.
    pub period: Period,
    pub all: Weekly,
    pub estate: Estate,
    pub rules_origin: String,
}

/// The estate written into the scenario, and whether each figure was given or sized.
#[derive(Clone, Copy, Debug)]
pub struct Estate {
    pub pods: u32,
    pub workers: u32,
    pub db_cores: u32,
    pub workers_given: bool,
    pub db_cores_given: bool,
    /// Busiest hour's offered load on the workers and on PostgreSQL (erlangs).
    pub worker_load: f64,
    pub db_load: f64,
}

/// Reads the logs and calibrates every class. Errors (exit 2) as [`observe`], and a
/// period shorter than one hour.
pub fn calibrate(
    paths: &[PathBuf],
    rules: Rules,
    rules_origin: &str,
    estate: EstateChoice,
) -> Result<Calibration, String> {
    let Observed { read, obs } = observe(paths, rules)?;
    let Some(period) = Period::union(obs.odoo_period, obs.traefik_period) else {
        return Err(no_class_reached(&obs, &read));
    };
    let mut classes = Vec::new();
    let mut empty_classes = Vec::new();
    let short = |p: Period, what: &str| {
        format!(
            "error: the {what} requests span {:.1} minutes ({} to {} UTC); a weekly baseline needs at least one hour\n  hint: give a longer log (a week gives every hour of the week)",
            p.seconds() / 60.0,
            civil::format(p.first_ns),
            civil::format(p.last_ns)
        )
    };
    for c in obs.classes {
        if c.arrivals() == 0 {
            empty_classes.push(c.name.clone());
            continue;
        }
        let source = c.arrivals_source();
        let p = match source {
            Source::Odoo => obs.odoo_period,
            Source::Traefik => obs.traefik_period,
        }
        .expect("a source with requests has a period");
        let name = match source {
            Source::Odoo => "Odoo",
            Source::Traefik => "Traefik",
        };
        let weekly = weekly::fit(c.hourly(), p).ok_or_else(|| short(p, name))?;
        classes.push(calibrate_class(
            c,
            source,
            p,
            weekly,
            obs.odoo_period,
            obs.traefik_period,
        ));
    }
    let all = all_classes(&classes, period).ok_or_else(|| short(period, "logged"))?;
    let estate = size_estate(&classes, estate);
    Ok(Calibration {
        files: paths.to_vec(),
        read,
        classes,
        empty_classes,
        unmatched: obs.unmatched,
        unmatched_paths: obs.unmatched_paths,
        dropped: obs.dropped,
        period,
        all,
        estate,
        rules_origin: rules_origin.to_owned(),
    })
}

fn calibrate_class(
    obs: ClassObs,
    source: Source,
    period: Period,
    weekly: Weekly,
    odoo: Option<Period>,
    traefik: Option<Period>,
) -> ClassCalibration {
    let (cpu, cpu_from) = match fit::fit_positive(&obs.cpu) {
        Some(f) => (f, CpuFrom::Odoo),
        None => (
            fit::fit_positive(&obs.upstream).unwrap_or_else(|| {
                // Neither Odoo's numbers nor a Traefik duration: a request with no
                // measured work (Odoo ≤ 12 lines alone).
                let mut p = fit::Positive::default();
                p.add(0.0, 0.0);
                fit::fit_positive(&p).expect("one value")
            }),
            CpuFrom::TraefikUpstream,
        ),
    };
    let queries = match cpu_from {
        CpuFrom::Odoo => fit::fit_counts(&obs.queries),
        CpuFrom::TraefikUpstream => None,
    };
    let per_query = obs.per_query.fit();
    let backlog_wait_s = Period::overlap(odoo, traefik).and_then(|_| {
        if obs.without_perf > 0 {
            return None;
        }
        let both: Vec<_> = obs
            .hours
            .values()
            .filter(|h| h.odoo > 0 && h.traefik > 0)
            .collect();
        let (n_o, s_o, n_t, s_t) = both.iter().fold((0u64, 0.0, 0u64, 0.0), |a, h| {
            (
                a.0 + h.odoo,
                a.1 + h.odoo_s,
                a.2 + h.traefik,
                a.3 + h.traefik_s,
            )
        });
        (n_o > 0 && n_t > 0).then(|| (s_t / n_t as f64 - s_o / n_o as f64, n_o))
    });
    ClassCalibration {
        obs,
        source,
        period,
        weekly,
        cpu,
        cpu_from,
        queries,
        per_query,
        backlog_wait_s,
    }
}

/// The baseline of every class together (the scenario's `calendar.weekly`).
fn all_classes(classes: &[ClassCalibration], period: Period) -> Option<Weekly> {
    let mut hours: std::collections::BTreeMap<i64, u64> = Default::default();
    for c in classes {
        for (h, n) in c.obs.hourly() {
            *hours.entry(h).or_default() += n;
        }
    }
    weekly::fit(hours.into_iter(), period)
}

/// Fewest servers (at least 2) with which an arrival waits with probability ≤ 1 %
/// (Erlang C) under `load` erlangs.
fn servers_for(load: f64) -> u32 {
    (2..10_000)
        .find(|&c| erlang_c(c, load).is_ok_and(|p| p <= 0.01))
        .unwrap_or(10_000)
}

/// The estate of the written scenario. What the user gave is kept; the rest is sized
/// from the busiest logged hour so that it hardly queues: workers and PostgreSQL cores
/// are each the fewest (at least 2) with which a request waits with probability ≤ 1 %
/// (Erlang C) under the busiest hour's offered load — the hour's requests times their
/// mean work, summed over the classes. A starting point to replace with the real estate,
/// not a measurement.
pub fn size_estate(classes: &[ClassCalibration], choice: EstateChoice) -> Estate {
    let mut per_hour: std::collections::BTreeMap<i64, (f64, f64)> = Default::default();
    for c in classes {
        let (w, d) = (c.mean_work_s(), c.mean_db_s());
        for (h, n) in c.obs.hourly() {
            let e = per_hour.entry(h).or_default();
            e.0 += n as f64 * w / 3600.0;
            e.1 += n as f64 * d / 3600.0;
        }
    }
    let worker_load = per_hour.values().map(|v| v.0).fold(0.0, f64::max);
    let db_load = per_hour.values().map(|v| v.1).fold(0.0, f64::max);
    let pods = choice.pods.unwrap_or(1).max(1);
    let workers = choice
        .workers
        .unwrap_or_else(|| servers_for(worker_load).div_ceil(pods));
    let db_cores = choice.db_cores.unwrap_or_else(|| servers_for(db_load));
    Estate {
        pods,
        workers,
        db_cores,
        workers_given: choice.workers.is_some(),
        db_cores_given: choice.db_cores.is_some(),
        worker_load,
        db_load,
    }
}

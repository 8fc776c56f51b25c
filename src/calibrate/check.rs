//! `peakplan calibrate --check SCENARIO LOGS…`: the scenario's simulated p50, p95 and
//! throughput per class beside the logs' own, with the differences.
//!
//! The log's side of a class: Traefik's durations when Traefik saw the class (they
//! include the wait in the listen backlog, as the simulated latency does), else Odoo's
//! (query time + remaining time); throughput is the requests answered (status below 500,
//! by an upstream) per second of that source's period. The simulation is run by the
//! caller through [`crate::run`]; this file only compares.

use super::civil::NS;
use super::estimate::{ClassObs, Observations, Period};
use super::record::Source;
use super::write::{duration, sig};
use crate::result::SimulationResult;
use crate::stats::Estimate;
use std::fmt::Write as _;

/// One class compared.
#[derive(Clone, Debug)]
pub struct Row {
    pub class: String,
    pub source: Source,
    pub log_p50_s: Option<f64>,
    pub log_p95_s: Option<f64>,
    pub log_throughput_per_s: f64,
    /// `None` when the scenario has no class of that name.
    pub sim: Option<SimSide>,
}

#[derive(Clone, Debug)]
pub struct SimSide {
    pub p50_s: Option<Estimate>,
    pub p95_s: Option<Estimate>,
    pub throughput_per_s: Estimate,
}

/// (sim − log) / log.
fn diff(log: Option<f64>, sim: Option<f64>) -> Option<f64> {
    match (log, sim) {
        (Some(l), Some(s)) if l > 0.0 => Some((s - l) / l),
        _ => None,
    }
}

impl Row {
    pub fn p50_diff(&self) -> Option<f64> {
        diff(self.log_p50_s, self.sim.as_ref()?.p50_s.map(|e| e.mean))
    }
    pub fn p95_diff(&self) -> Option<f64> {
        diff(self.log_p95_s, self.sim.as_ref()?.p95_s.map(|e| e.mean))
    }
    pub fn throughput_diff(&self) -> Option<f64> {
        diff(
            Some(self.log_throughput_per_s),
            self.sim.as_ref().map(|s| s.throughput_per_s.mean),
        )
    }
    /// p95 and throughput both within `tolerance` (a fraction).
    pub fn within(&self, tolerance: f64) -> bool {
        [self.p95_diff(), self.throughput_diff()]
            .iter()
            .all(|d| d.is_some_and(|d| d.abs() <= tolerance))
    }
}

fn log_side(
    c: &ClassObs,
    odoo: Option<Period>,
    traefik: Option<Period>,
) -> (Source, Option<f64>, Option<f64>, f64) {
    let source = c.arrivals_source();
    let (seen, period) = match source {
        Source::Traefik => (&c.traefik, traefik),
        Source::Odoo => (&c.odoo, odoo),
    };
    let q = |p: f64| seen.latency.quantile(p).map(|ns| ns / NS as f64);
    let seconds = period.map_or(0.0, |p| p.seconds());
    let throughput = if seconds > 0.0 {
        seen.answered as f64 / seconds
    } else {
        0.0
    };
    (source, q(0.5), q(0.95), throughput)
}

/// Compares every class the logs hold with the simulated result.
pub fn compare(result: &SimulationResult, obs: &Observations) -> Vec<Row> {
    obs.classes
        .iter()
        .filter(|c| c.arrivals() > 0)
        .map(|c| {
            let (source, p50, p95, tput) = log_side(c, obs.odoo_period, obs.traefik_period);
            let sim = result
                .classes
                .iter()
                .find(|k| k.name == c.name)
                .map(|k| SimSide {
                    p50_s: k.latency_s_p50,
                    p95_s: k.latency_s_p95,
                    throughput_per_s: k.throughput_per_s,
                });
            Row {
                class: c.name.clone(),
                source,
                log_p50_s: p50,
                log_p95_s: p95,
                log_throughput_per_s: tput,
                sim,
            }
        })
        .collect()
}

fn pct(d: Option<f64>) -> String {
    d.map_or("–".into(), |d| format!("{:+.1} %", d * 100.0))
}

fn est(e: Option<Estimate>, unit: &dyn Fn(f64) -> String) -> String {
    match e {
        None => "–".into(),
        Some(e) => match e.ci95_half_width {
            Some(h) => format!("{} ± {}", unit(e.mean), unit(h)),
            None => unit(e.mean),
        },
    }
}

/// The table, and whether every class is within `tolerance`.
pub fn table(rows: &[Row], tolerance: f64) -> (String, bool) {
    let mut s = String::from(
        "class        log from  p50 log    p50 sim              diff      p95 log    p95 sim              diff      throughput log  sim                  diff      within\n",
    );
    let mut all = true;
    let d = |x: f64| duration(x);
    let rate = |x: f64| format!("{}/s", sig(x, 4));
    for r in rows {
        let ok = r.within(tolerance);
        all &= ok;
        let sim = r.sim.as_ref();
        let _ = writeln!(
            s,
            "{:<12} {:<9} {:<10} {:<20} {:<9} {:<10} {:<20} {:<9} {:<15} {:<20} {:<9} {}",
            r.class,
            match r.source {
                Source::Odoo => "Odoo",
                Source::Traefik => "Traefik",
            },
            r.log_p50_s.map_or("–".into(), d),
            sim.map_or("not in the scenario".into(), |s| est(s.p50_s, &d)),
            pct(r.p50_diff()),
            r.log_p95_s.map_or("–".into(), d),
            sim.map_or("–".into(), |s| est(s.p95_s, &d)),
            pct(r.p95_diff()),
            rate(r.log_throughput_per_s),
            sim.map_or("–".into(), |s| est(Some(s.throughput_per_s), &rate)),
            pct(r.throughput_diff()),
            if ok { "yes" } else { "NO" }
        );
    }
    let _ = writeln!(
        s,
        "\n{}: p95 and throughput within {} % of the logs' for every class; sim ± the 95 % half-width over the replications",
        if all { "ok" } else { "differs" },
        sig(tolerance * 100.0, 3)
    );
    (s, all)
}

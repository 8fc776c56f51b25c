//! The pods' CPU limit against queueing theory (docs/validation.md, cases 16 and 17),
//! in the scenario language: one class, a constant Poisson rate, one pod whose Odoo
//! workers share `cpu` cores (`estate.odoo.cpu`), no database time.
//!
//! - Case 16, M/M/c from w > c workers on c cores. With n requests in the pod, min(n, w)
//!   are on workers and share the c cores at min(1, c/min(n, w)) each, so work is done at
//!   min(n, w, c) = min(n, c) cores (w ≥ c); the rest wait for a worker in the backlog.
//!   With exponential demand the number in the pod is then the birth–death process of
//!   M/M/c — death rate min(n, c)·μ for every n, whoever holds the cores — so its mean
//!   number, and by Little's law its mean response time, are M/M/c's. (The waiting time
//!   of a single request is not: the order of service differs.) The backlog is large
//!   enough never to refuse.
//! - Case 17, M/G/1 processor sharing from many workers on one core: with 50 workers at
//!   ρ = 0.6 all but a ρ^51 ≈ 5·10⁻¹² share of the time every request is on a worker, so
//!   the core is shared by all of them, and the mean sojourn is E[S]/(1 − ρ) whatever the
//!   demand's distribution (insensitivity): deterministic, and lognormal with cv 2.

use super::queues::{Metric, QueueCase};
use crate::analytic;

/// A one-class scenario on one pod of `workers` workers sharing `cpu` cores.
fn pod_yaml(
    name: &str,
    rate_per_s: f64,
    odoo_cpu: &str,
    workers: u32,
    cpu: &str,
    horizon_s: f64,
) -> String {
    format!(
        "version: 1\nname: {name}\nhorizon:\n  start: 2026-01-05T00:00\n  duration: {h}s\n  warmup: {w}s\n\
         stats:\n  fine_bucket: {fb}s\n  coarse_bucket: {fb}s\n\
         workloads:\n  q:\n    rate: {rate_per_s}/s\n    odoo_cpu: {odoo_cpu}\n\
         estate:\n  odoo:\n    workers: {workers}\n    cpu: {cpu}\n    listen_backlog: 1000000\n    somaxconn: 1000000\n    \
         max_cron_threads: 0\n    evented_worker: false\n    limit_time_real: unlimited\n    limit_time_cpu: unlimited\n    \
         limit_request: 100000000\n  postgres:\n    cores: 1\n    max_connections: 20000\n",
        h = horizon_s,
        w = horizon_s / 10.0,
        fb = (horizon_s / 100.0).ceil(),
    )
}

/// Horizon giving about `customers` arrivals.
fn horizon(rate_per_s: f64, customers: f64) -> f64 {
    (customers / rate_per_s).round()
}

/// Cases 16 and 17. `scale` multiplies run lengths (1.0 = the validation).
pub fn cases(scale: f64) -> Vec<QueueCase> {
    let n = |x: f64| x * scale;
    let mut v = Vec::new();
    // Case 16: 5 workers on 2 cores, exponential demand of 100 ms, ρ = 14 / (2 × 10) = 0.7.
    let (lam, mu, cores, workers) = (14.0, 10.0, 2, 5);
    let m = analytic::mmc(lam, mu, cores).expect("stable case");
    v.push(QueueCase {
        id: "16",
        label: format!("M/M/{cores} as {workers} workers on {cores} cores λ={lam} μ={mu}"),
        yaml: pod_yaml(
            "case-16",
            lam,
            &format!("{{dist: exponential, mean: {}s}}", 1.0 / mu),
            workers,
            &cores.to_string(),
            horizon(lam, n(4e5)),
        ),
        replications: 20,
        exact: vec![
            (Metric::W, m.response_mean_s),
            (Metric::L, m.system_length_mean),
        ],
    });
    // Case 17: 50 workers on one core, E[S] = 100 ms, ρ = 0.6.
    let (lam, mean_s) = (6.0, 0.1);
    let ps = analytic::processor_sharing_response_mean_s(lam, mean_s).expect("stable");
    for (what, dist, customers) in [
        (
            "deterministic",
            format!("{{dist: constant, value: {mean_s}s}}"),
            4e5,
        ),
        (
            "lognormal cv 2",
            format!("{{dist: lognormal, mean: {mean_s}s, cv: 2}}"),
            6e5,
        ),
    ] {
        v.push(QueueCase {
            id: "17",
            label: format!("M/G/1-PS {what}: 50 workers on 1 core λ={lam} E[S]={mean_s}"),
            yaml: pod_yaml("case-17", lam, &dist, 50, "1", horizon(lam, n(customers))),
            replications: 20,
            exact: vec![(Metric::W, ps)],
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_cases_load_and_oversubscribe_their_pod() {
        for c in cases(0.01) {
            let m = crate::scenario::load_str(&c.yaml, "case", Path::new("."))
                .unwrap_or_else(|d| panic!("case {}: {d}", c.id));
            let cores = f64::from(m.odoo.cpu_millicores.expect("a limit")) / 1000.0;
            assert!(f64::from(m.processes_per_pod()) > cores, "case {}", c.id);
        }
    }
}

//! Validation cases 11–13 as data: each network, how long to simulate it, and the exact
//! value of every checked metric, computed by `crate::analytic` (not copied from the
//! rounded figures in `docs/validation.md`). Tests and the table generator read this one
//! table, so a case is described in exactly one place.
//!
//! Half-width target: 3 % of the exact value for every metric; run lengths below were
//! sized (and measured) to meet it with 10 replications — the widest is case 11's R1 at
//! about 1.5 %. Warm-up: the first 5 % of each replication's horizon is discarded.
//!
//! Multiplicity, stated plainly: each case checks 10–12 metrics at 95 % each, so even a
//! perfect simulator misses one of them for some seeds. A sweep over master seeds 1..=20
//! (`seed_sweep`, ignored) missed 8.8 %, 7.5 % and 8.3 % of the coverage checks of cases
//! 11, 12 and 13, clustered by seed (one low arrival stream moves every metric of case 11
//! together); about half of the seeds pass a whole case. The seeds below are the case
//! numbers, fixed before the first run, not chosen to pass.

use super::network::{Network, NetworkEstimates, Population, RunLength, Station, Think};
use crate::analytic::{OpenStation, jackson, mva_single_server};
use crate::stats::Estimate;

/// Largest accepted 95 % half-width, relative to the exact value.
pub const HALF_WIDTH_REL_MAX: f64 = 0.03;

/// A checked metric. Station numbers are 0-based here and printed 1-based, as in
/// `validation.md` (X1 is station 0); X0 is the system throughput.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    SystemThroughput,
    Throughput(usize),
    Utilisation(usize),
    Response(usize),
}

impl Metric {
    /// The name used in `validation.md`: X0, X1, U2, R3, …
    pub fn label(self) -> String {
        match self {
            Metric::SystemThroughput => "X0".into(),
            Metric::Throughput(k) => format!("X{}", k + 1),
            Metric::Utilisation(k) => format!("U{}", k + 1),
            Metric::Response(k) => format!("R{}", k + 1),
        }
    }

    /// The simulated estimate of this metric (`None` if the station does not exist or
    /// some replication had no completed visit).
    pub fn estimate(self, est: &NetworkEstimates) -> Option<Estimate> {
        match self {
            Metric::SystemThroughput => Some(est.system_throughput_per_s),
            Metric::Throughput(k) => est.stations.get(k).map(|s| s.throughput_per_s),
            Metric::Utilisation(k) => est.stations.get(k).map(|s| s.utilisation),
            Metric::Response(k) => est.stations.get(k).and_then(|s| s.response_per_visit_s),
        }
    }
}

/// A metric and its exact value.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub metric: Metric,
    pub exact: f64,
}

/// One validation case.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkCase {
    /// "case 11: open Jackson, 4 stations", …
    pub name: &'static str,
    pub network: Network,
    pub run: RunLength,
    pub expected: Vec<Expected>,
}

/// Cases 11, 12 and 13 of `validation.md`.
pub fn cases() -> Vec<NetworkCase> {
    vec![case_11(), case_12(), case_13()]
}

fn single_servers(service_times_s: &[f64]) -> Vec<Station> {
    service_times_s
        .iter()
        .map(|&s| Station {
            service_time_s: s,
            servers: 1,
        })
        .collect()
}

/// X, U and R of every station, from per-station (X, U, R) triples.
fn per_station(exact: impl IntoIterator<Item = (f64, f64, f64)>) -> Vec<Expected> {
    exact
        .into_iter()
        .enumerate()
        .flat_map(|(k, (x, u, r))| {
            [
                (Metric::Throughput(k), x),
                (Metric::Utilisation(k), u),
                (Metric::Response(k), r),
            ]
        })
        .map(|(metric, exact)| Expected { metric, exact })
        .collect()
}

/// Bolch et al. Example 7.4: four single servers, external arrivals at station 4 only.
fn case_11() -> NetworkCase {
    let service_times_s = [0.04, 0.03, 0.06, 0.05];
    let routing = vec![
        vec![0.0, 0.5, 0.5, 0.0],
        vec![1.0, 0.0, 0.0, 0.0],
        vec![0.6, 0.0, 0.0, 0.0],
        vec![1.0, 0.0, 0.0, 0.0],
    ];
    let external = vec![0.0, 0.0, 0.0, 4.0];
    let open: Vec<OpenStation> = service_times_s
        .iter()
        .map(|&s| OpenStation {
            service_time_s: s,
            servers: 1,
        })
        .collect();
    let exact = jackson(&open, &routing, &external).expect("case 11 is a stable network");
    NetworkCase {
        name: "case 11: open Jackson, 4 stations",
        network: Network {
            stations: single_servers(&service_times_s),
            routing,
            population: Population::Open {
                external_arrival_rates_per_s: external,
            },
        },
        run: RunLength::new(20_000.0, 0.05, 10, 11),
        expected: per_station(
            exact
                .stations
                .iter()
                .map(|s| (s.throughput_per_s, s.utilisation, s.response_per_visit_s)),
        ),
    }
}

/// Jain's central server: terminals (Z = 4, N = 20) → CPU → {disk A 10/16, disk B 5/16,
/// terminals 1/16}; disks → CPU. Visit ratios per think cycle: CPU 16, A 10, B 5.
fn case_12() -> NetworkCase {
    let service_times_s = [0.125, 0.3, 0.2];
    let visit_ratios = [16.0, 10.0, 5.0];
    let exact = mva_single_server(&service_times_s, &visit_ratios, 4.0, 20).expect("case 12");
    let mut expected = vec![Expected {
        metric: Metric::SystemThroughput,
        exact: exact.throughput_per_s,
    }];
    expected.extend(per_station(
        exact
            .stations
            .iter()
            .map(|s| (s.throughput_per_s, s.utilisation, s.response_per_visit_s)),
    ));
    NetworkCase {
        name: "case 12: closed MVA, central server with terminals",
        network: Network {
            stations: single_servers(&service_times_s),
            routing: vec![
                vec![0.0, 10.0 / 16.0, 5.0 / 16.0],
                vec![1.0, 0.0, 0.0],
                vec![1.0, 0.0, 0.0],
            ],
            population: Population::Closed {
                customers: 20,
                think: Some(Think {
                    think_time_s: 4.0,
                    entry_station: 0,
                }),
            },
        },
        run: RunLength::new(40_000.0, 0.05, 10, 12),
        expected,
    }
}

/// Bolch et al. Example 8.3: N = 6, no think time; CPU → {CPU .3 (a new visit at the
/// tail of its queue), disk 2 .4, disk 3 .2, disk 4 .1}; disks → CPU. X is counted at
/// the CPU (V = 1), so X0 = X1 and only per-station X, U, R are checked.
fn case_13() -> NetworkCase {
    let service_times_s = [0.02, 0.2, 0.4, 0.6];
    let visit_ratios = [1.0, 0.4, 0.2, 0.1];
    let exact = mva_single_server(&service_times_s, &visit_ratios, 0.0, 6).expect("case 13");
    NetworkCase {
        name: "case 13: closed MVA, 4 queues, no think time",
        network: Network {
            stations: single_servers(&service_times_s),
            routing: vec![
                vec![0.3, 0.4, 0.2, 0.1],
                vec![1.0, 0.0, 0.0, 0.0],
                vec![1.0, 0.0, 0.0, 0.0],
                vec![1.0, 0.0, 0.0, 0.0],
            ],
            population: Population::Closed {
                customers: 6,
                think: None,
            },
        },
        run: RunLength::new(20_000.0, 0.05, 10, 13),
        expected: per_station(
            exact
                .stations
                .iter()
                .map(|s| (s.throughput_per_s, s.utilisation, s.response_per_visit_s)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::network::replicate;
    use std::time::Instant;

    /// Runs one case and returns every failed check, each naming the case and the seed.
    fn check(case: &NetworkCase) -> Vec<String> {
        let seed = case.run.seed;
        let est = match replicate(&case.network, &case.run) {
            Ok(e) => e,
            Err(e) => return vec![format!("{} (seed {seed}): {e}", case.name)],
        };
        let mut failures = Vec::new();
        for exp in &case.expected {
            let label = exp.metric.label();
            let Some(e) = exp.metric.estimate(&est) else {
                failures.push(format!("{} {label} (seed {seed}): no estimate", case.name));
                continue;
            };
            let half = e.ci95_half_width.unwrap_or(f64::INFINITY);
            if !e.covers(exp.exact) {
                failures.push(format!(
                    "{} {label} (seed {seed}): exact {:.6} outside {:.6} ± {half:.6}",
                    case.name, exp.exact, e.mean
                ));
            }
            if half > HALF_WIDTH_REL_MAX * exp.exact.abs() {
                failures.push(format!(
                    "{} {label} (seed {seed}): half-width {half:.6} is {:.2} % of {:.6} > {} %",
                    case.name,
                    100.0 * half / exp.exact,
                    exp.exact,
                    100.0 * HALF_WIDTH_REL_MAX
                ));
            }
        }
        failures.extend(littles_law(case, &est));
        failures
    }

    /// L = X·R per station and replication, on the simulator's own outputs. Only the
    /// visits straddling the window edges differ, so 1 % is generous.
    fn littles_law(case: &NetworkCase, est: &NetworkEstimates) -> Vec<String> {
        let mut failures = Vec::new();
        for (r, rep) in est.replications.iter().enumerate() {
            for (k, st) in rep.stations.iter().enumerate() {
                let xr = st.throughput_per_s * st.response_per_visit_s.unwrap_or(0.0);
                if (st.number_mean - xr).abs() > 0.01 * st.number_mean.max(1e-9) {
                    failures.push(format!(
                        "{} station {} replication {r} (seed {}): L = {:.6} but X·R = {xr:.6}",
                        case.name,
                        k + 1,
                        case.run.seed,
                        st.number_mean
                    ));
                }
            }
        }
        failures
    }

    fn check_case(index: usize) {
        let case = &cases()[index];
        let started = Instant::now();
        let failures = check(case);
        eprintln!("{}: {:.2?}", case.name, started.elapsed());
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn case_11_open_jackson_matches_theory() {
        check_case(0);
    }

    #[test]
    fn case_12_closed_with_terminals_matches_mva() {
        check_case(1);
    }

    #[test]
    fn case_13_closed_without_think_matches_mva() {
        check_case(2);
    }

    /// The visit ratios handed to MVA must be the ones the routing produces: with a think
    /// station V = e_entry + V·P, without one V = V·P (V_1 = 1).
    #[test]
    fn visit_ratios_match_the_routing() {
        for (case, v) in [
            (&cases()[1], [16.0, 10.0, 5.0].as_slice()),
            (&cases()[2], [1.0, 0.4, 0.2, 0.1].as_slice()),
        ] {
            let p = &case.network.routing;
            let think_entry = match &case.network.population {
                Population::Closed { think, .. } => think.as_ref().map(|t| t.entry_station),
                Population::Open { .. } => unreachable!("closed cases only"),
            };
            for j in 0..v.len() {
                let inflow: f64 = (0..v.len()).map(|i| v[i] * p[i][j]).sum::<f64>()
                    + if think_entry == Some(j) { 1.0 } else { 0.0 };
                assert!((inflow - v[j]).abs() < 1e-12, "{} V{}", case.name, j + 1);
            }
        }
    }

    /// Prints `case | metric | exact | simulated ± CI` with run times:
    /// `cargo test --release print_network_table -- --ignored --nocapture`.
    /// Seed sensitivity: how many checks fail over master seeds 1..=20 (expect ≈ 5 % of
    /// the coverage checks by design). `-- --ignored --nocapture seed_sweep`.
    #[test]
    #[ignore = "report, not a check"]
    fn seed_sweep() {
        for mut case in cases() {
            let mut total = 0;
            for seed in 1..=20 {
                case.run.seed = seed;
                let f = check(&case);
                for line in &f {
                    println!("{line}");
                }
                total += f.len();
            }
            println!(
                "{}: {total} failed checks over 20 seeds × {} metrics",
                case.name,
                case.expected.len()
            );
        }
    }

    #[test]
    #[ignore = "report, not a check"]
    fn print_network_table() {
        for case in cases() {
            let started = Instant::now();
            let est = replicate(&case.network, &case.run).expect("case runs");
            let events: u64 = est.replications.iter().map(|r| r.events).sum();
            println!("{} — {:.2?}, {events} events", case.name, started.elapsed());
            for exp in &case.expected {
                let e = exp.metric.estimate(&est).expect("estimate");
                let h = e.ci95_half_width.unwrap_or(f64::NAN);
                println!(
                    "| {} | {:.6} | {:.6} ± {:.6} | {:.2} % | {} |",
                    exp.metric.label(),
                    exp.exact,
                    e.mean,
                    h,
                    100.0 * h / exp.exact,
                    if e.covers(exp.exact) { "ok" } else { "MISS" }
                );
            }
        }
    }
}

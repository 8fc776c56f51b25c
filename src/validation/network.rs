//! A direct engine model of a network of exponential FCFS stations, used only to validate
//! the engine against exact queueing theory (validation cases 11–13: an open Jackson
//! network and two closed MVA networks).
//!
//! Customers move between stations by a routing matrix: after service at station i they go
//! to station j with probability `routing[i][j]`; whatever row i leaves below 1 is the
//! probability of leaving the network (open) or of going to the think station (closed).
//! The model drives `engine::EventQueue` directly with integer `SimTime`, draws service and
//! routing of station i from stream `station_key(i)`, external arrivals at i from
//! `arrivals_key(i)` and think times from `station_key(stations.len())`, so a run is
//! a pure function of the seed. Statistics are collected over `[warm-up, horizon]`: the
//! first `warmup_fraction` of the horizon is discarded to remove the start-up transient
//! (empty open network; closed customers all starting at one place).
//!
//! The theory cases themselves — networks, run lengths and exact values from
//! `crate::analytic` — live in `network_cases.rs`, one table for tests and reports.

use crate::engine::{EventQueue, Key, Rng, replication_seed, stream};
use crate::model::SimTime;
use crate::stats::Estimate;

/// Station `i`'s service and routing stream (numbered: a network has no names; the
/// numbers are those the cases in docs/validation.md were first run with).
fn station_key(i: usize) -> Key {
    Key::numbered((3 << 32) | i as u64)
}

/// External arrivals at station `i`.
fn arrivals_key(i: usize) -> Key {
    Key::numbered((1 << 32) | i as u64)
}
use rand::RngExt;
use rand_distr::{Distribution, Exp1};
use rayon::prelude::*;
use std::collections::VecDeque;

/// Routing rows may be typed as decimals (.3 + .4 + .2 + .1); sums this close to 1 are 1.
const ROW_SUM_SLACK: f64 = 1e-9;
/// Bounds on what a network may ask for, so a typo fails fast instead of exhausting memory.
const STATIONS_MAX: usize = 1_000;
const SERVERS_MAX: u32 = 100_000;
const POPULATION_MAX: u32 = 1_000_000;
const REPLICATIONS_MAX: u32 = 10_000;

/// One exponential FCFS station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Mean service time per visit.
    pub service_time_s: f64,
    /// Identical servers sharing one FCFS queue.
    pub servers: u32,
}

/// The think (terminal) station of a closed network: an infinite-server delay.
#[derive(Debug, Clone, PartialEq)]
pub struct Think {
    /// Z: mean think time.
    pub think_time_s: f64,
    /// The station every customer goes to after thinking.
    pub entry_station: usize,
}

/// Where customers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Population {
    /// Poisson arrivals from outside at each station; routing-row remainders leave.
    Open {
        external_arrival_rates_per_s: Vec<f64>,
    },
    /// N customers forever. With a think station, routing-row remainders go to it;
    /// without, every routing row must sum to 1. All customers start thinking, or
    /// queued at station 0 when there is no think station.
    Closed {
        customers: u32,
        think: Option<Think>,
    },
}

/// A network of exponential FCFS stations with Markov routing.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub stations: Vec<Station>,
    /// `routing[i][j]`: probability of going to station j after service at station i.
    pub routing: Vec<Vec<f64>>,
    pub population: Population,
}

/// How long and how often to simulate, and the limits that stop a runaway run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLength {
    /// Simulated time per replication, warm-up included.
    pub horizon_s: f64,
    /// Fraction of the horizon discarded before statistics start, in [0, 1).
    pub warmup_fraction: f64,
    pub replications: u32,
    /// Master seed; replication r uses `engine::replication_seed(seed, r)`.
    pub seed: u64,
    /// A replication processing more events than this fails with an error.
    pub events_max_per_replication: u64,
    /// A station whose waiting line would exceed this fails the replication.
    pub waiting_max_per_station: usize,
}

impl RunLength {
    /// A run with generous default limits (10⁹ events, 10⁶ waiting per station).
    pub fn new(horizon_s: f64, warmup_fraction: f64, replications: u32, seed: u64) -> Self {
        RunLength {
            horizon_s,
            warmup_fraction,
            replications,
            seed,
            events_max_per_replication: 1_000_000_000,
            waiting_max_per_station: 1_000_000,
        }
    }
}

/// One station's figures from one replication, over the window after warm-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StationSample {
    /// Service completions per second.
    pub throughput_per_s: f64,
    /// Time-average busy servers divided by the number of servers.
    pub utilisation: f64,
    /// Mean time from joining the queue to leaving, over visits that left in the window;
    /// `None` when none did.
    pub response_per_visit_s: Option<f64>,
    /// Time-average number of customers at the station (waiting + in service).
    pub number_mean: f64,
}

/// One replication's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationSample {
    pub stations: Vec<StationSample>,
    /// X0: think completions per second, or station 0 completions per second when there is
    /// no think station (closed), or external arrivals per second (open).
    pub system_throughput_per_s: f64,
    /// Events processed, warm-up included.
    pub events: u64,
}

/// A station's estimates across replications (mean and 95 % CI).
#[derive(Debug, Clone, PartialEq)]
pub struct StationEstimates {
    pub throughput_per_s: Estimate,
    pub utilisation: Estimate,
    /// `None` when some replication saw no completed visit.
    pub response_per_visit_s: Option<Estimate>,
    pub number_mean: Estimate,
}

/// The network's estimates across replications, plus the raw replications (index order).
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEstimates {
    pub stations: Vec<StationEstimates>,
    pub system_throughput_per_s: Estimate,
    pub replications: Vec<ReplicationSample>,
}

/// Runs `run.replications` independent replications (in parallel; gathered in index order,
/// so the result is the same on any number of threads) and estimates every metric.
pub fn replicate(net: &Network, run: &RunLength) -> Result<NetworkEstimates, String> {
    validate(net, run)?;
    if run.replications == 0 {
        return Err("replications must be at least 1".into());
    }
    let reps: Vec<ReplicationSample> = (0..run.replications)
        .into_par_iter()
        .map(|r| {
            let seed = replication_seed(run.seed, r);
            simulate_validated(net, run, seed)
                .map_err(|e| format!("replication {r} (master seed {}): {e}", run.seed))
        })
        .collect::<Result<_, _>>()?;
    let per = |f: &dyn Fn(&ReplicationSample) -> f64| Estimate::from_f64s(reps.iter().map(f));
    let stations = (0..net.stations.len())
        .map(|k| StationEstimates {
            throughput_per_s: per(&|r| r.stations[k].throughput_per_s),
            utilisation: per(&|r| r.stations[k].utilisation),
            response_per_visit_s: Estimate::from_values(
                reps.iter().map(|r| r.stations[k].response_per_visit_s),
            ),
            number_mean: per(&|r| r.stations[k].number_mean),
        })
        .collect();
    Ok(NetworkEstimates {
        stations,
        system_throughput_per_s: per(&|r| r.system_throughput_per_s),
        replications: reps,
    })
}

/// One replication with the given replication seed.
pub fn simulate(net: &Network, run: &RunLength, seed: u64) -> Result<ReplicationSample, String> {
    validate(net, run)?;
    simulate_validated(net, run, seed)
}

/// Checks the network and run; all problems are reported, not only the first.
pub fn validate(net: &Network, run: &RunLength) -> Result<(), String> {
    let n = net.stations.len();
    let mut errs = Vec::new();
    if n == 0 || n > STATIONS_MAX {
        errs.push(format!("stations: need 1..={STATIONS_MAX}, got {n}"));
    }
    for (k, st) in net.stations.iter().enumerate() {
        if !(st.service_time_s.is_finite() && st.service_time_s > 0.0) {
            errs.push(format!("station {k}: service time must be finite and > 0"));
        }
        if st.servers == 0 || st.servers > SERVERS_MAX {
            errs.push(format!("station {k}: servers must be in 1..={SERVERS_MAX}"));
        }
    }
    if net.routing.len() != n || net.routing.iter().any(|r| r.len() != n) {
        errs.push(format!("routing must be {n}×{n}"));
    }
    let closed_without_think = matches!(net.population, Population::Closed { think: None, .. });
    for (i, row) in net.routing.iter().enumerate() {
        if row.iter().any(|p| !(p.is_finite() && *p >= 0.0)) {
            errs.push(format!(
                "routing row {i}: probabilities must be finite and >= 0"
            ));
        }
        let sum: f64 = row.iter().sum();
        if sum > 1.0 + ROW_SUM_SLACK {
            errs.push(format!("routing row {i} sums to {sum} > 1"));
        } else if closed_without_think && sum < 1.0 - ROW_SUM_SLACK {
            errs.push(format!(
                "routing row {i} sums to {sum} < 1, but a closed network without a think \
                 station has nowhere else to go (hint: add a think station)"
            ));
        }
    }
    match &net.population {
        Population::Open {
            external_arrival_rates_per_s: rates,
        } => {
            if rates.len() != n {
                errs.push(format!("{n} stations need {n} external arrival rates"));
            }
            if rates.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
                errs.push("external arrival rates must be finite and >= 0".into());
            }
        }
        Population::Closed { customers, think } => {
            if *customers == 0 || *customers > POPULATION_MAX {
                errs.push(format!("customers must be in 1..={POPULATION_MAX}"));
            }
            if let Some(t) = think {
                if !(t.think_time_s.is_finite() && t.think_time_s > 0.0) {
                    errs.push("think time must be finite and > 0 (hint: omit it for 0)".into());
                }
                if t.entry_station >= n {
                    errs.push(format!(
                        "think entry station {} does not exist",
                        t.entry_station
                    ));
                }
            }
        }
    }
    if !(run.horizon_s.is_finite() && run.horizon_s > 0.0 && run.horizon_s < 1e9) {
        errs.push("horizon must be in (0, 1e9) seconds".into());
    }
    if !(0.0..1.0).contains(&run.warmup_fraction) {
        errs.push("warm-up fraction must be in [0, 1)".into());
    }
    if run.replications > REPLICATIONS_MAX {
        errs.push(format!("replications must be at most {REPLICATIONS_MAX}"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// Pending events. A departure carries the time its customer joined the station, so
/// response per visit needs no customer identity.
#[derive(Debug, Clone, Copy)]
enum Event {
    ExternalArrival { station: u32 },
    ServiceDone { station: u32, joined: SimTime },
    ThinkDone,
}

/// Running state and window accumulators of one station.
struct StationState {
    waiting: VecDeque<SimTime>,
    busy: u32,
    present: u32,
    last_change: SimTime,
    busy_area_s: f64,
    present_area_s: f64,
    completions: u64,
    response_sum_s: f64,
    rng: Rng,
    /// Cumulative routing row; the index of the first entry above u is the next station.
    routing_cumulative: Vec<f64>,
}

impl StationState {
    /// Integrates busy servers and customers present up to `now`, over the window only.
    fn advance(&mut self, now: SimTime, window_start: SimTime) {
        let from = self.last_change.max(window_start);
        if now > from {
            let dt_s = (now - from).as_secs_f64();
            self.busy_area_s += dt_s * f64::from(self.busy);
            self.present_area_s += dt_s * f64::from(self.present);
        }
        self.last_change = now;
    }
}

struct Sim<'a> {
    net: &'a Network,
    run: &'a RunLength,
    queue: EventQueue<Event>,
    stations: Vec<StationState>,
    think_rng: Rng,
    arrival_rngs: Vec<Rng>,
    window_start: SimTime,
    system_completions: u64,
}

fn exp_s(rng: &mut Rng, mean_s: f64) -> SimTime {
    let e: f64 = Exp1.sample(rng);
    SimTime::from_secs_f64(e * mean_s)
}

fn simulate_validated(
    net: &Network,
    run: &RunLength,
    seed: u64,
) -> Result<ReplicationSample, String> {
    let horizon = SimTime::from_secs_f64(run.horizon_s);
    let mut sim = Sim::new(net, run, seed);
    sim.start()?;
    let mut events: u64 = 0;
    while let Some((now, event)) = sim.queue.pop() {
        if now > horizon {
            break;
        }
        events += 1;
        if events > run.events_max_per_replication {
            return Err(format!(
                "more than {} events before {now} (hint: shorten the horizon or raise the limit)",
                run.events_max_per_replication
            ));
        }
        sim.handle(now, event)?;
    }
    Ok(sim.finish(horizon, events))
}

impl<'a> Sim<'a> {
    fn new(net: &'a Network, run: &'a RunLength, seed: u64) -> Self {
        let exit_impossible = matches!(net.population, Population::Closed { think: None, .. });
        let stations = net
            .stations
            .iter()
            .zip(&net.routing)
            .enumerate()
            .map(|(k, (_, row))| StationState {
                waiting: VecDeque::new(),
                busy: 0,
                present: 0,
                last_change: SimTime::ZERO,
                busy_area_s: 0.0,
                present_area_s: 0.0,
                completions: 0,
                response_sum_s: 0.0,
                rng: stream(seed, station_key(k)),
                routing_cumulative: cumulative(row, exit_impossible),
            })
            .collect();
        let n = net.stations.len();
        Sim {
            net,
            run,
            // Pending events never exceed busy servers + thinkers + one arrival per station.
            queue: EventQueue::new(1 << 24),
            stations,
            think_rng: stream(seed, station_key(n)),
            arrival_rngs: (0..n).map(|k| stream(seed, arrivals_key(k))).collect(),
            window_start: SimTime::from_secs_f64(run.horizon_s * run.warmup_fraction),
            system_completions: 0,
        }
    }

    fn start(&mut self) -> Result<(), String> {
        match &self.net.population {
            Population::Open {
                external_arrival_rates_per_s: rates,
            } => {
                for (k, &rate) in rates.iter().enumerate() {
                    if rate > 0.0 {
                        let at = exp_s(&mut self.arrival_rngs[k], 1.0 / rate);
                        self.schedule(at, Event::ExternalArrival { station: k as u32 })?;
                    }
                }
            }
            Population::Closed { customers, think } => {
                for _ in 0..*customers {
                    match think {
                        Some(t) => {
                            let at = exp_s(&mut self.think_rng, t.think_time_s);
                            self.schedule(at, Event::ThinkDone)?;
                        }
                        None => self.arrive(0, SimTime::ZERO)?,
                    }
                }
            }
        }
        Ok(())
    }

    fn schedule(&mut self, at: SimTime, event: Event) -> Result<(), String> {
        self.queue
            .push(at, event)
            .map_err(|full| format!("event queue full ({} events)", full.cap))
    }

    fn handle(&mut self, now: SimTime, event: Event) -> Result<(), String> {
        let counted = now >= self.window_start;
        match event {
            Event::ExternalArrival { station } => {
                let k = station as usize;
                if let Population::Open {
                    external_arrival_rates_per_s: rates,
                } = &self.net.population
                {
                    let next = now + exp_s(&mut self.arrival_rngs[k], 1.0 / rates[k]);
                    self.schedule(next, event)?;
                }
                self.system_completions += u64::from(counted);
                self.arrive(k, now)
            }
            Event::ServiceDone { station, joined } => {
                let k = station as usize;
                self.depart(k, now, joined)?;
                let u: f64 = self.stations[k].rng.random();
                let next = self.stations[k]
                    .routing_cumulative
                    .iter()
                    .position(|&c| u < c);
                match (next, &self.net.population) {
                    (Some(j), _) => self.arrive(j, now),
                    (None, Population::Closed { think: Some(t), .. }) => {
                        let at = now + exp_s(&mut self.think_rng, t.think_time_s);
                        self.schedule(at, Event::ThinkDone)
                    }
                    (None, _) => Ok(()), // leaves an open network
                }
            }
            Event::ThinkDone => {
                self.system_completions += u64::from(counted);
                let Population::Closed { think: Some(t), .. } = &self.net.population else {
                    unreachable!("only a think station schedules ThinkDone")
                };
                self.arrive(t.entry_station, now)
            }
        }
    }

    /// A customer joins station `k`: straight into service if a server is free.
    fn arrive(&mut self, k: usize, now: SimTime) -> Result<(), String> {
        let mean_s = self.net.stations[k].service_time_s;
        let servers = self.net.stations[k].servers;
        let window_start = self.window_start;
        let st = &mut self.stations[k];
        st.advance(now, window_start);
        st.present += 1;
        if st.busy < servers {
            st.busy += 1;
            let done = now + exp_s(&mut st.rng, mean_s);
            let event = Event::ServiceDone {
                station: k as u32,
                joined: now,
            };
            return self.schedule(done, event);
        }
        if st.waiting.len() >= self.run.waiting_max_per_station {
            return Err(format!(
                "station {k}: more than {} customers waiting at {now} (hint: is it overloaded?)",
                self.run.waiting_max_per_station
            ));
        }
        st.waiting.push_back(now);
        Ok(())
    }

    /// A service at station `k` ends: record the visit, start the next waiting customer.
    fn depart(&mut self, k: usize, now: SimTime, joined: SimTime) -> Result<(), String> {
        let mean_s = self.net.stations[k].service_time_s;
        let window_start = self.window_start;
        let st = &mut self.stations[k];
        st.advance(now, window_start);
        st.present -= 1;
        if now >= window_start {
            st.completions += 1;
            st.response_sum_s += (now - joined).as_secs_f64();
        }
        match st.waiting.pop_front() {
            Some(next_joined) => {
                let done = now + exp_s(&mut st.rng, mean_s);
                let event = Event::ServiceDone {
                    station: k as u32,
                    joined: next_joined,
                };
                self.schedule(done, event)
            }
            None => {
                st.busy -= 1;
                Ok(())
            }
        }
    }

    fn finish(mut self, horizon: SimTime, events: u64) -> ReplicationSample {
        let window_s = (horizon - self.window_start).as_secs_f64();
        let stations = self
            .stations
            .iter_mut()
            .zip(&self.net.stations)
            .map(|(st, spec)| {
                st.advance(horizon, self.window_start);
                StationSample {
                    throughput_per_s: st.completions as f64 / window_s,
                    utilisation: st.busy_area_s / (window_s * f64::from(spec.servers)),
                    response_per_visit_s: (st.completions > 0)
                        .then(|| st.response_sum_s / st.completions as f64),
                    number_mean: st.present_area_s / window_s,
                }
            })
            .collect::<Vec<_>>();
        let system_throughput_per_s = match &self.net.population {
            Population::Closed { think: None, .. } => stations[0].throughput_per_s,
            _ => self.system_completions as f64 / window_s,
        };
        ReplicationSample {
            stations,
            system_throughput_per_s,
            events,
        }
    }
}

/// Cumulative routing row. When leaving is impossible (closed, no think station) the last
/// positive entry is made unbounded, so a row that sums to 1 − 1e-16 never "exits".
fn cumulative(row: &[f64], exit_impossible: bool) -> Vec<f64> {
    let mut acc = 0.0;
    let mut cum: Vec<f64> = row
        .iter()
        .map(|p| {
            acc += p;
            acc
        })
        .collect();
    if exit_impossible {
        if let Some(last) = row.iter().rposition(|&p| p > 0.0) {
            cum[last] = f64::INFINITY;
        }
    }
    cum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An M/M/1 queue: one station, arrivals at `rate`, mean service `service_s`.
    fn mm1(rate: f64, service_s: f64) -> Network {
        Network {
            stations: vec![Station {
                service_time_s: service_s,
                servers: 1,
            }],
            routing: vec![vec![0.0]],
            population: Population::Open {
                external_arrival_rates_per_s: vec![rate],
            },
        }
    }

    #[test]
    fn same_seed_same_run_different_seed_different_run() {
        let net = mm1(5.0, 0.125);
        let run = RunLength::new(200.0, 0.1, 4, 7);
        let a = replicate(&net, &run).unwrap();
        let b = replicate(&net, &run).unwrap();
        assert_eq!(a, b, "seed 7");
        let c = replicate(&net, &RunLength { seed: 8, ..run }).unwrap();
        assert_ne!(a.replications, c.replications, "seeds 7 and 8");
        // Replications are gathered in index order: replication r equals a lone run.
        let lone = simulate(
            &net,
            &RunLength::new(200.0, 0.1, 1, 7),
            replication_seed(7, 2),
        );
        assert_eq!(a.replications[2], lone.unwrap(), "seed 7 replication 2");
    }

    #[test]
    fn multi_server_station_counts_busy_servers() {
        // M/M/2 with λ = 9, μ = 5: U = 0.9, W = 1.053 (validation case 3).
        let mut net = mm1(9.0, 0.2);
        net.stations[0].servers = 2;
        let run = RunLength::new(20_000.0, 0.05, 10, 3);
        let est = replicate(&net, &run).unwrap();
        let st = &est.stations[0];
        assert!(st.utilisation.covers(0.9), "seed 3: U {:?}", st.utilisation);
        let r = st.response_per_visit_s.unwrap();
        assert!((r.mean - 1.0526).abs() < 0.05, "seed 3: W {r:?}");
    }

    #[test]
    fn event_budget_is_an_error_not_a_hang() {
        let run = RunLength {
            events_max_per_replication: 1_000,
            ..RunLength::new(1e6, 0.0, 1, 1)
        };
        let err = replicate(&mm1(5.0, 0.1), &run).unwrap_err();
        assert!(err.contains("more than 1000 events"), "{err}");
        assert!(err.contains("master seed 1"), "{err}");
    }

    #[test]
    fn overloaded_station_hits_the_queue_cap() {
        let run = RunLength {
            waiting_max_per_station: 100,
            ..RunLength::new(1e6, 0.0, 1, 1)
        };
        let err = replicate(&mm1(10.0, 0.2), &run).unwrap_err();
        assert!(err.contains("more than 100 customers waiting"), "{err}");
    }

    #[test]
    fn invalid_networks_report_every_problem() {
        let net = Network {
            stations: vec![Station {
                service_time_s: -1.0,
                servers: 0,
            }],
            routing: vec![vec![0.5]],
            population: Population::Closed {
                customers: 0,
                think: None,
            },
        };
        let err = replicate(&net, &RunLength::new(0.0, 1.0, 1, 1)).unwrap_err();
        for part in [
            "service time",
            "servers",
            "sums to 0.5 < 1",
            "customers",
            "horizon",
            "warm-up",
        ] {
            assert!(err.contains(part), "missing {part:?} in: {err}");
        }
    }

    #[test]
    fn closed_network_without_exit_never_loses_customers() {
        // Rows that sum to 1 only up to rounding must not let anyone leave.
        let net = Network {
            stations: vec![
                Station {
                    service_time_s: 0.1,
                    servers: 1,
                },
                Station {
                    service_time_s: 0.1,
                    servers: 1,
                },
            ],
            routing: vec![vec![0.1 + 0.2, 0.7], vec![1.0, 0.0]],
            population: Population::Closed {
                customers: 3,
                think: None,
            },
        };
        let rep = simulate(&net, &RunLength::new(1_000.0, 0.0, 1, 5), 5).unwrap();
        let present: f64 = rep.stations.iter().map(|s| s.number_mean).sum();
        assert!((present - 3.0).abs() < 1e-9, "seed 5: {present}");
    }
}

//! Single-queue validation cases (docs/validation.md, cases 1–10 and 14), written in the
//! scenario language users write: one class, a constant Poisson rate, one pool, nothing
//! else. Exact values come from `crate::analytic`, not from typed-in numbers, and the
//! published figures are checked against the analytic module in its own tests.

use crate::analytic;
use crate::result::SimulationResult;
use crate::stats::Estimate;

/// What a case measures, read off a [`SimulationResult`] of the one-class scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Mean wait for a worker (s).
    Wq,
    /// Mean response time of completed requests (s).
    W,
    /// Time-average number in the system.
    L,
    /// Time-average number waiting.
    Lq,
    /// Probability of waiting.
    PWait,
    /// Probability an arrival is refused (full backlog).
    PBlock,
    /// Throughput (completions per second).
    X,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Wq => "Wq (s)",
            Metric::W => "W (s)",
            Metric::L => "L",
            Metric::Lq => "Lq",
            Metric::PWait => "P(wait)",
            Metric::PBlock => "P(block)",
            Metric::X => "X (/s)",
        }
    }

    /// The estimate of this metric in a one-class result.
    pub fn read(self, r: &SimulationResult) -> Option<Estimate> {
        let c = &r.classes[0];
        let backlog = r
            .resources
            .iter()
            .find(|x| x.name == "listen_backlog")
            .map(|x| x.level_mean);
        match self {
            Metric::Wq => c.wait_s_mean,
            Metric::W => c.latency_s_mean,
            Metric::L => Some(c.in_system_mean),
            Metric::Lq => backlog,
            Metric::PWait => c.wait_probability,
            Metric::PBlock => Some(c.error_ratio),
            Metric::X => Some(c.throughput_per_s),
        }
    }
}

/// Service demand of the one class.
#[derive(Clone, Copy, Debug)]
pub enum Service {
    /// Odoo CPU time on the worker, with the given SCV (0 constant, ½ Erlang-2, 1
    /// exponential, other values gamma).
    Worker { mean_s: f64, scv: f64 },
    /// PostgreSQL processor sharing on one core (Odoo CPU time zero, one query).
    ProcessorSharing { mean_s: f64 },
}

/// One queue case: its scenario and the exact values it must reproduce.
#[derive(Clone, Debug)]
pub struct QueueCase {
    pub id: &'static str,
    pub label: String,
    pub yaml: String,
    pub replications: u32,
    pub exact: Vec<(Metric, f64)>,
}

fn service_yaml(s: Service) -> String {
    match s {
        Service::Worker { mean_s, scv: 0.0 } => {
            format!("    odoo_cpu: {{dist: constant, value: {mean_s}s}}\n")
        }
        Service::Worker { mean_s, scv: 1.0 } => {
            format!("    odoo_cpu: {{dist: exponential, mean: {mean_s}s}}\n")
        }
        Service::Worker { mean_s, scv } => {
            format!(
                "    odoo_cpu: {{dist: gamma, mean: {mean_s}s, cv: {}}}\n",
                scv.sqrt()
            )
        }
        Service::ProcessorSharing { mean_s } => format!(
            "    odoo_cpu: {{dist: constant, value: 0s}}\n    queries: {{dist: constant, value: 1}}\n    \
             db_time_per_query: {{dist: exponential, mean: {mean_s}s}}\n"
        ),
    }
}

/// A bare queue in the scenario language (no time limit, no worker recycling). `capacity = None` is an unbounded waiting room
/// (a backlog far beyond anything the case reaches); `horizon_s` is in simulated seconds,
/// the first tenth of which is warm-up.
pub fn queue_yaml(
    name: &str,
    rate_per_s: f64,
    service: Service,
    servers: u32,
    capacity: Option<u32>,
    horizon_s: f64,
) -> String {
    // A bounded waiting room is a loss system: a full backlog refuses at once
    // (`tcp_abort_on_overflow`), with no retry. somaxconn is raised so the kernel's cap
    // leaves the backlog as written.
    let (backlog, overflow) = match capacity {
        Some(k) => (k - servers, "    tcp_abort_on_overflow: true\n"),
        None => (1_000_000, ""),
    };
    let (workers, cores) = match service {
        Service::Worker { .. } => (servers, 1),
        Service::ProcessorSharing { .. } => (10_000, servers),
    };
    format!(
        "version: 1\nname: {name}\nhorizon:\n  start: 2026-01-05T00:00\n  duration: {h}s\n  warmup: {w}s\n\
         stats:\n  fine_bucket: {fb}s\n  coarse_bucket: {fb}s\n\
         workloads:\n  q:\n    rate: {rate_per_s}/s\n{svc}\
         estate:\n  odoo:\n    workers: {workers}\n    listen_backlog: {backlog}\n    somaxconn: 1000000\n{overflow}    max_cron_threads: 0\n    \
         evented_worker: false\n    limit_time_real: unlimited\n    limit_time_cpu: unlimited\n    limit_request: 100000000\n  postgres:\n    cores: {cores}\n    \
         max_connections: 20000\n",
        h = horizon_s,
        w = horizon_s / 10.0,
        fb = (horizon_s / 100.0).ceil(),
        svc = service_yaml(service),
    )
}

/// A closed class in the scenario language: `users` users thinking an exponential
/// `think_s` between requests, one worker serving an exponential `service_s`.
pub fn closed_yaml(name: &str, users: u32, think_s: f64, service_s: f64, horizon_s: f64) -> String {
    queue_yaml(
        name,
        1.0,
        Service::Worker {
            mean_s: service_s,
            scv: 1.0,
        },
        1,
        None,
        horizon_s,
    )
    .replace(
        "    rate: 1/s\n",
        &format!("    users: {users}\n    think_time: {{dist: exponential, mean: {think_s}s}}\n"),
    )
}

/// Horizon giving about `customers` arrivals.
fn horizon(rate_per_s: f64, customers: f64) -> f64 {
    (customers / rate_per_s).round()
}

fn mmc_case(
    id: &'static str,
    lam: f64,
    mu: f64,
    c: u32,
    customers: f64,
    metrics: &[Metric],
) -> QueueCase {
    let m = analytic::mmc(lam, mu, c).expect("stable case");
    let exact = metrics
        .iter()
        .map(|&k| {
            let v = match k {
                Metric::Wq => m.queue_wait_mean_s,
                Metric::W => m.response_mean_s,
                Metric::L => m.system_length_mean,
                Metric::Lq => m.queue_length_mean,
                Metric::PWait => m.wait_probability,
                Metric::X => lam,
                Metric::PBlock => 0.0,
            };
            (k, v)
        })
        .collect();
    let service = Service::Worker {
        mean_s: 1.0 / mu,
        scv: 1.0,
    };
    QueueCase {
        id,
        label: format!("M/M/{c} λ={lam} μ={mu}"),
        yaml: queue_yaml(
            &format!("case-{id}"),
            lam,
            service,
            c,
            None,
            horizon(lam, customers),
        ),
        replications: 20,
        exact,
    }
}

fn mmck_case(
    id: &'static str,
    lam: f64,
    mu: f64,
    c: u32,
    k: u32,
    customers: f64,
    metrics: &[Metric],
) -> QueueCase {
    let m = analytic::mmck(lam, mu, c, k).expect("valid case");
    let exact = metrics
        .iter()
        .map(|&q| {
            let v = match q {
                Metric::Wq => m.queue_wait_mean_s,
                Metric::W => m.response_mean_s,
                Metric::L => m.system_length_mean,
                Metric::Lq => m.queue_length_mean,
                Metric::PBlock => m.blocking_probability,
                Metric::X => m.throughput_per_s,
                Metric::PWait => f64::NAN,
            };
            (q, v)
        })
        .collect();
    let service = Service::Worker {
        mean_s: 1.0 / mu,
        scv: 1.0,
    };
    QueueCase {
        id,
        label: format!("M/M/{c}/{k} λ={lam} μ={mu}"),
        yaml: queue_yaml(
            &format!("case-{id}"),
            lam,
            service,
            c,
            Some(k),
            horizon(lam, customers),
        ),
        replications: 20,
        exact,
    }
}

/// Erlang C: P(wait) in M/M/c with offered load `a` (μ = 1).
fn erlang_c_case(id: &'static str, a: f64, c: u32, customers: f64) -> QueueCase {
    let exact = vec![(Metric::PWait, analytic::erlang_c(c, a).expect("a < c"))];
    let service = Service::Worker {
        mean_s: 1.0,
        scv: 1.0,
    };
    QueueCase {
        id,
        label: format!("Erlang C({c}, a={a})"),
        yaml: queue_yaml(
            &format!("case-{id}-c{c}"),
            a,
            service,
            c,
            None,
            horizon(a, customers),
        ),
        replications: 20,
        exact,
    }
}

/// Every single-queue case. `scale` multiplies run lengths (1.0 = the validation).
pub fn cases(scale: f64) -> Vec<QueueCase> {
    use Metric::*;
    let n = |x: f64| x * scale;
    let mut v = vec![
        mmc_case("1", 5.0, 8.0, 1, n(4e5), &[Wq, L]),
        mmc_case("2", 0.2, 0.1, 3, n(2e5), &[PWait, Wq, Lq]),
        mmc_case("3", 9.0, 5.0, 2, n(1.5e6), &[Lq, W, PWait]),
        mmc_case("4", 9.0, 5.0, 4, n(2e5), &[Lq, W]),
        mmck_case("5", 40.0, 30.0, 3, 7, n(4e5), &[PBlock, W, X]),
        mmck_case("6", 50.0, 10.0, 4, 6, n(2e5), &[PBlock, L, W]),
        mmck_case("7", 3.0, 2.0, 2, 5, n(2e5), &[PBlock, L]),
        erlang_c_case("8", 2.5, 5, n(4e5)),
        erlang_c_case("8", 2.5, 6, n(4e5)),
    ];
    for c in 11..=14 {
        v.push(erlang_c_case("9", 10.0, c, n(4e5)));
    }
    // Erlang B: M/M/11/11 blocking.
    let b = analytic::erlang_b(11, 10.0).expect("valid");
    let svc = Service::Worker {
        mean_s: 1.0,
        scv: 1.0,
    };
    v.push(QueueCase {
        id: "9",
        label: "Erlang B(11, A=10)".into(),
        yaml: queue_yaml("case-9-b11", 10.0, svc, 11, Some(11), horizon(10.0, n(4e5))),
        replications: 20,
        exact: vec![(PBlock, b)],
    });
    // M/G/1 (Pollaczek–Khinchine), λ = 0.8, E[S] = 1.
    for (scv, what, customers) in [
        (0.0, "deterministic", 1e6),
        (0.5, "Erlang-2", 1e6),
        (1.0, "exponential", 1.5e6),
        (4.0, "SCV=4", 3e6),
    ] {
        let wq = analytic::mg1(0.8, 1.0, scv)
            .expect("stable")
            .queue_wait_mean_s;
        v.push(QueueCase {
            id: "10",
            label: format!("M/G/1 {what} λ=0.8 E[S]=1"),
            yaml: queue_yaml(
                "case-10",
                0.8,
                Service::Worker { mean_s: 1.0, scv },
                1,
                None,
                horizon(0.8, n(customers)),
            ),
            replications: 20,
            exact: vec![(Wq, wq)],
        });
    }
    // A closed class (users with think time) on one worker: exact MVA, a delay station
    // (the users thinking) and one queue.
    let (users, think_s, service_s) = (10, 2.0, 0.25);
    let m = analytic::mva_single_server(&[service_s], &[1.0], think_s, users).expect("valid");
    v.push(QueueCase {
        id: "15",
        label: format!("closed class N={users} Z={think_s} S={service_s}"),
        yaml: closed_yaml(
            "case-15",
            users,
            think_s,
            service_s,
            (n(4e5) / m.throughput_per_s).round(),
        ),
        replications: 20,
        exact: vec![(X, m.throughput_per_s), (W, m.response_s)],
    });
    let ps = analytic::processor_sharing_response_mean_s(3.0, 0.2).expect("stable");
    v.push(QueueCase {
        id: "14",
        label: "M/M/1-PS λ=3 μ=5".into(),
        yaml: queue_yaml(
            "case-14",
            3.0,
            Service::ProcessorSharing { mean_s: 0.2 },
            1,
            None,
            horizon(3.0, n(4e5)),
        ),
        replications: 20,
        exact: vec![(W, ps)],
    });
    v
}

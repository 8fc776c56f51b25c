//! Engine benchmarks (docs/performance.md): `cargo bench --bench engine`.
//!
//! 1. M/M/8 at ρ = 0.9, 2,000,000 customers, one replication, one thread, written in the
//!    scenario language and run by the full Odoo simulation — against a minimal
//!    hand-written M/M/8 (binary heap + Xoshiro256++) on the same machine.
//! 2. A tandem of three queue_job channels (`-- qjob`): HTTP orders spawn a job on
//!    `root.a`, whose completion spawns one on `root.b`, then `root.c`; each channel
//!    at ρ = 0.8, so jobs queue in every channel. One replication, one thread.
//! 3. The Black Friday scenario: wall time, events/s, speed-up from 1 to 2 threads.
//!
//! Best of several runs; plain `harness = false` so the bench builds no extra crates.

use peakplan::engine::{self, Key, Rng};
use peakplan::run::{Progress, simulate};
use peakplan::validation::queues::{Service, queue_yaml};
use rand_distr::{Distribution, Exp};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::time::Instant;

const CUSTOMERS: f64 = 2_000_000.0;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> (u64, T)) -> (f64, u64, T) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let (events, out) = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some((events, out));
    }
    let (events, out) = last.expect("runs ≥ 1");
    (best, events, out)
}

/// The baseline: the least a DES of M/M/8 must do per event.
fn minimal_mm8(lambda: f64, mu: f64, customers: u64, rng: &mut Rng) -> u64 {
    #[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
    enum Kind {
        Arrival,
        Departure,
    }
    let (arr, svc) = (Exp::new(lambda).unwrap(), Exp::new(mu).unwrap());
    let mut heap: BinaryHeap<Reverse<(u64, u64, Kind)>> = BinaryHeap::new();
    let ns = |s: f64| (s * 1e9) as u64;
    let (mut seq, mut busy, mut waiting, mut arrived, mut events) = (0u64, 0u32, 0u64, 0u64, 0u64);
    heap.push(Reverse((ns(arr.sample(rng)), seq, Kind::Arrival)));
    while let Some(Reverse((t, _, kind))) = heap.pop() {
        events += 1;
        seq += 1;
        match kind {
            Kind::Arrival => {
                arrived += 1;
                if arrived < customers {
                    heap.push(Reverse((t + ns(arr.sample(rng)), seq, Kind::Arrival)));
                    seq += 1;
                }
                if busy < 8 {
                    busy += 1;
                    heap.push(Reverse((t + ns(svc.sample(rng)), seq, Kind::Departure)));
                } else {
                    waiting += 1;
                }
            }
            Kind::Departure => {
                if waiting > 0 {
                    waiting -= 1;
                    heap.push(Reverse((t + ns(svc.sample(rng)), seq, Kind::Departure)));
                } else {
                    busy -= 1;
                }
            }
        }
    }
    events
}

/// The queue_job tandem: 20 orders/s, each spawning a chain of three jobs of 120 ms
/// (exponential) on channels of capacity 3 (ρ = 0.8 each), under a root of 12; 32
/// workers, so the channels, not the workers, are what jobs queue for. About 2 M events.
const QJOB_TANDEM: &str = "\
version: 1
name: qjob-tandem
horizon:
  start: 2026-01-05T00:00
  duration: 20000s
  warmup: 2000s
stats:
  fine_bucket: 200s
  coarse_bucket: 200s
workloads:
  orders:
    rate: 20/s
    odoo_cpu: {dist: exponential, mean: 10ms}
    spawns: [{job: job_a}]
  job_a:
    job: {channel: root.a}
    odoo_cpu: {dist: exponential, mean: 120ms}
    spawns: [{job: job_b}]
  job_b:
    job: {channel: root.b}
    odoo_cpu: {dist: exponential, mean: 120ms}
    spawns: [{job: job_c}]
  job_c:
    job: {channel: root.c}
    odoo_cpu: {dist: exponential, mean: 120ms}
estate:
  odoo:
    pods: 2
    workers: 16
    listen_backlog: 100000
    max_cron_threads: 0
    evented_worker: false
    limit_time_real: unlimited
    limit_request: 100000000
    queue_job_channels: \"root:12,root.a:3,root.b:3,root.c:3\"
  postgres:
    cores: 8
    max_connections: 20000
";

/// `cargo bench --bench engine -- qjob`: the queue_job tandem, one replication, one thread.
fn qjob_tandem() {
    let model = peakplan::scenario::load_str(QJOB_TANDEM, "queue_job tandem bench", Path::new("."))
        .expect("valid");
    let (t, events, r) = best_of(3, || {
        let p = Progress::new(&model, 1);
        let r = simulate(&model, 1, 1, 1, &p).expect("runs");
        (r.run.events, r)
    });
    println!(
        "queue_job tandem, 3 channels at rho=0.8: {events} events in {t:.3} s = {:.1} M events/s (job_c p95 = {:.1} ms)",
        events as f64 / t / 1e6,
        r.classes[3]
            .latency_s_p95
            .map_or(f64::NAN, |e| e.mean * 1e3)
    );
}

fn main() {
    if std::env::args().any(|a| a == "qjob") {
        qjob_tandem();
        return;
    }
    let (lambda, mu) = (7.2, 1.0);
    let yaml = queue_yaml(
        "mm8",
        lambda,
        Service::Worker {
            mean_s: 1.0 / mu,
            scv: 1.0,
        },
        8,
        None,
        CUSTOMERS / lambda,
    );
    let model = peakplan::scenario::load_str(&yaml, "M/M/8 bench", Path::new(".")).expect("valid");

    let (t, events, r) = best_of(5, || {
        let p = Progress::new(&model, 1);
        let r = simulate(&model, 1, 1, 1, &p).expect("runs");
        (r.run.events, r)
    });
    let engine_rate = events as f64 / t;
    println!(
        "M/M/8 rho=0.9, {CUSTOMERS} customers, peakplan engine: {events} events in {t:.3} s = {:.1} M events/s (Wq = {:.3} s)",
        engine_rate / 1e6,
        r.classes[0].wait_s_mean.map_or(f64::NAN, |e| e.mean)
    );
    let (t, events, _) = best_of(5, || {
        let mut rng = engine::stream(1, Key::named("arrivals", "minimal"));
        (minimal_mm8(lambda, mu, CUSTOMERS as u64, &mut rng), ())
    });
    let minimal_rate = events as f64 / t;
    println!(
        "M/M/8 rho=0.9, minimal hand-written DES: {events} events in {t:.3} s = {:.1} M events/s; peakplan is {:.2}x slower",
        minimal_rate / 1e6,
        minimal_rate / engine_rate
    );

    if std::env::args().any(|a| a == "mm8") {
        return; // `cargo bench --bench engine -- mm8`: the M/M/8 part only (for profiling)
    }
    qjob_tandem();
    let bf =
        peakplan::scenario::load(Path::new("scenarios/retail-black-friday.yaml")).expect("valid");
    let reps = bf.run.replications;
    let mut walls = Vec::new();
    for threads in [1, 2] {
        let (t, events, _) = best_of(2, || {
            let p = Progress::new(&bf, reps);
            (
                simulate(&bf, 1, reps, threads, &p)
                    .expect("runs")
                    .run
                    .events,
                (),
            )
        });
        println!(
            "Black Friday, {reps} replications, {threads} thread(s): {t:.2} s, {events} events, {:.1} M events/s",
            events as f64 / t / 1e6
        );
        walls.push(t);
    }
    println!(
        "Black Friday speed-up 1 -> 2 threads: {:.2}x",
        walls[0] / walls[1]
    );

    // Every component active (rate limits, hot rows, integrations, queue_job, Redis,
    // PgBouncer, replica, websocket, cron, IOPS): events per second per core.
    let full = peakplan::scenario::load(Path::new("scenarios/black-friday-full-estate.yaml"))
        .expect("valid");
    let reps = 2;
    let (t, events, _) = best_of(1, || {
        let p = Progress::new(&full, reps);
        let r = simulate(&full, 1, reps, 1, &p).expect("runs");
        (r.run.events, ())
    });
    println!(
        "Black Friday, full estate, {reps} replications, 1 thread: {t:.2} s, {events} events, {:.1} M events/s per core",
        events as f64 / t / 1e6
    );
}

//! Engine benchmarks (docs/performance.md): `cargo bench --bench engine`.
//!
//! 1. M/M/8 at ρ = 0.9, 2,000,000 customers, one replication, one thread, written in the
//!    scenario language and run by the full Odoo simulation — against a minimal
//!    hand-written M/M/8 (binary heap + Xoshiro256++) on the same machine.
//! 2. The Black Friday scenario: wall time, events/s, speed-up from 1 to 2 threads.
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

fn main() {
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

//! The pods' CPU limit (`estate.odoo.cpu`): the Odoo processes of a pod share its cores.
//! Every path that computes on a pod is exercised — HTTP requests in one CPU phase and in
//! two (around queries, row locks and external calls), cron runs, websocket messages on
//! the evented process — with `limit_time_real` killing requests in the middle of their
//! CPU and evented restarts dropping messages.

mod common;

use common::{assert_conserved, model, resource, run_seeded};
use peakplan::model::Model;
use peakplan::result::SimulationResult;
use peakplan::run::{Progress, simulate};

/// Two pods of 4 HTTP workers and 2 cron workers with an evented process: 7 processes on
/// 1.5 cores each. `heavy` requests are killed by `limit_time_real` (2 s) while they
/// compute; the evented processes restart above their soft memory limit.
fn mixed(cpu: &str) -> String {
    format!(
        "version: 1
name: pod-cpu-mixed
horizon: {{start: 2026-11-23T09:00, timezone: UTC, duration: 40m, warmup: 5m}}
contention:
  tables:
    stock.quant: {{keys: 20, zipf_exponent: 1.0}}
integrations:
  payment:
    latency: {{dist: lognormal, mean: 200ms, cv: 0.5}}
    timeout: 5s
workloads:
  browse:
    rate: 6/s
    odoo_cpu: {{dist: lognormal, mean: 60ms, cv: 1.0}}
  checkout:
    rate: 1/s
    odoo_cpu: {{dist: gamma, mean: 150ms, cv: 0.7}}
    queries: {{dist: constant, value: 20}}
    db_time_per_query: {{dist: exponential, mean: 1ms}}
    locks:
      - table: stock.quant
        keys: {{dist: constant, value: 1}}
    calls:
      - integration: payment
  heavy:
    rate: 0.3/s
    odoo_cpu: {{dist: lognormal, mean: 1s, cv: 1.5}}
  scheduler:
    cron: {{interval: 2m, first_run: 1m}}
    odoo_cpu: {{dist: constant, value: 3s}}
    queries: {{dist: constant, value: 50}}
    db_time_per_query: {{dist: exponential, mean: 2ms}}
  bus:
    rate: 2/s
    websocket:
      connected: {{dist: exponential, mean: 5m}}
      messages: 30/min
    odoo_cpu: {{dist: exponential, mean: 20ms}}
    queries: {{dist: constant, value: 1}}
    db_time_per_query: {{dist: exponential, mean: 300us}}
estate:
  odoo:
    pods: 2
    workers: 4
{cpu}    limit_time_real: 2s
    # The 3 s scheduler would be killed under 2 s (limit_time_real_cron's default).
    limit_time_real_cron: 30s
    kill_check_period: 1s
    limit_memory_soft_gevent: 300MiB
    websocket_memory: 1MiB
  postgres:
    cores: 4
    max_connections: 400
"
    )
}

fn with_cpu(cpu: &str) -> Model {
    model(&mixed(&format!("    cpu: {cpu}\n")))
}

fn errors(r: &SimulationResult, cause: &str) -> u64 {
    r.classes.iter().map(|c| c.totals.errors[cause]).sum()
}

#[test]
fn the_mixed_estate_exercises_every_path() {
    let m = with_cpu("1500m");
    assert_eq!(m.processes_per_pod(), 4 + 2 + 1);
    let seed = 11;
    let r = run_seeded(&m, seed, 3);
    assert_conserved(&r, seed);
    assert!(
        errors(&r, "killed_limit_time_real") > 0,
        "seed {seed}: no request was killed"
    );
    assert!(
        errors(&r, "websocket_unavailable") > 0,
        "seed {seed}: no evented restart"
    );
    for name in ["browse", "checkout", "heavy", "scheduler", "bus"] {
        let c = r.classes.iter().find(|c| c.name == name).unwrap();
        assert!(
            c.totals.completed > 0,
            "seed {seed}: {name} never completed"
        );
    }
    let checkout = r.classes.iter().find(|c| c.name == "checkout").unwrap();
    assert!(
        checkout.serialization_failures_per_s.mean > 0.0,
        "seed {seed}"
    );
    // A websocket message locks no rows, even in a slot a checkout used before.
    for r in [&r, &run_seeded(&model(&mixed("")), seed, 3)] {
        let bus = r.classes.iter().find(|c| c.name == "bus").unwrap();
        assert_eq!(bus.serialization_failures_per_s.mean, 0.0, "seed {seed}");
    }
}

#[test]
fn the_pods_never_use_more_cores_than_their_limit() {
    for (cpu, cores) in [("1500m", 1.5), ("0.5", 0.5), ("3", 3.0)] {
        let m = with_cpu(cpu);
        let seed = 12;
        let r = run_seeded(&m, seed, 3);
        let g = resource(&r, "pod_cpu_busy");
        let cap = 2.0 * cores;
        assert_eq!(g.capacity, Some(cap), "pods × cpu");
        assert!(!g.hard_limit, "cores are a shared rate");
        assert_eq!(g.scope, "deployment");
        for (i, f) in r.per_replication.iter().enumerate() {
            let x = f
                .resources
                .iter()
                .find(|x| x.name == "pod_cpu_busy")
                .unwrap();
            assert!(
                x.level_max <= cap && x.level_mean <= cap,
                "seed {seed}, replication {i}, cpu {cpu}: {x:?} above {cap}"
            );
        }
        // The pods are busy: the limit is reached (its bucket series too is bounded).
        assert_eq!(g.level_max.mean, cap, "seed {seed}, cpu {cpu}");
        let s = r
            .series
            .resources
            .iter()
            .find(|s| s.name == "pod_cpu_busy")
            .unwrap();
        assert!(s.level_mean.iter().all(|x| *x <= cap * (1.0 + 1e-6)));
    }
}

#[test]
fn no_limit_means_no_gauge_and_the_same_results_as_before() {
    let r = run_seeded(&model(&mixed("")), 13, 2);
    assert!(r.resources.iter().all(|x| x.name != "pod_cpu_busy"));
    let o = &r.configuration.as_ref().unwrap().odoo;
    assert_eq!((o.cpu_per_pod, o.pod_cpu), (None, None));
}

/// A limit no pod can exceed (7 processes, 7 cores) keeps the pure delays: every class
/// figure is the unlimited run's, bit for bit; only the gauge is added.
#[test]
fn an_ample_limit_changes_no_figure() {
    let seed = 14;
    let free = run_seeded(&model(&mixed("")), seed, 2);
    let ample = run_seeded(&with_cpu("7"), seed, 2);
    for (a, b) in free.classes.iter().zip(&ample.classes) {
        let (mut a, mut b) = (
            serde_json::to_value(a).unwrap(),
            serde_json::to_value(b).unwrap(),
        );
        // The breakdown names the (zero) pod CPU wait only under a limit.
        b["time_breakdown"]
            .as_object_mut()
            .unwrap()
            .remove("pod_cpu_wait_s");
        a["time_breakdown"]
            .as_object_mut()
            .unwrap()
            .remove("pod_cpu_wait_s");
        assert_eq!(a, b, "seed {seed}");
    }
    let g = resource(&ample, "pod_cpu_busy");
    assert!(g.level_max.mean <= 7.0 * 2.0);
    assert!(g.level_mean.mean > 0.0);
}

/// The same JSON bytes on one thread and on two.
#[test]
fn shared_cores_are_deterministic_across_threads() {
    let m = with_cpu("1500m");
    let seed = 15;
    let json = |threads| {
        let p = Progress::new(&m, 3);
        let r = simulate(&m, seed, 3, threads, &p).unwrap();
        serde_json::to_vec(&r).unwrap()
    };
    assert!(
        json(1) == json(2),
        "seed {seed}: JSON differs across threads"
    );
}

/// One pod on 2 cores, gamma demand (cv 0.5) at 70 % of the cores: `workers` only decides
/// how many requests share the cores. Processor sharing serves low-variance work no
/// faster than first-come-first-served on as many servers (M/G/c, cv < 1), so under
/// common random numbers adding workers past the cores must not lower the mean latency
/// beyond noise — while without a limit the same added workers look like free capacity.
fn cores_and_workers(workers: u32, cpu: bool) -> String {
    let cpu = if cpu { "    cpu: 2\n" } else { "" };
    format!(
        "version: 1
name: workers-past-cores
horizon: {{start: 2026-01-05T00:00, timezone: UTC, duration: 4h, warmup: 20m}}
workloads:
  q:
    rate: 14/s
    odoo_cpu: {{dist: gamma, mean: 100ms, cv: 0.5}}
estate:
  odoo:
    workers: {workers}
{cpu}    listen_backlog: 100000
    max_cron_threads: 0
    evented_worker: false
    limit_time_real: unlimited
  postgres:
    cores: 1
"
    )
}

#[test]
fn workers_past_the_cores_are_not_free_capacity() {
    let seed = 16;
    let latency = |workers, cpu| {
        let r = run_seeded(&model(&cores_and_workers(workers, cpu)), seed, 6);
        assert_conserved(&r, seed);
        r.classes[0].latency_s_mean.unwrap()
    };
    let limited: Vec<_> = [2, 4, 8].iter().map(|w| latency(*w, true)).collect();
    for pair in limited.windows(2) {
        let (fewer, more) = (pair[0], pair[1]);
        let noise = fewer.ci95_half_width.unwrap() + more.ci95_half_width.unwrap();
        assert!(
            more.mean >= fewer.mean - noise,
            "seed {seed}: more workers on 2 cores lowered the mean latency: {limited:?}"
        );
    }
    // Without a limit, 8 workers are 8 cores: the backlog wait vanishes.
    let free = latency(8, false);
    assert!(
        free.mean < 0.8 * limited[2].mean,
        "seed {seed}: {free:?} vs {limited:?}"
    );
}

/// The echoed configuration names the cores: in `result.json` and in words.
#[test]
fn the_configuration_names_the_cores() {
    let r = run_seeded(&with_cpu("1500m"), 17, 2);
    let o = &r.configuration.as_ref().unwrap().odoo;
    assert_eq!((o.cpu_per_pod, o.pod_cpu), (Some(1.5), Some(3.0)));
    let s = peakplan::report::summary(&r, None, false);
    let want = "Odoo: 2 pods × 4 HTTP workers on 1.5 cores each (8 in all)";
    assert!(s.contains(want), "{want:?} not in the summary:\n{s}");
    assert!(s.contains("pod_cpu_busy"), "{s}");
}

/// Where the time went: the CPU phases' wall time splits into the demand (`odoo_cpu_s`)
/// and the sharing (`pod_cpu_wait_s`), and the parts still add up to the mean latency —
/// websocket messages, whose evented process gets a share of the pod, included.
#[test]
fn the_breakdown_splits_cpu_demand_from_sharing() {
    let seed = 18;
    let r = run_seeded(&with_cpu("1500m"), seed, 2);
    for c in &r.classes {
        let t = &c.time_breakdown;
        let sum = common::parts_sum(&r, c);
        let latency = c.latency_s_mean.unwrap().mean;
        assert!(
            (sum - latency).abs() <= 1e-9 * latency.max(1.0),
            "seed {seed}, {}: parts {sum} vs latency {latency}",
            c.name
        );
        assert!(
            t.pod_cpu_wait_s.unwrap().mean > 0.0,
            "seed {seed}, {}: no sharing on 1.5 cores for 7 processes",
            c.name
        );
    }
    // An ample limit: the wait is there, and zero.
    let ample = run_seeded(&with_cpu("7"), seed, 2);
    for c in &ample.classes {
        assert_eq!(
            c.time_breakdown.pod_cpu_wait_s.unwrap().mean,
            0.0,
            "{}",
            c.name
        );
    }
    let free = run_seeded(&model(&mixed("")), seed, 2);
    assert!(
        free.classes
            .iter()
            .all(|c| c.time_breakdown.pod_cpu_wait_s.is_none())
    );
    let summary_csv = |r: &SimulationResult| {
        let files = peakplan::report::render(r, &[&peakplan::report::Csv]).unwrap();
        let f = files.iter().find(|f| f.name == "csv/summary.csv").unwrap();
        String::from_utf8(f.bytes.clone()).unwrap()
    };
    let summary = summary_csv(&r);
    assert!(
        summary.contains("bus,time_breakdown.pod_cpu_wait_s,"),
        "{summary}"
    );
    let summary = summary_csv(&free);
    assert!(summary.contains("bus,time_breakdown.odoo_cpu_s,"));
    assert!(!summary.contains("pod_cpu_wait_s"));
}

//! The websocket route and the evented worker: connections follow M/G/∞ (mean open =
//! rate × mean lifetime), messages load the evented core as offered, the gevent pool
//! refuses at once when exhausted, and the soft memory limit restarts the evented server,
//! dropping its connections. Bad input is refused with its location. Every failure names
//! its seed.

mod common;

use common::{assert_conserved, model, resource};
use peakplan::model::Model;
use peakplan::result::SimulationResult;
use std::path::Path;

const SEED: u64 = 20261123;

fn run(m: &Model, reps: u32) -> SimulationResult {
    common::run_seeded(m, SEED, reps)
}

/// Two pods; tabs open at 0.5/s and stay 20 min (exponential): 600 open on average.
/// Each sends 6 messages a minute of 10 ms evented CPU, so messages arrive at
/// 0.5 × (1 + 0.1 × 1200) = 60.5/s and keep 0.605 evented cores busy.
const BUS: &str = "version: 1
horizon: {start: 2026-11-23T06:00, duration: 6h, warmup: 1h}
workloads:
  bus:
    rate: 0.5/s
    websocket:
      connected: {dist: exponential, mean: 20m}
      messages: 6/min
    odoo_cpu: {dist: exponential, mean: 10ms}
    queries: {dist: constant, value: 1}
    db_time_per_query: {dist: exponential, mean: 1ms}
estate:
  odoo: {pods: 2, workers: 2, limit_memory_soft_gevent: 2048MiB, websocket_memory: 256KiB}
  postgres: {cores: 4}
";

#[test]
fn connections_and_messages_follow_the_offered_load() {
    let r = run(&model(BUS), 10);
    let conns = resource(&r, "websocket_connections");
    let open = conns.level_mean;
    assert!(
        open.covers(600.0) && open.ci95_half_width.unwrap() < 0.03 * 600.0,
        "seed {SEED}: mean open connections {open:?}, M/G/∞ gives 600"
    );
    // Capacity: (2048 − 150) MiB / 256 KiB = 7592 a pod.
    assert_eq!(conns.capacity, Some(2.0 * 7592.0));
    let bus = &r.classes[0];
    assert!(
        bus.arrivals_per_s.covers(60.5)
            && bus.arrivals_per_s.ci95_half_width.unwrap() < 0.03 * 60.5,
        "seed {SEED}: messages {:?}/s, expected 60.5",
        bus.arrivals_per_s
    );
    let cpu = resource(&r, "evented_cpu_busy").level_mean;
    assert!(
        cpu.covers(0.605) && cpu.ci95_half_width.unwrap() < 0.03 * 0.605,
        "seed {SEED}: evented cores busy {cpu:?}, offered 0.605"
    );
    assert_eq!(
        bus.websocket_drops_per_s.mean, 0.0,
        "seed {SEED}: no restart"
    );
    assert_eq!(bus.kind, "websocket");
    assert_conserved(&r, SEED);
}

#[test]
fn the_soft_limit_restarts_the_evented_server_and_drops_its_tabs() {
    // 600 tabs over two pods, 300 each: a pod restarts above (200 − 150) MiB / 256 KiB
    // = 200 connections, so both do, again and again.
    let tight = BUS.replace(
        "limit_memory_soft_gevent: 2048MiB",
        "limit_memory_soft_gevent: 200MiB",
    );
    let r = run(&model(&tight), 4);
    let bus = &r.classes[0];
    assert!(
        bus.websocket_drops_per_s.mean > 0.0,
        "seed {SEED}: no connection dropped"
    );
    let unavailable = bus.totals.errors["websocket_unavailable"];
    assert!(
        unavailable > 0,
        "seed {SEED}: no refused upgrade or lost message"
    );
    assert_conserved(&r, SEED);
    // Tabs spend time reconnecting: fewer are connected on average than the 600 open.
    let open = resource(&r, "websocket_connections").level_mean;
    assert!(
        open.mean + open.ci95_half_width.unwrap() < 600.0,
        "seed {SEED}: {open:?} connected on average, no fewer than the tabs"
    );
}

#[test]
fn an_exhausted_gevent_pool_refuses_at_once() {
    // One cursor per evented worker and long queries: messages meet a busy pool.
    let small = BUS
        .replace("{pods: 2,", "{pods: 2, db_maxconn_gevent: 1,")
        .replace("mean: 1ms}", "mean: 50ms}");
    let r = run(&model(&small), 2);
    let bus = &r.classes[0];
    assert!(
        bus.totals.errors["db_pool_full"] > 0,
        "seed {SEED}: the pool never ran out"
    );
    let cursors = resource(&r, "evented_cursors");
    assert_eq!(cursors.capacity, Some(2.0));
    assert!(cursors.level_max.mean <= 2.0, "seed {SEED}: {cursors:?}");
    let roomy = run(&model(&BUS.replace("mean: 1ms}", "mean: 50ms}")), 2);
    assert_eq!(
        roomy.classes[0].totals.errors["db_pool_full"], 0,
        "seed {SEED}: db_maxconn 64 ran out"
    );
}

#[test]
fn websocket_bad_input_is_refused_with_its_location() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            BUS.replace(
                "  odoo: {pods: 2,",
                "  odoo: {evented_worker: false, pods: 2,",
            ),
            vec!["test.yaml:7:", "workloads.bus.websocket", "evented_worker"],
        ),
        (
            BUS.replace("messages: 6/min", "messages: 0/min"),
            vec!["workloads.bus.websocket.messages", "must be > 0"],
        ),
        (
            BUS.replace(
                "    odoo_cpu: {dist: exponential, mean: 10ms}\n",
                "    odoo_cpu: {dist: exponential, mean: 10ms}\n    users: 40\n",
            ),
            vec!["workloads.bus.users", "not supported on a websocket class"],
        ),
        (
            BUS.replace("      connected: {dist: exponential, mean: 20m}\n", ""),
            vec!["workloads.bus.websocket.connected", "missing"],
        ),
        (
            BUS.replace("websocket_memory: 256KiB", "websocket_memory: 4GiB"),
            vec![
                "estate.odoo.limit_memory_soft_gevent",
                "at least one connection",
            ],
        ),
    ];
    for (yaml, expected) in cases {
        let d = match peakplan::scenario::load_str(&yaml, "test.yaml", &dir) {
            Ok(_) => panic!("accepted, expected {expected:?}:\n{yaml}"),
            Err(d) => d.to_string(),
        };
        for e in &expected {
            assert!(d.contains(e), "expected `{e}` in:\n{d}\nfor:\n{yaml}");
        }
    }
}

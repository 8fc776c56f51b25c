//! Odoo's per-process limits as odoo/service/server.py enforces them: the cron worker's
//! watchdog (`limit_time_real_cron`, −1 = `limit_time_real`), the memory limits compared
//! with the worker's virtual size, and `limit_request`'s default by Odoo version. The
//! scenarios use constant demands and fixed-time arrivals: every count is worked out by
//! hand below.

mod common;

use common::{assert_conserved, model, run_seeded};
use peakplan::result::{ClassResult, SimulationResult};

const SEED: u64 = 20261206;

fn class<'a>(r: &'a SimulationResult, name: &str) -> &'a ClassResult {
    r.classes.iter().find(|c| c.name == name).expect("class")
}

/// A 20-minute scheduler and a 100 s nightly job, each every 30 minutes from 00:01 and
/// 00:02: four runs each in the 2-hour horizon, on two cron workers.
const CRONS: &str = "version: 1
horizon: {start: 2026-11-30T00:00, duration: 2h, warmup: 0s}
workloads:
  scheduler:
    cron: {interval: 30m, first_run: 1m}
    odoo_cpu: {dist: constant, value: 20m}
  nightly:
    cron: {interval: 30m, first_run: 2m}
    odoo_cpu: {dist: constant, value: 100s}
estate:
  odoo: {workers: 1, max_cron_threads: 2LIMIT}
  postgres: {cores: 4}
";

fn crons(limit: &str) -> SimulationResult {
    let r = run_seeded(&model(&CRONS.replace("LIMIT", limit)), SEED, 1);
    assert_conserved(&r, SEED);
    r
}

#[test]
fn the_cron_watchdog_kills_a_run_past_limit_time_real() {
    // Default −1: limit_time_real, 120 s. The scheduler never finishes; the nightly job
    // (100 s) always does.
    let r = crons("");
    let s = class(&r, "scheduler");
    assert_eq!(s.totals.arrivals, 4, "seed {SEED}: {:?}", s.totals);
    assert_eq!(s.totals.errors["killed_limit_time_real"], 4);
    assert_eq!(s.totals.completed, 0);
    let n = class(&r, "nightly");
    assert_eq!((n.totals.arrivals, n.totals.completed), (4, 4));
    // The killed worker reconnects when it respawns: connections are back to the two
    // cron workers' at the end.
    let conns = common::resource(&r, "pg_connections");
    assert_eq!(conns.level_max.mean, 3.0, "cron ×2 + evented, never more");
}

#[test]
fn limit_time_real_cron_0_or_long_enough_lets_the_scheduler_finish() {
    for limit in [", limit_time_real_cron: 0", ", limit_time_real_cron: 1500"] {
        let r = crons(limit);
        let s = class(&r, "scheduler");
        assert_eq!(s.totals.errors["killed_limit_time_real"], 0, "{limit}");
        assert_eq!(s.totals.completed, 4, "{limit}");
        // Due at 00:01, 00:31, …, each taken at a poll and run for 1200 s.
        assert!(s.latency_s_mean.unwrap().mean >= 1200.0, "{limit}");
    }
    // 90 s: the nightly job too is killed.
    let r = crons(", limit_time_real_cron: 90s");
    assert_eq!(
        class(&r, "nightly").totals.errors["killed_limit_time_real"],
        4
    );
}

#[test]
fn the_shipped_stock_scheduler_is_never_killed() {
    // retail-black-friday's stock scheduler runs ≈ 20 s, well inside 120 s.
    let m = common::shipped("retail-black-friday.yaml");
    let r = run_seeded(&m, SEED, 1);
    for c in r.classes.iter().filter(|c| c.kind == "cron") {
        assert_eq!(c.totals.errors["killed_limit_time_real"], 0, "{}", c.name);
        assert!(c.totals.completed > 0, "{}", c.name);
    }
}

/// One worker; 64 requests a minute apart, each growing the worker by 100 MiB;
/// limit_memory_soft 2048 MiB, limit_memory_hard 2100 MiB.
const MEMORY: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 2h, warmup: 0s}
workloads:
  import:
    at: [AT]
    odoo_cpu: {dist: constant, value: 10ms}
    memory_growth: {dist: constant, value: 100MiB}
estate:
  odoo: {workers: 1, limit_memory_soft: 2048MiB, limit_memory_hard: 2100MiBVMS}
  postgres: {cores: 4}
";

fn memory(vms: &str) -> SimulationResult {
    let at: Vec<String> = (0..64)
        .map(|i| format!("'{:02}:{:02}'", 9 + i / 60, i % 60))
        .collect();
    let yaml = MEMORY.replace("AT", &at.join(", ")).replace("VMS", vms);
    let r = run_seeded(&model(&yaml), SEED, 1);
    assert_conserved(&r, SEED);
    r
}

#[test]
fn memory_limits_compare_the_virtual_size() {
    // A fresh worker's VMS is 512 MiB: after 15 requests 2012 MiB (under the soft limit,
    // kept), the 16th would reach 2112 MiB > 2100: MemoryError, and the worker, now over
    // the soft limit, is recycled. 64 requests: 4 failures.
    let r = memory("");
    let c = class(&r, "import");
    assert_eq!(c.totals.errors["memory_hard_limit"], 4, "{:?}", c.totals);
    // Compared with a 150 MiB base (the resident size a light worker has): 19 requests
    // take it to 2050 MiB > soft, so it is recycled before ever reaching the hard limit.
    let r = memory(", worker_vms: 150MiB");
    let c = class(&r, "import");
    assert_eq!(c.totals.errors["memory_hard_limit"], 0, "{:?}", c.totals);
    assert_eq!(c.totals.completed, 64);
}

#[test]
fn limit_request_default_follows_the_odoo_version() {
    let base = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h}
workloads:
  a: {rate: 1/s, odoo_cpu: {dist: constant, value: 10ms}}
estate:
  odoo: {workers: 2ODOO}
  postgres: {cores: 2}
";
    for (odoo, expect) in [
        ("", 65_536),
        (", version: '16.0'", 8192),
        (", version: 15.0", 8192),
        (", version: '17.0'", 65_536),
        (", version: 18", 65_536),
        (", version: '16.0', limit_request: 1000", 1000),
    ] {
        let m = model(&base.replace("ODOO", odoo));
        assert_eq!(m.odoo.limit_request, expect, "{odoo}");
    }
    // The shipped profile names its version.
    let m = model(&base.replace(
        "workers: 2ODOO",
        "profile: ../profiles/odoo/prefork-default.yaml, workers: 2",
    ));
    assert_eq!(m.odoo.limit_request, 65_536);
}

//! Odoo's per-process limits as odoo/service/server.py enforces them: the cron worker's
//! watchdog (`limit_time_real_cron`, −1 = `limit_time_real`), `limit_time_cpu` (the
//! request fails, the worker lives), the memory limits compared with the worker's virtual
//! size, and `limit_request`'s default by Odoo version. The timed scenarios use constant
//! demands and fixed-time arrivals: every count is worked out by hand below; the CPU
//! limit's share of failures is checked against its exact value.

mod common;

use common::{assert_conserved, model, run_seeded};
use peakplan::result::{ClassResult, SimulationResult};

const SEED: u64 = 20261206;

fn class<'a>(r: &'a SimulationResult, name: &str) -> &'a ClassResult {
    r.classes.iter().find(|c| c.name == name).expect("class")
}

/// A 20-minute scheduler and a 100 s nightly job, each every 30 minutes from 00:01 and
/// 00:02: four runs each in the 2-hour horizon, on two cron workers. `LIMIT` adds
/// settings; `limit_time_cpu` is off unless a test puts it back (both runs would reach
/// its 60 s first).
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
  odoo: {workers: 1, max_cron_threads: 2, limit_time_cpuLIMIT}
  postgres: {cores: 4}
";

fn crons(limit: &str) -> SimulationResult {
    let limit = if limit.contains("limit_time_cpu:") {
        limit.trim_start_matches(", limit_time_cpu").to_owned()
    } else {
        format!(": unlimited{limit}")
    };
    let r = run_seeded(&model(&CRONS.replace("LIMIT", &limit)), SEED, 1);
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
fn limit_time_cpu_fails_a_cron_run_before_the_watchdog() {
    // The default 60 s: both runs reach it (1,200 s and 100 s of CPU, a core each), long
    // before the watchdog's 120 s. The workers live on: nothing is killed.
    let r = crons(", limit_time_cpu: 60");
    for name in ["scheduler", "nightly"] {
        let c = class(&r, name);
        assert_eq!(
            c.totals.errors["cpu_time_limit"], 4,
            "{name}: {:?}",
            c.totals
        );
        assert_eq!(c.totals.errors["killed_limit_time_real"], 0, "{name}");
    }
    // 110 s lets the nightly job through.
    let r = crons(", limit_time_cpu: 110s");
    assert_eq!(class(&r, "nightly").totals.completed, 4);
    assert_eq!(class(&r, "scheduler").totals.errors["cpu_time_limit"], 4);
}

/// Odoo CPU lognormal (mean 1 s, cv 1) on 16 workers at 2 requests/s: hardly any
/// queueing. `limit_time_cpu: 2s` fails the share of requests whose CPU time is above
/// 2 s, exactly P(X > 2).
const CPU_LIMIT: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 4h, warmup: 0s}
workloads:
  report:
    rate: 2/s
    odoo_cpuSHAPE
estate:
  odoo: {workers: 16, limit_time_cpu: 2s}
  postgres: {cores: 8}
";

#[test]
fn limit_time_cpu_fails_exactly_the_requests_above_it() {
    use statrs::distribution::{ContinuousCDF, Normal};
    let shape = ": {dist: lognormal, mean: 1s, cv: 1}";
    let r = run_seeded(&model(&CPU_LIMIT.replace("SHAPE", shape)), SEED, 1);
    assert_conserved(&r, SEED);
    let c = class(&r, "report");
    let n = c.totals.arrivals as f64;
    let share = c.totals.errors["cpu_time_limit"] as f64 / n;
    // ln X ~ N(mu, s²) with s² = ln(1 + cv²), mu = ln(mean) − s²/2.
    let s2 = 2f64.ln();
    let (mu, s) = (-s2 / 2.0, s2.sqrt());
    let exact = 1.0 - Normal::new(mu, s).unwrap().cdf(2f64.ln());
    let se = (exact * (1.0 - exact) / n).sqrt();
    assert!(
        (share - exact).abs() < 3.3 * se,
        "seed {SEED}: {share} of {n} requests failed, exact {exact} ± {}",
        3.3 * se
    );
    assert_eq!(
        c.totals.errors.values().sum::<u64>(),
        c.totals.errors["cpu_time_limit"]
    );
    // The requests that complete computed E[X | X ≤ 2] = mean·Φ((ln 2 − mu − s²)/s) /
    // P(X ≤ 2) on average: the limit truncates, it does not slow anyone down.
    let phi = Normal::new(0.0, 1.0).unwrap();
    let truncated = phi.cdf((2f64.ln() - mu - s2) / s) / (1.0 - exact);
    let cpu = c.time_breakdown.odoo_cpu_s.expect("odoo_cpu_s").mean;
    assert!(
        (cpu - truncated).abs() < 0.01,
        "seed {SEED}: completed requests' CPU {cpu}, exact {truncated}"
    );
}

#[test]
fn limit_time_cpu_counts_both_halves_of_a_request_with_queries() {
    // 3 s of CPU around one query: the first half (1.5 s) passes, the second is cut at
    // 0.5 s — every request fails. 1.9 s fits: none does. `unlimited`: none does.
    let shape = |cpu: &str| {
        format!(
            ": {{dist: constant, value: {cpu}}}\n    queries: {{dist: constant, value: 1}}\n    db_time_per_query: {{dist: constant, value: 10ms}}"
        )
    };
    for (cpu, limit, failing) in [
        ("3s", "2s", true),
        ("1900ms", "2s", false),
        ("3s", "unlimited", false),
    ] {
        let yaml = CPU_LIMIT
            .replace("SHAPE", &shape(cpu))
            .replace("rate: 2/s", "rate: 1/s")
            .replace("limit_time_cpu: 2s", &format!("limit_time_cpu: {limit}"));
        let r = run_seeded(&model(&yaml), SEED, 1);
        assert_conserved(&r, SEED);
        let t = &class(&r, "report").totals;
        let failed = t.errors["cpu_time_limit"];
        // Requests still running at the horizon have not reached their second half yet.
        let expect = if failing {
            t.arrivals - t.in_flight_at_horizon
        } else {
            0
        };
        assert_eq!(failed, expect, "cpu {cpu}, limit {limit}: {t:?}");
    }
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

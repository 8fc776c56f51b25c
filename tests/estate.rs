//! The wider estate's checks (issue "The whole Odoo estate"): conservation of requests,
//! component truths (token bucket, serialization failures and Odoo's retry loop, the IOPS
//! budget) and monotonicity under common random numbers. Every failure names its seed.

mod common;

use common::{assert_conserved, model, shipped};
use peakplan::model::Model;
use peakplan::result::SimulationResult;
use peakplan::run::{Progress, simulate};
use std::path::Path;

const SEED: u64 = 20261122;

fn run(m: &Model, reps: u32) -> SimulationResult {
    common::run_seeded(m, SEED, reps)
}

fn total_errors(r: &SimulationResult, class: usize, cause: &str) -> u64 {
    r.classes[class].totals.errors[cause]
}

/// Every arrival ends exactly once — completed, one error cause, or in flight at the
/// horizon — in scenarios that exercise every component.
#[test]
fn every_arrival_ends_exactly_once() {
    for name in [
        "flash-sale-hot-skus.yaml",
        "payment-outage.yaml",
        "quickstart.yaml",
    ] {
        let r = run(&shipped(name), 2);
        assert_conserved(&r, SEED);
    }
}

/// The volume never does more than its IOPS, and saturates when reports pile up.
#[test]
fn the_iops_budget_is_never_exceeded() {
    let r = run(&shipped("payment-outage.yaml"), 2);
    let v = r
        .resources
        .iter()
        .find(|x| x.name == "volume_iops")
        .unwrap();
    let cap = v.capacity.unwrap();
    assert!(
        v.level_max.mean <= cap * (1.0 + 1e-9),
        "seed {SEED}: {} > {cap}",
        v.level_max.mean
    );
    assert!(
        v.level_max.mean >= cap * 0.999,
        "seed {SEED}: the volume never saturated ({})",
        v.level_max.mean
    );
}

const CONTENDED: &str = "version: 1
horizon: {start: 2026-11-27T20:00, duration: 1h}
contention:
  tables:
    sequence: {keys: 1}
workloads:
  post:
    rate: 4/s
    odoo_cpu: {dist: exponential, mean: 200ms}
    queries: {dist: constant, value: 20}
    db_time_per_query: {dist: exponential, mean: 2ms}
    locks: [{table: sequence}]
estate:
  odoo: {workers: 40, max_tries_on_concurrency_failure: TRIES}
  postgres: {cores: 8}
";

/// With one hot key, overlapping writers conflict; every request that fails for it has
/// used all its tries, so conflicts = tries × failures + retried conflicts of requests
/// that eventually succeeded; with a single try, each conflict is exactly one failure.
#[test]
fn serialization_failures_follow_odoos_retry_loop() {
    let single = run(&model(&CONTENDED.replace("TRIES", "1")), 4);
    let c = &single.classes[0];
    let failures = total_errors(&single, 0, "serialization_failure");
    assert!(
        failures > 100,
        "seed {SEED}: too little contention to test ({failures})"
    );
    let window_s = single.scenario.horizon_s;
    let conflicts = c.serialization_failures_per_s.mean * window_s * 4.0;
    assert!(
        (conflicts - failures as f64).abs() < 0.5,
        "seed {SEED}: {conflicts} conflicts vs {failures} failures with one try"
    );

    let five = run(&model(&CONTENDED.replace("TRIES", "5")), 4);
    let c5 = &five.classes[0];
    let failures5 = total_errors(&five, 0, "serialization_failure");
    let conflicts5 = c5.serialization_failures_per_s.mean * window_s * 4.0;
    assert!(
        conflicts5 >= 5.0 * failures5 as f64 - 0.5,
        "seed {SEED}: {conflicts5} conflicts < 5 × {failures5}"
    );
    assert!(
        failures5 < failures,
        "seed {SEED}: retries must save requests ({failures5} vs {failures})"
    );
    // The retries cost time: back-off sleeps and re-runs show in the breakdown.
    let retry_s = c5.time_breakdown.lock_wait_and_retry_s.unwrap().mean;
    assert!(retry_s > 0.05, "seed {SEED}: lock/retry time {retry_s}");
}

/// A token bucket admits rate × T + burst requests of a flood (within the reservations
/// Traefik allows to wait, rate × 1/(2·rate) = ½).
#[test]
fn the_rate_limit_admits_rate_times_t_plus_burst() {
    let yaml = "version: 1
horizon: {start: 2026-11-27T20:00, duration: 10m}
workloads:
  api:
    rate: 100/s
    odoo_cpu: {dist: constant, value: 1ms}
    rate_limit: {average: 20, period: 2s, burst: 15}
estate:
  odoo: {workers: 50}
  postgres: {cores: 2}
";
    let r = run(&model(yaml), 3);
    let t = &r.classes[0].totals;
    let admitted = (t.arrivals - t.errors["rate_limited"]) as f64 / 3.0;
    let expected = 10.0 * 600.0 + 15.0;
    assert!(
        (admitted - expected).abs() <= 1.0,
        "seed {SEED}: admitted {admitted} per replication, expected {expected}"
    );
}

const BASE: &str = "version: 1
horizon: {start: 2026-11-27T10:00, duration: 2h, warmup: 10m}
contention:
  tables:
    stock.quant: {keys: 50, zipf_exponent: 1.0}
workloads:
  browse:
    profile: ../profiles/workloads/website-browse.yaml
    rate: RATE/s
  checkout:
    profile: ../profiles/workloads/checkout.yaml
    rate: 1/s
    locks: [{table: stock.quant}]
  reports:
    rate: 0.2/s
    odoo_cpu: {dist: exponential, mean: 300ms}
    queries: {dist: constant, value: 50}
    db_time_per_query: {dist: exponential, mean: 5ms}
    reads_per_query: 1000
estate:
  odoo: {pods: 2, workers: WORKERS}
  postgres: {cores: CORES, volume: {iops: IOPS}, buffer_hit_ratio: 0.98}
";

fn variant(rate: &str, workers: &str, cores: &str, iops: &str) -> SimulationResult {
    let y = BASE
        .replace("RATE", rate)
        .replace("WORKERS", workers)
        .replace("CORES", cores)
        .replace("IOPS", iops);
    run(&model(&y), 6)
}

/// Mean latency and half-width of each class.
fn latency(r: &SimulationResult) -> Vec<(String, f64, f64)> {
    r.classes
        .iter()
        .map(|c| {
            let e = c.latency_s_mean.unwrap();
            (c.name.clone(), e.mean, e.ci95_half_width.unwrap())
        })
        .collect()
}

/// With common random numbers (same seed, one stream per class), more workers, cores or
/// IOPS never raise a class's mean latency beyond noise, and more load never lowers it.
#[test]
fn capacity_and_load_move_latency_the_right_way() {
    let base = latency(&variant("30", "6", "2", "1500"));
    let checks = [
        ("more workers", variant("30", "9", "2", "1500"), false),
        ("more cores", variant("30", "6", "4", "1500"), false),
        ("more IOPS", variant("30", "6", "2", "6000"), false),
        ("more load", variant("36", "6", "2", "1500"), true),
    ];
    for (what, r, up) in checks {
        for ((class, b, bh), (_, m, h)) in base.iter().zip(latency(&r)) {
            let slack = bh + h;
            if up {
                assert!(
                    m >= b - slack,
                    "seed {SEED}: {what} lowered {class} latency {m} < {b}"
                );
            } else {
                assert!(
                    m <= b + slack,
                    "seed {SEED}: {what} raised {class} latency {m} > {b}"
                );
            }
        }
    }
}

/// queue_job never runs more jobs than a channel's capacity (here every job is in
/// `root.marketplace:2`); an outage with aggressive retries builds a backlog that drains
/// after the event.
#[test]
fn queue_job_respects_channel_capacity_and_drains() {
    let r = run(&shipped("marketplace-backlog.yaml"), 2);
    let level = |name: &str| r.resources.iter().find(|x| x.name == name).unwrap();
    let running = level("queue_job_running");
    assert!(
        running.level_max.mean <= 2.0,
        "seed {SEED}: {} jobs ran at once in a channel of 2",
        running.level_max.mean
    );
    assert!(
        running.level_max.mean >= 2.0 - 1e-9,
        "seed {SEED}: the channel never filled"
    );
    // The channel's own gauge: its capacity, and the first resource to saturate.
    let channel = level("queue_job_running[root.marketplace]");
    assert_eq!(channel.capacity, Some(2.0));
    assert!(channel.level_max.mean <= 2.0, "seed {SEED}: {channel:?}");
    assert_eq!(
        r.bottleneck.resource.as_deref(),
        Some("queue_job_running[root.marketplace]"),
        "seed {SEED}: {:?}",
        r.bottleneck
    );
    let pending = level("queue_job_pending");
    assert!(
        pending.level_max.mean > 100.0,
        "seed {SEED}: no backlog during the outage ({})",
        pending.level_max.mean
    );
    let d = &r.queue_job_drain[0];
    assert_eq!(d.event, "marketplace-promotion");
    assert!(
        d.drain_s.is_some(),
        "seed {SEED}: the backlog never drained: {d:?}"
    );
    let sync = r.classes.iter().find(|c| c.name == "stock_sync").unwrap();
    assert!(sync.totals.errors["integration_failed"] > 0);
    assert_eq!(
        sync.jobs_failed_per_s.mean, 0.0,
        "max_retries: 0 retries for ever"
    );
}

/// Scheduled actions run on the cron workers every interval (after the next poll), never
/// twice at once: a run longer than the interval makes the next ones wait, not overlap
/// (no cron time limit here: under the default one, 120 s, a 25-minute run is killed —
/// `tests/odoo_limits.rs`).
#[test]
fn crons_run_every_interval_and_never_overlap() {
    let yaml = "version: 1
horizon: {start: 2026-11-27T00:00, duration: 2h}
workloads:
  web:
    rate: 1/s
    odoo_cpu: {dist: constant, value: 10ms}
  short:
    cron: {interval: 10m}
    odoo_cpu: {dist: constant, value: 30s}
  long:
    cron: {interval: 10m, first_run: 1m}
    odoo_cpu: {dist: constant, value: 25m}
estate:
  odoo: {workers: 2, max_cron_threads: 2, limit_time_real_cron: 0, limit_time_cpu: unlimited}
  postgres: {cores: 2}
";
    let r = run(&model(yaml), 2);
    let runs = |c: usize| r.classes[c].totals.completed as f64 / 2.0;
    // Due at 0, 10, …, 110 min: 12 runs of 30 s, each started within a poll (60 s).
    assert_eq!(runs(1), 12.0, "seed {SEED}");
    let wait = r.classes[1].time_breakdown.backlog_wait_s.unwrap().mean;
    assert!(wait <= 60.0, "seed {SEED}: waited {wait} s for a poll");
    // 25-minute runs back to back from minute 1: at most 4 complete in 2 h, one at a time.
    assert!(
        runs(2) <= 4.0 && runs(2) >= 3.0,
        "seed {SEED}: {} long runs",
        runs(2)
    );
    let busy = r
        .resources
        .iter()
        .find(|x| x.name == "cron_workers_busy")
        .unwrap();
    assert!(busy.level_max.mean <= 2.0, "seed {SEED}");
}

/// Redis's policies behave as documented: `noeviction` fails the writes (logins) once
/// `maxmemory` is reached and evicts nothing; `volatile-*` / `allkeys-*` evict sessions
/// and fail nothing; memory never exceeds `maxmemory`.
#[test]
fn redis_policies_behave_as_documented() {
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/redis-sessions.yaml"),
    )
    .unwrap();
    for policy in ["noeviction", "volatile-lru", "allkeys-lfu"] {
        let yaml = base.replace("policy: noeviction ", &format!("policy: {policy} "));
        let r = run(&model(&yaml), 2);
        let c = &r.classes[0];
        let oom = c.totals.errors["redis_oom"];
        let evicted = c.sessions_evicted_per_s.mean;
        if policy == "noeviction" {
            assert!(
                oom > 0 && evicted == 0.0,
                "seed {SEED}, {policy}: {oom} OOM errors, {evicted} evictions/s"
            );
        } else {
            assert!(
                oom == 0 && evicted > 0.0,
                "seed {SEED}, {policy}: {oom} OOM errors, {evicted} evictions/s"
            );
        }
        let mem = r
            .resources
            .iter()
            .find(|x| x.name == "redis_memory_mib")
            .unwrap();
        assert!(
            mem.level_max.mean <= mem.capacity.unwrap() + 1e-9,
            "seed {SEED}, {policy}: over maxmemory"
        );
    }
}

/// PgBouncer (transaction pooling) never lends more than `default_pool_size` server
/// connections; clients wait for one, and those waiting past `query_wait_timeout` fail.
#[test]
fn pgbouncer_caps_server_connections_and_times_out_waiters() {
    let yaml = "version: 1
horizon: {start: 2026-11-27T10:00, duration: 30m}
workloads:
  heavy:
    rate: 20/s
    odoo_cpu: {dist: exponential, mean: 50ms}
    queries: {dist: constant, value: 50}
    db_time_per_query: {dist: exponential, mean: 4ms}
estate:
  odoo: {pods: 2, workers: 20}
  postgres:
    cores: 8
    pgbouncer: {pool_mode: transaction, default_pool_size: 3, query_wait_timeout: 2s}
";
    let r = run(&model(yaml), 2);
    let level = |n: &str| r.resources.iter().find(|x| x.name == n).unwrap();
    let server = level("pgbouncer_server_connections");
    assert!(
        server.level_max.mean <= 3.0,
        "seed {SEED}: {} server connections",
        server.level_max.mean
    );
    assert!(
        level("pgbouncer_waiting_clients").level_max.mean > 0.0,
        "seed {SEED}: nobody waited"
    );
    let c = &r.classes[0];
    assert!(
        c.totals.errors["pgbouncer_query_wait_timeout"] > 0,
        "seed {SEED}: no timeouts"
    );
    assert!(c.time_breakdown.connection_wait_s.unwrap().mean > 0.0);
    let t = &c.totals;
    assert_eq!(
        t.completed + t.errors.values().sum::<u64>() + t.in_flight_at_horizon,
        t.arrivals,
        "seed {SEED}"
    );
}

/// Batch arrivals: each arrival brings `batch_size` requests at once (an EDI import).
#[test]
fn batches_arrive_together() {
    let yaml = "version: 1
horizon: {start: 2026-11-27T10:00, duration: 10m}
workloads:
  edi_import:
    rate: 2/s
    batch_size: {dist: constant, value: 50}
    odoo_cpu: {dist: constant, value: 1ms}
estate:
  odoo: {workers: 50}
  postgres: {cores: 2}
";
    let r = run(&model(yaml), 2);
    let arrivals = r.classes[0].totals.arrivals;
    assert_eq!(arrivals % 50, 0, "seed {SEED}: a batch was split");
    // Batches per replication: Poisson with mean 2/s × 600 s.
    let batches = arrivals as f64 / 50.0 / 2.0;
    assert!(
        (batches - 1200.0).abs() < 4.0 * 1200f64.sqrt(),
        "seed {SEED}: {batches} batches"
    );
}

const API_LIMITED: &str = "version: 1
horizon: {start: 2026-11-27T20:00, duration: 10m}
workloads:
  checkout:
    rate: 100/s
    odoo_cpu: {dist: constant, value: 1ms}
    calls: [{integration: marketplace}]
estate:
  odoo: {workers: 50}
  postgres: {cores: 2}
integrations:
  marketplace:
    latency: {dist: constant, value: 1ms}
    rate_limit: {average: 40, period: 1s, burst: 80}
";

/// An API's own rate limit: over T the calls it admits never exceed rate × T + burst
/// (strict: completed requests made their call), and with demand 2.5 × the rate it uses
/// every token, so the 429s are demand − admitted. The only tokens left unused are those
/// refilled before the first call and after the last (gaps of a 100/s Poisson stream:
/// 0.4 tokens each on average) and the last fraction of one: more than 5 in a replication
/// has probability below 1e-3.
#[test]
fn an_api_rate_limit_admits_rate_times_t_plus_burst_and_rejects_the_rest_at_once() {
    let m = model(API_LIMITED);
    let bound = 40.0 * 600.0 + 80.0;
    for seed in [SEED, SEED + 1, SEED + 2] {
        let p = Progress::new(&m, 1);
        let r = simulate(&m, seed, 1, 1, &p).unwrap();
        let c = &r.classes[0];
        let t = &c.totals;
        let limited = t.errors["integration_rate_limited"];
        assert!(
            t.completed as f64 <= bound,
            "seed {seed}: {} calls completed, bound {bound}",
            t.completed
        );
        // Nothing else fails: 429 count = demand − admitted exactly.
        assert_eq!(
            t.completed + t.in_flight_at_horizon + limited,
            t.arrivals,
            "seed {seed}"
        );
        let admitted = (t.arrivals - limited) as f64;
        assert!(
            admitted >= bound - 5.0 && admitted <= bound + t.in_flight_at_horizon as f64,
            "seed {seed}: {admitted} admitted, expected ≈ {bound}"
        );
        // Rejected at once: the admitted calls took their 1 ms, nobody waited for a token.
        let ext = c.time_breakdown.external_calls_s.unwrap().mean;
        assert!((ext - 0.001).abs() < 1e-9, "seed {seed}: {ext}");
        // A 429 is its own cause, not an `integration_failed`.
        assert_eq!(t.errors["integration_failed"], 0);
    }
}

/// A queue_job job whose call gets 429 follows its retry policy: it is retried (each
/// retry is one more runjob request) instead of failing, so the limit becomes a backlog.
#[test]
fn a_rate_limited_job_retries_per_its_pattern() {
    let yaml = "version: 1
horizon: {start: 2026-11-27T20:00, duration: 30m}
workloads:
  order:
    rate: 5/s
    odoo_cpu: {dist: constant, value: 1ms}
    spawns: [{job: export}]
  export:
    job: {retry_pattern: \"{1: 10}\", max_retries: 0}
    odoo_cpu: {dist: constant, value: 1ms}
    calls: [{integration: marketplace}]
estate:
  odoo: {workers: 20, queue_job_channels: \"root:8\"}
  postgres: {cores: 2}
integrations:
  marketplace:
    latency: {dist: constant, value: 1ms}
    rate_limit: {average: 2, period: 1s, burst: 10}
";
    let r = run(&model(yaml), 2);
    let (orders, export) = (&r.classes[0].totals, &r.classes[1].totals);
    let limited = export.errors["integration_rate_limited"];
    // More 429s than jobs ever spawned: each 429 sent its job back to wait, not to `failed`.
    assert!(
        limited > orders.completed,
        "seed {SEED}: {limited} 429s for {} jobs",
        orders.completed
    );
    assert_eq!(
        r.classes[1].jobs_failed_per_s.mean, 0.0,
        "seed {SEED}: max_retries 0 = retry for ever"
    );
    // The API admits 2/s + burst: no more jobs can be done.
    assert!(
        export.completed as f64 <= (2.0 * 1800.0 + 10.0) * 2.0,
        "seed {SEED}"
    );
    // The storm: runjob requests (tries) far above the 5/s of new jobs, and a backlog.
    let tries_per_s = r.classes[1].arrivals_per_s.mean;
    assert!(tries_per_s > 20.0, "seed {SEED}: {tries_per_s} tries/s");
    let pending = r
        .resources
        .iter()
        .find(|x| x.name == "queue_job_pending")
        .unwrap();
    assert!(
        pending.level_max.mean > 1000.0,
        "seed {SEED}: no backlog ({})",
        pending.level_max.mean
    );
}

const CACHED: &str = "version: 1
horizon: {start: 2026-11-27T10:00, duration: 1h}
workloads:
  shop:
    rate: 50/s
    odoo_cpu: {dist: constant, value: 5ms}
    queries: {dist: constant, value: 2}
    db_time_per_query: {dist: constant, value: 2ms}
    new_session_ratio: 0.5
    cache_lookups: {dist: constant, value: 2}
    cache_miss_queries: 5
estate:
  redis:
    maxmemory: MAXMEM
    policy: POLICY
    session_size: 8KiB
    cache: {working_set: 256MiB, entry_size: 8KiB, hit_ratio: 0.95}
  odoo: {workers: 40}
  postgres: {cores: 4}
";

fn cached(maxmemory: &str, policy: &str) -> SimulationResult {
    let yaml = CACHED
        .replace("MAXMEM", maxmemory)
        .replace("POLICY", policy);
    run(&model(&yaml), 2)
}

fn resource<'a>(r: &'a SimulationResult, name: &str) -> &'a peakplan::result::ResourceResult {
    r.resources.iter().find(|x| x.name == name).unwrap()
}

/// A fully resident cache hits at `hit_ratio`: each replication makes n ≈ 360,000
/// lookups, so its hit share has standard deviation √(0.95·0.05/n) ≈ 3.6e-4, and the mean
/// of two replications half that squared; 5 standard deviations is the tolerance.
#[test]
fn a_fully_resident_cache_hits_at_its_hit_ratio() {
    let r = cached("8GiB", "allkeys-lru");
    let c = &r.classes[0];
    let n = c.totals.completed as f64 * 2.0 / 2.0; // lookups per replication
    let sd = (0.95 * 0.05 / n).sqrt() / 2f64.sqrt();
    let h = c.cache_hit_ratio.as_ref().expect("lookups were made").mean;
    assert!(
        (h - 0.95).abs() <= 5.0 * sd,
        "seed {SEED}: hit ratio {h}, expected 0.95 ± {}",
        5.0 * sd
    );
    let level = resource(&r, "redis_cache_hit_ratio").level_mean.mean;
    assert!((level - 0.95).abs() < 1e-9, "seed {SEED}: {level}");
    assert_eq!(
        resource(&r, "redis_cache_resident_mib").level_mean.mean,
        256.0
    );
    assert_eq!(c.sessions_evicted_per_s.mean, 0.0);
}

/// Sessions squeeze the cache under allkeys-lru: with the same seed (common random
/// numbers), a 512 MiB maxmemory gives a lower hit ratio and busier PostgreSQL cores than
/// 8 GiB; memory never exceeds maxmemory; under noeviction the cache is never evicted
/// (its resident level stays at the working set) and no session is evicted.
#[test]
fn sessions_squeezing_the_cache_move_load_to_postgresql() {
    let roomy = cached("8GiB", "allkeys-lru");
    let squeezed = cached("512MiB", "allkeys-lru");
    let hit = |r: &SimulationResult| r.classes[0].cache_hit_ratio.as_ref().unwrap().mean;
    let pg = |r: &SimulationResult| resource(r, "pg_cores_busy").level_mean.mean;
    assert!(
        hit(&squeezed) < hit(&roomy) - 0.1,
        "seed {SEED}: hit ratio {} squeezed vs {} roomy",
        hit(&squeezed),
        hit(&roomy)
    );
    // Each miss adds 5 × 2 ms of PostgreSQL time: 2 lookups × 50/s × Δmiss × 10 ms.
    let expected_rise = 2.0 * 50.0 * (hit(&roomy) - hit(&squeezed)) * 0.010;
    let rise = pg(&squeezed) - pg(&roomy);
    assert!(
        (rise - expected_rise).abs() <= 0.1 * expected_rise,
        "seed {SEED}: PostgreSQL busy cores rose by {rise}, expected {expected_rise}"
    );
    for (r, policy) in [
        (&roomy, "allkeys-lru"),
        (&squeezed, "allkeys-lru"),
        (&cached("512MiB", "noeviction"), "noeviction"),
        (&cached("512MiB", "volatile-lru"), "volatile-lru"),
    ] {
        let mem = resource(r, "redis_memory_mib");
        assert!(
            mem.level_max.mean <= mem.capacity.unwrap(),
            "seed {SEED}, {policy}: {} MiB over maxmemory",
            mem.level_max.mean
        );
        if policy == "noeviction" {
            assert_eq!(
                resource(r, "redis_cache_resident_mib").level_mean.mean,
                256.0,
                "seed {SEED}: noeviction evicted cache entries"
            );
            assert_eq!(r.classes[0].sessions_evicted_per_s.mean, 0.0);
            assert!(r.classes[0].totals.errors["redis_oom"] > 0, "seed {SEED}");
        }
    }
}

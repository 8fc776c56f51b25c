//! The PostgreSQL read replica (`estate.postgres.replica`, `readonly` classes): where the
//! work goes, the replication lag under light and heavy writes, connections, and the
//! accounting of every request. Every failure names its seed.

mod common;

use common::{assert_conserved, model, resource};
use peakplan::model::Model;
use peakplan::result::SimulationResult;
use peakplan::run::{Progress, simulate};

const SEED: u64 = 20261130;

fn run(m: &Model, reps: u32) -> SimulationResult {
    common::run_seeded(m, SEED, reps)
}

/// Reports (readonly): 20/s × 10 queries × 5 ms = 1.0 core. Orders: 10/s × 20 × 2 ms =
/// 0.4 core on the primary, whose WAL costs the replica 0.25 × 0.4 = 0.1 core of replay.
const SPLIT: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 2h, warmup: 10m}
workloads:
  reports:
    readonly: true
    rate: 20/s
    odoo_cpu: {dist: exponential, mean: 50ms}
    queries: {dist: constant, value: 10}
    db_time_per_query: {dist: exponential, mean: 5ms}
  orders:
    rate: 10/s
    odoo_cpu: {dist: exponential, mean: 50ms}
    queries: {dist: constant, value: 20}
    db_time_per_query: {dist: exponential, mean: 2ms}
estate:
  odoo: {workers: 40}
  postgres:
    cores: 4
REPLICA";

const REPLICA: &str = "    replica: {cores: 4, replay_ratio: 0.25}\n";

/// |estimate − exact| within three 95 % half-widths (a 5 % interval stretched to make a
/// false alarm rare) plus 0.5 % of the value for the work in flight at the window's edges.
fn assert_close(what: &str, e: &peakplan::stats::Estimate, exact: f64) {
    let hw = e.ci95_half_width.expect("several replications");
    assert!(
        (e.mean - exact).abs() <= 3.0 * hw + 0.005 * exact,
        "seed {SEED}: {what} = {} ± {hw}, exact {exact}",
        e.mean
    );
}

#[test]
fn readonly_work_moves_to_the_replica() {
    let with = run(&model(&SPLIT.replace("REPLICA", REPLICA)), 6);
    let without = run(&model(&SPLIT.replace("REPLICA", "")), 6);
    assert_eq!(
        (
            with.classes[0].kind.as_str(),
            without.classes[0].kind.as_str()
        ),
        ("readonly", "open")
    );
    let cores = 4.0;
    let (reads, writes, replay) = (20.0 * 10.0 * 0.005, 10.0 * 20.0 * 0.002, 0.25 * 0.4);

    // Without a replica `readonly` is ignored: the primary carries everything.
    let pg = resource(&without, "pg_cores_busy");
    assert_close(
        "primary utilisation without replica",
        pg.utilisation.as_ref().unwrap(),
        (reads + writes) / cores,
    );
    // …and the result has no replica resources at all.
    assert!(
        without
            .resources
            .iter()
            .all(|r| !r.name.starts_with("replica")),
        "seed {SEED}: replica resources without a replica"
    );

    // With one, the primary keeps the writes and the replica takes reads + replay.
    let pg = resource(&with, "pg_cores_busy");
    assert_close(
        "primary utilisation with replica",
        pg.utilisation.as_ref().unwrap(),
        writes / cores,
    );
    let rep = resource(&with, "replica_cores_busy");
    assert_eq!(rep.capacity, Some(cores));
    assert_close(
        "replica utilisation",
        rep.utilisation.as_ref().unwrap(),
        (reads + replay) / cores,
    );
    assert!(
        pg.level_mean.mean < resource(&without, "pg_cores_busy").level_mean.mean / 2.0,
        "seed {SEED}: the primary's CPU did not fall"
    );
    // The reports' DB time is still booked as db_cpu_s: ≈ 50 ms of CPU, a little
    // processor sharing on top.
    let db = with.classes[0].time_breakdown.db_cpu_s.unwrap().mean;
    assert!(
        (0.05..0.06).contains(&db),
        "seed {SEED}: reports db_cpu_s {db}"
    );
    // Reports open replica connections, not primary ones: 40 workers, 2 evented + 2 cron
    // background connections on the primary.
    assert!(resource(&with, "replica_connections").level_max.mean >= 1.0);
    let rc = resource(&with, "replica_connections").level_max.mean;
    assert!(
        rc <= 40.0,
        "seed {SEED}: {rc} replica connections > 40 workers"
    );
}

/// One writer at a time (a single user, constant times): every 1.04 s a transaction of
/// 20 ms primary CPU commits; its record is replayed `apply_delay` = 1 ms later in
/// 0.25 × 20 ms = 5 ms, alone on the replica. The lag rises from 0 to exactly 6 ms, then
/// drops to 0: max 6 ms, mean (6 ms)² / 2 per 1.04 s cycle.
const LIGHT: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h}
workloads:
  writer:
    users: 1
    think_time: {dist: constant, value: 1s}
    odoo_cpu: {dist: constant, value: 20ms}
    queries: {dist: constant, value: 10}
    db_time_per_query: {dist: constant, value: 2ms}
estate:
  odoo: {workers: 2, max_cron_threads: 0}
  postgres:
    cores: 2
    replica: {cores: 2}
";

/// Poisson writers at 75/s, 20 ms of primary CPU each, replayed at ratio 1: the replay
/// needs 1.5 cores but the startup process has one. After t seconds it has replayed
/// t / 20 ms records, committed by t / 1.5: the lag is t (1 − 1/1.5) = t / 3 — 200 s at
/// the 10-minute horizon, 100 s on average.
const HEAVY: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 10m}
workloads:
  writer:
    rate: 75/s
    odoo_cpu: {dist: constant, value: 20ms}
    queries: {dist: constant, value: 10}
    db_time_per_query: {dist: constant, value: 2ms}
estate:
  odoo: {workers: 20, max_cron_threads: 0}
  postgres:
    cores: 8
    replica: {cores: 2, replay_ratio: 1.0}
";

#[test]
fn lag_is_bounded_under_light_writes_and_grows_when_replay_cannot_keep_up() {
    let light = run(&model(LIGHT), 2);
    let lag = resource(&light, "replication_lag_s");
    assert!(lag.capacity.is_none());
    let bound = 0.001 + 0.25 * 0.020;
    assert!(
        (lag.level_max.mean - bound).abs() < 1e-6,
        "seed {SEED}: light max lag {} ≠ apply_delay + replay = {bound}",
        lag.level_max.mean
    );
    let cycle = 1.0 + 0.040;
    let mean = bound * bound / 2.0 / cycle;
    assert!(
        (lag.level_mean.mean - mean).abs() < 0.01 * mean,
        "seed {SEED}: light mean lag {} vs {mean}",
        lag.level_mean.mean
    );

    let heavy = run(&model(HEAVY), 2);
    let lag = resource(&heavy, "replication_lag_s");
    let t = 600.0;
    // ±5 %: the Poisson count of 30,000 commits has a 0.6 % standard deviation.
    let (max, mean) = (lag.level_max.mean, lag.level_mean.mean);
    assert!(
        (max - t / 3.0).abs() < 0.05 * t / 3.0,
        "seed {SEED}: heavy max lag {max} vs {}",
        t / 3.0
    );
    assert!(
        (mean - t / 6.0).abs() < 0.05 * t / 6.0,
        "seed {SEED}: heavy mean lag {mean} vs {}",
        t / 6.0
    );
    assert!(max > 1000.0 * bound, "seed {SEED}: the lag did not grow");
    // The startup process never uses more than one core.
    let busy = resource(&heavy, "replica_cores_busy");
    assert!(
        busy.level_max.mean <= 1.0 + 1e-9,
        "seed {SEED}: {}",
        busy.level_max.mean
    );
}

#[test]
fn a_replay_backlog_beyond_the_cap_stops_the_run() {
    let m = model(&HEAVY.replace(
        "horizon: {start: 2026-11-30T09:00, duration: 10m}",
        "horizon: {start: 2026-11-30T09:00, duration: 10m}\nrun: {max_in_flight: 2000}",
    ));
    let p = Progress::new(&m, 1);
    let stop = simulate(&m, SEED, 1, 1, &p).expect_err("the replay falls 2,000 records behind");
    assert!(
        stop.reason.contains("WAL records behind") && stop.hint.contains("single-threaded"),
        "{stop:?}"
    );
}

/// Slow reports on a one-core replica: the master kills some mid-query (their replica
/// connections close with the worker), and a replica with 6 usable connections refuses
/// some. Every arrival still ends exactly once.
const CROWDED: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h}
workloads:
  reports:
    readonly: true
    rate: 2/s
    odoo_cpu: {dist: exponential, mean: 100ms}
    queries: {dist: constant, value: 20}
    db_time_per_query: {dist: lognormal, mean: 40ms, cv: 3}
    reads_per_query: 10
  orders:
    rate: 5/s
    odoo_cpu: {dist: exponential, mean: 100ms}
    queries: {dist: constant, value: 20}
    db_time_per_query: {dist: exponential, mean: 2ms}
estate:
  odoo: {pods: 2, workers: 8, limit_time_real: 20s}
  postgres:
    cores: 4
    volume: {iops: 3000}
    buffer_hit_ratio: 0.9
    replica: {cores: 1, max_connections: MAXCONN, superuser_reserved_connections: 0}
";

#[test]
fn every_arrival_ends_once_with_a_replica() {
    for (maxconn, cause) in [
        ("100", "killed_limit_time_real"),
        ("6", "replica_too_many_clients"),
    ] {
        let r = run(&model(&CROWDED.replace("MAXCONN", maxconn)), 3);
        assert_conserved(&r, SEED);
        let errors = r.classes[0].totals.errors[cause];
        assert!(
            errors > 0,
            "seed {SEED}: no {cause} with max_connections {maxconn}"
        );
        // Each of the 16 HTTP workers holds at most one replica connection: a killed
        // worker's connection must close, or respawned workers would leak past 16.
        let conns = resource(&r, "replica_connections");
        assert!(
            conns.level_max.mean <= 16.0_f64.min(conns.capacity.unwrap()),
            "seed {SEED}: {} replica connections",
            conns.level_max.mean
        );
        // Reports read from the replica's volume (the primary's spec by default).
        let iops = resource(&r, "replica_volume_iops");
        assert_eq!(iops.capacity, Some(3000.0));
        assert!(iops.level_mean.mean > 0.0);
        assert!(r.classes[0].time_breakdown.db_io_s.unwrap().mean > 0.0);
        // Orders never touch the replica's connections nor fail for them.
        assert_eq!(r.classes[1].totals.errors["replica_too_many_clients"], 0);
    }
}

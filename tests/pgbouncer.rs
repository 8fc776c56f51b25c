//! PgBouncer's pool modes against Odoo's connection habits: in session pooling (its
//! default) a worker keeps its server connection until its process exits, so a pool
//! smaller than the workers starves the rest — their requests wait, then fail — where
//! transaction pooling serves the same load. Every failure names its seed.

use peakplan::model::Model;
use peakplan::result::SimulationResult;
use peakplan::run::{Progress, simulate};
use std::path::Path;

const SEED: u64 = 20261124;

fn run(yaml: &str, reps: u32) -> SimulationResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let m: Model =
        peakplan::scenario::load_str(yaml, "test.yaml", &dir).unwrap_or_else(|d| panic!("{d}"));
    let p = Progress::new(&m, reps);
    simulate(&m, SEED, reps, 2, &p).unwrap_or_else(|s| panic!("seed {SEED}: {s:?}"))
}

/// Eight workers, four server connections; each request holds a worker ≈ 110 ms, of
/// which ≈ 10 ms in the database: 40/s keeps ≈ 4.4 workers busy, so all eight serve.
const POOLED: &str = "version: 1
horizon: {start: 2026-11-27T10:00, duration: 1h}
workloads:
  web:
    rate: 40/s
    odoo_cpu: {dist: exponential, mean: 100ms}
    queries: {dist: constant, value: 10}
    db_time_per_query: {dist: exponential, mean: 1ms}
estate:
  odoo: {pods: 1, workers: 8, limit_request: 100000000}
  postgres:
    cores: 8
    pgbouncer: {pool_mode: MODE, default_pool_size: 4, query_wait_timeout: 10s}
";

#[test]
fn session_pooling_starves_workers_that_transaction_pooling_serves() {
    let level =
        |r: &SimulationResult, n: &str| r.resources.iter().find(|x| x.name == n).unwrap().clone();
    let tx = run(&POOLED.replace("MODE", "transaction"), 3);
    let t = &tx.classes[0].totals;
    assert_eq!(
        t.errors["pgbouncer_query_wait_timeout"], 0,
        "seed {SEED}: transaction pooling timed out: {t:?}"
    );
    let tx_server = level(&tx, "pgbouncer_server_connections");
    // A transaction holds its connection from the first query to the commit (≈ 60 ms).
    assert!(
        tx_server.level_mean.mean < 3.0,
        "seed {SEED}: {tx_server:?}"
    );

    // PgBouncer's default mode.
    let session = run(&POOLED.replace("pool_mode: MODE, ", ""), 3);
    let c = &session.classes[0];
    let server = level(&session, "pgbouncer_server_connections");
    assert!(
        server.level_max.mean <= 4.0,
        "seed {SEED}: {} server connections lent",
        server.level_max.mean
    );
    // Four workers took the four connections for good.
    assert!(
        server.level_mean.mean > 3.99,
        "seed {SEED}: server connections not held: {server:?}"
    );
    assert!(
        c.totals.errors["pgbouncer_query_wait_timeout"] > 0,
        "seed {SEED}: the workers without a connection never timed out"
    );
    assert!(
        c.error_ratio.mean > 0.05,
        "seed {SEED}: {:?}",
        c.error_ratio
    );
    let t = &c.totals;
    assert_eq!(
        t.completed + t.errors.values().sum::<u64>() + t.in_flight_at_horizon,
        t.arrivals,
        "seed {SEED}: conservation {t:?}"
    );
}

#[test]
fn statement_pooling_is_refused() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let d = peakplan::scenario::load_str(&POOLED.replace("MODE", "statement"), "test.yaml", &dir)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    for want in [
        "test.yaml:13:",
        "estate.postgres.pgbouncer.pool_mode",
        "multi-statement transactions",
    ] {
        assert!(d.contains(want), "missing {want:?} in:\n{d}");
    }
    let d = peakplan::scenario::load_str(&POOLED.replace("MODE", "sesion"), "test.yaml", &dir)
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(d.contains("did you mean `session`"), "{d}");
}

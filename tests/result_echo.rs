//! What a result says beyond its estimates: each replication's own figures
//! (`per_replication`, reachable from `run::run` before summarising) and the configuration
//! simulated (`configuration`), in the JSON, the terminal summary and the PDF; older results
//! without them still read.

mod common;

use common::{model, peakplan, simulate_into, text};
use peakplan::model::Model;
use peakplan::result::SimulationResult;
use peakplan::run::{Progress, run, simulate};
use serde_json::Value;

/// Two pods behind a rate-limited route, a PgBouncer, Redis, an integration with a rate
/// limit, a calendar event with ramps: most of what the configuration echoes.
const SCENARIO: &str = "version: 1
name: echo
horizon: {start: 2026-11-27T10:00, timezone: Europe/Paris, duration: 20m, warmup: 2m}
run: {replications: 3}
calendar:
  events:
    - name: flash
      kind: flash_sale
      start: 2026-11-27T10:05
      duration: 10m
      ramp_up: 2m
      ramp_down: 3m
      multipliers: {browse: 2.5}
workloads:
  browse:
    rate: 8/s
    odoo_cpu: {dist: exponential, mean: 80ms}
    queries: {dist: constant, value: 10}
    db_time_per_query: {dist: exponential, mean: 1ms}
    rate_limit: {average: 100, period: 1s, burst: 50}
  checkout:
    rate: 0.5/s
    odoo_cpu: {dist: exponential, mean: 300ms}
    calls:
      - integration: payment
integrations:
  payment:
    latency: {dist: constant, value: 200ms}
    rate_limit: {average: 20, period: 1s, burst: 10}
estate:
  odoo: {workers: 3, pods: 2, max_cron_threads: 1, limit_time_real: 60s}
  postgres:
    cores: 4
    max_connections: 200
    pgbouncer: {pool_mode: transaction, default_pool_size: 15}
  redis: {maxmemory: 256MiB, policy: allkeys-lru}
";

fn echo_model() -> Model {
    model(SCENARIO)
}

fn simulated(m: &Model, reps: u32, threads: usize) -> SimulationResult {
    let p = Progress::new(m, reps);
    simulate(m, 5, reps, threads, &p).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn run_gives_each_replication_and_the_summary_is_their_mean() {
    let m = echo_model();
    let p = Progress::new(&m, 3);
    let gathered = run(&m, 5, 3, 2, &p).unwrap();
    assert_eq!(gathered.per_replication.len(), 3);
    let figures = gathered.per_replication.clone();
    let r = peakplan::stats::summarize(&m, gathered);
    assert_eq!(r.per_replication.len(), r.run.replications as usize);
    for (i, f) in r.per_replication.iter().enumerate() {
        assert_eq!(f.index as usize, i, "in replication index order");
        assert_eq!(f.classes.len(), r.classes.len());
        assert_eq!(f.resources.len(), r.resources.len());
    }
    assert_eq!(
        r.per_replication.iter().map(|f| f.events).sum::<u64>(),
        r.run.events
    );
    let n = r.per_replication.len() as f64;
    let mean = |f: &dyn Fn(&peakplan::result::ReplicationResult) -> f64| {
        r.per_replication.iter().map(f).sum::<f64>() / n
    };
    for (c, class) in r.classes.iter().enumerate() {
        assert_eq!(r.per_replication[0].classes[c].name, class.name);
        let t = mean(&|f| f.classes[c].throughput_per_s);
        assert!(close(t, class.throughput_per_s.mean), "{}", class.name);
        let e = mean(&|f| f.classes[c].error_ratio);
        assert!(close(e, class.error_ratio.mean), "{}", class.name);
        let p95 = mean(&|f| f.classes[c].latency_s_p95.unwrap());
        assert!(
            close(p95, class.latency_s_p95.unwrap().mean),
            "{}",
            class.name
        );
    }
    for (i, res) in r.resources.iter().enumerate() {
        assert_eq!(r.per_replication[0].resources[i].name, res.name);
        let l = mean(&|f| f.resources[i].level_mean);
        assert!(close(l, res.level_mean.mean), "{}", res.name);
        let x = mean(&|f| f.resources[i].level_max);
        assert!(close(x, res.level_max.mean), "{}", res.name);
    }
    // What `run` handed back is what the result keeps.
    assert_eq!(
        serde_json::to_string(&figures).unwrap(),
        serde_json::to_string(&r.per_replication).unwrap()
    );
}

#[test]
fn per_replication_figures_do_not_depend_on_threads() {
    let m = echo_model();
    let one = peakplan::report::to_json(&simulated(&m, 3, 1));
    let two = peakplan::report::to_json(&simulated(&m, 3, 2));
    assert!(one == two, "same seed, 1 vs 2 threads: different bytes");
}

#[test]
fn the_configuration_is_the_scenario_and_its_capacities_the_gauges() {
    let m = echo_model();
    let r = simulated(&m, 1, 1);
    let c = r
        .configuration
        .as_ref()
        .expect("a new result echoes its configuration");
    let cap = |name: &str| {
        r.resources
            .iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .capacity
    };
    assert_eq!((c.odoo.pods, c.odoo.http_workers_per_pod), (2, 3));
    assert_eq!(c.odoo.http_workers, cap("odoo_workers_busy"));
    assert_eq!(c.odoo.http_workers, Some(6.0));
    assert_eq!(c.odoo.listen_backlog, cap("listen_backlog"));
    assert_eq!(c.odoo.cron_workers_per_pod, 1);
    assert_eq!(c.odoo.cron_workers, None, "no cron class, no cron gauge");
    assert_eq!(c.odoo.limit_time_real_s, Some(60.0));
    assert_eq!(c.postgres.cores, 4);
    assert_eq!(c.postgres.max_connections, 200);
    assert_eq!(c.postgres.usable_connections, cap("pg_connections"));
    assert_eq!(
        c.postgres.usable_connections,
        Some(f64::from(200 - c.postgres.reserved_connections))
    );
    let b = c.pgbouncer.as_ref().expect("pgbouncer");
    assert_eq!(
        (b.pool_mode.as_str(), b.default_pool_size),
        ("transaction", 15)
    );
    assert_eq!(
        Some(f64::from(b.default_pool_size)),
        cap("pgbouncer_server_connections")
    );
    assert!(c.replica.is_none());
    let redis = c.redis.as_ref().expect("redis");
    assert_eq!(redis.policy, "allkeys-*");
    assert_eq!(redis.maxmemory_mib, Some(256.0));
    assert_eq!(redis.maxmemory_mib, cap("redis_memory_mib"));
    assert!(c.queue_job_channels.is_empty(), "no job classes");
    assert_eq!(c.ingress.rate_limits.len(), 1);
    assert_eq!(c.ingress.rate_limits[0].class, "browse");
    assert_eq!(c.ingress.rate_limits[0].rate_per_s, 100.0);
    let api = &c.integrations[0];
    assert_eq!(api.name, "payment");
    let limit = api.rate_limit.as_ref().expect("payment's own rate limit");
    assert_eq!((limit.rate_per_s, limit.burst), (20.0, 10));
    let e = &c.calendar_events[0];
    assert_eq!((e.name.as_str(), e.kind.as_str()), ("flash", "flash_sale"));
    assert_eq!(
        (e.start_local.as_str(), e.end_local.as_str()),
        ("2026-11-27T10:05", "2026-11-27T10:15")
    );
    assert_eq!((e.ramp_up_s, e.ramp_down_s), (120.0, 180.0));
    assert_eq!(e.multipliers.len(), 1);
    assert_eq!(
        (e.multipliers[0].class.as_str(), e.multipliers[0].multiplier),
        ("browse", 2.5)
    );

    let s = peakplan::report::summary(&r, None, false);
    for want in [
        "simulated configuration",
        "Odoo: 2 pods × 3 HTTP workers (6 in all), 1 cron per pod",
        "PostgreSQL: 4 cores, 197 connections (max_connections 200, 3 reserved)",
        "PgBouncer: transaction pooling, default_pool_size 15",
        "Redis: maxmemory 256 MiB, allkeys-*",
        "Traefik: no retry; browse rate limit 100/s, burst 50",
        "Integration payment: ",
        "rate limit 20/s, burst 10",
        "event flash: flash sale 2026-11-27T10:05 → 2026-11-27T10:15, ramps up 2 min / down 3 min; browse ×2.5",
    ] {
        assert!(s.contains(want), "{want:?} not in the summary:\n{s}");
    }
}

/// The binary: the echo in `result.json` equals the scenario's, `per_replication` has one
/// entry per replication, and a result written before these fields still reports.
#[test]
fn result_json_echoes_the_scenario_and_older_results_still_report() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("echo.yaml");
    // Profiles are not used, so the scenario may live anywhere.
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = dir.path().join("out");
    let o = simulate_into(&scenario, &out, &["--no-charts"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let bytes = std::fs::read(out.join("result.json")).unwrap();
    let json: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["configuration"]["odoo"]["pods"], 2);
    assert_eq!(json["configuration"]["odoo"]["http_workers_per_pod"], 3);
    assert_eq!(json["configuration"]["postgres"]["cores"], 4);
    assert_eq!(json["per_replication"].as_array().unwrap().len(), 2);
    assert_eq!(json["run"]["replications"], 2);

    // `peakplan report` reads the new fields back and prints them.
    let o = peakplan(&["report", out.join("result.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    assert!(text(&o.stdout).contains("Odoo: 2 pods × 3 HTTP workers"));

    // A result from before: no `configuration`, no `per_replication`, no `warnings`, no
    // resource labels.
    let mut old = json.clone();
    let obj = old.as_object_mut().unwrap();
    obj.remove("configuration");
    obj.remove("per_replication");
    obj.remove("warnings");
    for r in obj["resources"].as_array_mut().unwrap() {
        let r = r.as_object_mut().unwrap();
        r.remove("label");
        r.remove("hard_limit");
        r.remove("scope");
    }
    let old_path = dir.path().join("old.json");
    std::fs::write(&old_path, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    let pdf = dir.path().join("old.pdf");
    let o = peakplan(&[
        "report",
        old_path.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let s = text(&o.stdout);
    assert!(s.starts_with("busiest resource: ") && !s.contains("simulated configuration"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

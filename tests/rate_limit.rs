//! Traefik's RateLimit middleware per source (`src/sim/ingress.rs`): one token bucket per
//! source in each Traefik replica's memory. Under an overload that saturates every bucket,
//! the admitted rate is exactly rate × sources × replicas in the long run (each bucket
//! admits its rate; the burst is spent once); with light traffic per source nothing is
//! limited.

mod common;

use common::{assert_conserved, model, run_seeded};
use peakplan::model::{Model, RateLimit, SimTime};
use peakplan::result::ClassResult;

/// `api` at 200/s (Poisson) for an hour, cheap requests on ample workers, limited to
/// 10/s per bucket (burst 10) from `sources` sources through `replicas` Traefik replicas.
fn api(sources: u32, replicas: u32) -> Model {
    model(&format!(
        "version: 1
name: rate-limit-sources
horizon: {{start: 2026-01-05T09:00, timezone: UTC, duration: 1h, warmup: 2m}}
workloads:
  api:
    rate: 200/s
    odoo_cpu: {{dist: constant, value: 1ms}}
    rate_limit: {{average: 10, period: 1s, burst: 10, sources: {sources}}}
estate:
  ingress: {{replicas: {replicas}}}
  odoo:
    workers: 40
    max_cron_threads: 0
    evented_worker: false
  postgres:
    cores: 2
"
    ))
}

fn class(m: &Model, seed: u64) -> ClassResult {
    let r = run_seeded(m, seed, 3);
    assert_conserved(&r, seed);
    r.classes[0].clone()
}

/// Admitted (completed) requests per second, within `tol` (relative) of `want`; the rest
/// got 429.
fn admits(sources: u32, replicas: u32, want: f64, tol: f64) {
    for seed in [1, 2] {
        let c = class(&api(sources, replicas), seed);
        let x = c.throughput_per_s.mean;
        assert!(
            (x - want).abs() <= tol * want,
            "seed {seed}, {sources} sources × {replicas} replicas: {x}/s admitted, expected {want}/s"
        );
        let limited = c.errors_per_s["rate_limited"].mean;
        let offered = c.arrivals_per_s.mean;
        assert!(
            (x + limited - offered).abs() < 0.01 * offered,
            "seed {seed}: admitted {x} + 429 {limited} ≠ offered {offered}"
        );
    }
}

/// One source through one replica: the single bucket, 10/s.
#[test]
fn one_source_is_the_single_bucket() {
    admits(1, 1, 10.0, 0.01);
}

/// Four sources, each offered 50/s against its 10/s: 40/s.
#[test]
fn sources_multiply_the_admitted_rate() {
    admits(4, 1, 40.0, 0.01);
}

/// Three Traefik replicas, each with its own bucket for the one source: 30/s; two
/// sources through three replicas: 60/s.
#[test]
fn replicas_multiply_the_admitted_rate() {
    admits(1, 3, 30.0, 0.01);
    admits(2, 3, 60.0, 0.01);
}

/// 100 sources offered 2/s each against 10/s: the limit binds no one (a request may still
/// meet a source's momentary burst: a handful of 429s).
#[test]
fn light_traffic_per_source_is_not_limited() {
    let c = class(&api(100, 1), 1);
    let limited = c.errors_per_s["rate_limited"].mean;
    assert!(
        limited < 0.001 * c.arrivals_per_s.mean,
        "{limited}/s limited"
    );
}

/// Traefik's maxDelay: 1 s / (2 × the rate truncated to whole requests per second), and
/// 500 ms below 1/s (`pkg/middlewares/ratelimiter/rate_limiter.go`); the bucket's ttl:
/// 2 s at 1/s or more, else 1 + ⌊1/rate⌋ s.
#[test]
fn max_delay_and_ttl_follow_traefik() {
    let at = |rate_per_s: f64| RateLimit {
        rate_per_s,
        burst: 1,
        sources: 1,
    };
    let ms = |x: SimTime| x.as_secs_f64() * 1e3;
    assert_eq!(ms(at(0.5).max_delay()), 500.0);
    assert_eq!(ms(at(0.999).max_delay()), 500.0);
    assert_eq!(ms(at(1.0).max_delay()), 500.0);
    assert_eq!(ms(at(1.5).max_delay()), 500.0, "1.5/s truncates to 1");
    assert_eq!(ms(at(2.5).max_delay()), 250.0);
    assert_eq!(
        at(3.0).max_delay(),
        SimTime(166_666_666),
        "integer nanoseconds"
    );
    assert_eq!(ms(at(100.0).max_delay()), 5.0);
    assert_eq!(at(10.0).ttl(), SimTime::from_secs(2));
    assert_eq!(at(0.25).ttl(), SimTime::from_secs(5));
    assert_eq!(at(0.3).ttl(), SimTime::from_secs(4));
}

/// A rate of 1.5/s: Traefik's maxDelay is 500 ms (not 333 ms), so under overload a bucket
/// reserves up to 0.75 token ahead — admitted rate still 1.5/s per bucket in the long run.
#[test]
fn fractional_rates_admit_their_rate() {
    let m = model(
        "version: 1
name: fractional
horizon: {start: 2026-01-05T09:00, timezone: UTC, duration: 2h, warmup: 2m}
workloads:
  api:
    rate: 20/s
    odoo_cpu: {dist: constant, value: 1ms}
    rate_limit: {average: 3, period: 2s, burst: 1, sources: 2}
estate:
  odoo: {workers: 10, max_cron_threads: 0, evented_worker: false}
  postgres: {cores: 2}
",
    );
    let c = class(&m, 1);
    let x = c.throughput_per_s.mean;
    assert!((x - 3.0).abs() < 0.02 * 3.0, "{x}/s admitted, expected 3/s");
}

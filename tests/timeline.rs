//! The timeline (`timeline:`): changes during a run, each against a figure worked out by
//! hand or by queueing theory — a slow release on the requests of its window, a degraded
//! or shared database CPU against M/M/1 processor sharing, an outage equal to the
//! integration's own `outages:` — and an empty timeline changing nothing. Every failure
//! names its seed.

mod common;

use common::{model, run_seeded};
use peakplan::result::SimulationResult;
use peakplan::validation::queues::{Service, queue_yaml};

const SEED: u64 = 20261207;

/// The mean latency of class 0 and its 95 % half-width.
fn mean_latency(r: &SimulationResult) -> (f64, f64) {
    let e = r.classes[0].latency_s_mean.as_ref().expect("completions");
    (e.mean, e.ci95_half_width.unwrap_or(f64::INFINITY))
}

/// `exact` lies within twice the 95 % half-width (≈ the 99.9 % interval at these
/// replication counts), and that interval is narrower than 4 % of `exact`.
fn assert_near(what: &str, (mean, hw): (f64, f64), exact: f64) {
    assert!(
        hw < 0.02 * exact,
        "seed {SEED}: {what}: half-width {hw} too wide for {exact}"
    );
    assert!(
        (mean - exact).abs() <= 2.0 * hw,
        "seed {SEED}: {what}: {mean} ± {hw}, exact {exact}"
    );
}

/// One class of fixed-time requests at 09:10, 09:35 and 09:50, each alone in the
/// estate: `work` is its YAML (the demand), `estate` extra estate keys.
fn three_requests(work: &str, extra: &str, timeline: &str) -> String {
    format!(
        "version: 1
horizon: {{start: 2026-11-30T09:00, duration: 1h, warmup: 0s}}
workloads:
  post:
    at: ['09:10', '09:35', '09:50']
{work}
estate:
  odoo: {{workers: 2, max_cron_threads: 0}}
  postgres: {{cores: 1{extra}}}
{timeline}"
    )
}

#[test]
fn a_slow_release_slows_the_tries_that_start_while_it_is_deployed() {
    let work = "    odoo_cpu: {dist: constant, value: 100ms}";
    let timeline = "timeline:
  - {at: 2026-11-30T09:30, duration: 15m, target: class.post, action: slow, factor: 3}
";
    let r = run_seeded(&model(&three_requests(work, "", timeline)), SEED, 1);
    // 0.1, 0.3 (09:35, during the release), 0.1 (09:50, rolled back at 09:45).
    let (mean, _) = mean_latency(&r);
    assert!(
        (mean - 0.5 / 3.0).abs() < 1e-6,
        "seed {SEED}: mean latency {mean}, expected {}",
        0.5 / 3.0
    );
    let plain = run_seeded(&model(&three_requests(work, "", "")), SEED, 1);
    assert!((mean_latency(&plain).0 - 0.1).abs() < 1e-6);
}

#[test]
fn a_noisy_neighbour_and_a_degraded_cpu_slow_a_lone_query_as_processor_sharing_says() {
    let work = "    odoo_cpu: {dist: constant, value: 0s}
    queries: {dist: constant, value: 1}
    db_time_per_query: {dist: constant, value: 1s}";
    for (change, exact) in [
        // One neighbour thread on one core: the query gets half of it, from 09:30 on.
        (
            "  - {at: 2026-11-30T09:30, target: postgres.cpu, action: noisy_neighbour, threads: 1}",
            (1.0 + 2.0 + 2.0) / 3.0,
        ),
        // A quarter of the core left for the 09:35 query only.
        (
            "  - {at: 2026-11-30T09:30, duration: 10m, target: postgres.cpu, action: degrade, factor: 0.25}",
            (1.0 + 4.0 + 1.0) / 3.0,
        ),
    ] {
        let yaml = three_requests(work, "", &format!("timeline:\n{change}\n"));
        let (mean, _) = mean_latency(&run_seeded(&model(&yaml), SEED, 1));
        assert!(
            (mean - exact).abs() < 1e-6,
            "seed {SEED}: {change}: mean latency {mean}, expected {exact}"
        );
    }
}

#[test]
fn a_degraded_volume_slows_the_reads_that_miss_the_cache() {
    // 100 pages read, all missing the cache (hit ratio 0), 1 ms each on a volume of
    // 1,000 IOPS (one stream at 1 ms): 100 ms; with a tenth of the IOPS left, 1 s.
    let work = "    odoo_cpu: {dist: constant, value: 0s}
    queries: {dist: constant, value: 1}
    db_time_per_query: {dist: constant, value: 1ms}
    reads_per_query: 100";
    let extra = ", volume: {iops: 1000, io_latency: 1ms}, buffer_hit_ratio: 0";
    let timeline = "timeline:
  - {at: 2026-11-30T09:30, duration: 10m, target: postgres.volume, action: degrade, factor: 0.1}
";
    let (with, _) = mean_latency(&run_seeded(
        &model(&three_requests(work, extra, timeline)),
        SEED,
        1,
    ));
    let (without, _) = mean_latency(&run_seeded(
        &model(&three_requests(work, extra, "")),
        SEED,
        1,
    ));
    assert!(
        (with - without - 0.9 / 3.0).abs() < 1e-6,
        "seed {SEED}: with {with}, without {without}: the 09:35 request should take 0.9 s more"
    );
}

/// M/M/1 processor sharing on PostgreSQL's core, `rate` per second, mean query
/// `s` seconds, with `change` on the timeline from the start.
fn mm1_ps(rate: f64, s: f64, change: &str) -> SimulationResult {
    let yaml =
        queue_yaml(
            "ps",
            rate,
            Service::ProcessorSharing { mean_s: s },
            1,
            None,
            20_000.0,
        ) + &format!("timeline:\n  - {{at: 2026-01-05T00:00, target: postgres.cpu, {change}}}\n");
    run_seeded(&model(&yaml), SEED, 8)
}

#[test]
fn processor_sharing_with_a_neighbour_or_half_a_core_matches_theory() {
    // Half the core: M/M/1-PS at twice the service time, ρ = 0.5: T = 2s / (1 − ρ).
    let half = mm1_ps(2.5, 0.1, "action: degrade, factor: 0.5");
    assert_near("half a core", mean_latency(&half), 0.2 / 0.5);
    // A thread always runnable beside the queries: with n queries each gets 1/(n+1) of
    // the core, so P(n) = (1−ρ)² (n+1) ρⁿ, N = 2ρ/(1−ρ) and T = 2s/(1−ρ); ρ = 0.25.
    let shared = mm1_ps(2.5, 0.1, "action: noisy_neighbour, threads: 1");
    assert_near("a neighbour thread", mean_latency(&shared), 0.2 / 0.75);
}

#[test]
fn an_empty_timeline_changes_nothing() {
    let text =
        std::fs::read_to_string(common::root().join("scenarios/payment-outage.yaml")).unwrap();
    let dir = common::root().join("scenarios");
    let load = |t: &str| peakplan::scenario::load_str(t, "t.yaml", &dir).unwrap();
    let a = run_seeded(&load(&text), SEED, 2);
    let b = run_seeded(&load(&format!("{text}\ntimeline: []\n")), SEED, 2);
    assert_eq!(
        peakplan::report::to_json(&a),
        peakplan::report::to_json(&b),
        "seed {SEED}"
    );
}

#[test]
fn an_outage_on_the_timeline_is_the_integrations_own_outage() {
    let text =
        std::fs::read_to_string(common::root().join("scenarios/payment-outage.yaml")).unwrap();
    let own = "    outages:\n      - {start: 2026-11-28T14:00, duration: 15m}\n";
    assert!(
        text.contains(own),
        "payment-outage.yaml changed: update this test"
    );
    let moved = text.replace(own, "")
        + "timeline:\n  - {at: 2026-11-28T14:00, duration: 15m, target: integration.payment, action: outage}\n";
    let dir = common::root().join("scenarios");
    let load = |t: &str| peakplan::scenario::load_str(t, "t.yaml", &dir).unwrap();
    let (a, b) = (
        run_seeded(&load(&text), SEED, 2),
        run_seeded(&load(&moved), SEED, 2),
    );
    let json = |r: &SimulationResult| serde_json::to_string(&r.classes).unwrap();
    assert_eq!(json(&a), json(&b), "seed {SEED}");
    assert!(a.classes.iter().any(|c| {
        c.totals
            .errors
            .get("integration_failed")
            .is_some_and(|n| *n > 0)
    }));
}

/// Each bad entry: exit 2 with the entry's path, line and a hint.
#[test]
fn bad_changes_are_refused_with_their_place() {
    let base = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h}
workloads:
  post: {rate: 1/s, odoo_cpu: {dist: constant, value: 10ms}}
integrations:
  payment: {latency: {dist: constant, value: 100ms}}
estate:
  odoo: {workers: 2}
  postgres: {cores: 1}
timeline:
";
    let dir = common::root().join("scenarios");
    for (entry, wanted) in [
        (
            "  - {at: 2026-11-30T09:30, target: integration.paymnt, action: outage}",
            "did you mean `payment`",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: class.pst, action: slow, factor: 2}",
            "did you mean `post`",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: class.post, action: slow}",
            "timeline[0].factor",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: class.post, action: outage}",
            "acts on an integration",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: replica.cpu, action: degrade, factor: 0.5}",
            "no read replica",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: postgres.volume, action: degrade, factor: 0.5}",
            "volume is not modelled",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: postgres.cpu, action: degrade, factor: 1.5}",
            "timeline[0].factor",
        ),
        (
            "  - {at: 2026-11-30T11:30, target: postgres.cpu, action: degrade, factor: 0.5}",
            "outside the horizon",
        ),
        (
            "  - {at: 2026-11-30T09:30, target: postgres.cpu, action: noisy_neighbour, threads: 2, factor: 3}",
            "does not apply",
        ),
        (
            "  - {at: 2026-11-30T09:30, duration: 20m, target: postgres.cpu, action: degrade, factor: 0.5}\n  - {at: 2026-11-30T09:40, target: postgres.cpu, action: degrade, factor: 0.8}",
            "overlaps",
        ),
    ] {
        let yaml = format!("{base}{entry}\n");
        let err = peakplan::scenario::load_str(&yaml, "t.yaml", &dir)
            .expect_err(entry)
            .to_string();
        assert!(err.contains(wanted), "{entry}:\n{err}");
        assert!(err.contains("t.yaml:1"), "{entry}: no line in\n{err}");
    }
}

//! Clients who give up (`client:`): on an M/M/2 queue whose clients wait a fixed `t`, the
//! share abandoned is the exact P(sojourn > t) (`analytic::mmc_response_tail`), since
//! Odoo runs an abandoned request to its end all the same; Odoo's completions are the
//! run's without clients (common random numbers), split into goodput and wasted
//! completions; users who send their request again add arrivals on top of the very
//! same originals; the result is the same on any thread count.

mod common;

use common::{assert_conserved, model, run_seeded};
use peakplan::analytic::mmc_response_tail;
use peakplan::model::Model;
use peakplan::result::{ClassResult, ClientResult, SimulationResult};
use peakplan::run::{Progress, simulate};
use peakplan::validation::queues::{Service, queue_yaml};

/// M/M/2 at ρ = 0.8: λ = 1.6/s, μ = 1/s; clients wait `TIMEOUT_S`.
const LAMBDA: f64 = 1.6;
const MU: f64 = 1.0;
const SERVERS: u32 = 2;
const TIMEOUT_S: f64 = 4.0;
/// Simulated seconds per replication (≈ 32,000 requests).
const HORIZON_S: f64 = 20_000.0;
const SEED: u64 = 1;

/// The M/M/2 queue; `client` is the YAML under `client:` (none: clients wait forever).
fn queue(client: Option<&str>) -> Model {
    let service = Service::Worker {
        mean_s: 1.0 / MU,
        scv: 1.0,
    };
    let base = queue_yaml("mm2-abandon", LAMBDA, service, SERVERS, None, HORIZON_S);
    let yaml = match client {
        None => base,
        Some(c) => base.replacen("estate:\n", &format!("    client: {c}\nestate:\n"), 1),
    };
    model(&yaml)
}

fn fixed_timeout(extra: &str) -> String {
    format!("{{timeout: {{dist: constant, value: {TIMEOUT_S}s}}{extra}}}")
}

fn class(r: &SimulationResult) -> &ClassResult {
    &r.classes[0]
}

fn client(r: &SimulationResult) -> &ClientResult {
    class(r)
        .client
        .as_ref()
        .expect("the class has clients who give up")
}

/// Goodput and wasted completions add up to Odoo's completions, whole run and per
/// second; the abandoned are the `client_timeout` errors.
fn assert_split(r: &SimulationResult) {
    let (c, k) = (client(r), class(r));
    let t = &c.totals;
    assert_eq!(t.goodput + t.wasted_completions, t.odoo_completed, "{t:?}");
    assert_eq!(t.goodput, k.totals.completed);
    assert_eq!(t.abandoned, k.totals.errors["client_timeout"]);
    let sum = c.goodput_per_s.mean + c.wasted_completions_per_s.mean;
    assert!(
        (sum - c.odoo_throughput_per_s.mean).abs() <= 1e-12 * sum,
        "{c:?}"
    );
    assert_eq!(c.goodput_per_s.mean, k.throughput_per_s.mean);
}

#[test]
fn abandoned_share_is_the_m_m_2_sojourn_tail() {
    let exact = mmc_response_tail(LAMBDA, MU, SERVERS, TIMEOUT_S).unwrap();
    assert!(
        exact > 0.05 && exact < 0.3,
        "a tail worth measuring: {exact}"
    );
    let r = run_seeded(&queue(Some(&fixed_timeout(""))), SEED, 20);
    let share = client(&r).abandoned_share;
    let half = share
        .ci95_half_width
        .expect("20 replications give an interval");
    let (low, high) = (share.mean - half, share.mean + half);
    assert!(
        low <= exact && exact <= high,
        "seed {SEED}: P(T > {TIMEOUT_S} s) = {exact} outside [{low}, {high}]"
    );
    assert!(
        half < 0.1 * exact,
        "seed {SEED}: interval ±{half} too wide to mean anything against {exact}"
    );
    assert_split(&r);
    assert_conserved(&r, SEED);
    assert_eq!(client(&r).resubmissions_per_s.mean, 0.0);
}

#[test]
fn odoo_still_runs_every_abandoned_request() {
    // Without resubmission Odoo sees the same requests with the same work: it completes
    // exactly what it completes when nobody gives up, and only the counting differs.
    let with = run_seeded(&queue(Some(&fixed_timeout(""))), SEED, 4);
    let without = run_seeded(&queue(None), SEED, 4);
    assert_eq!(
        client(&with).totals.odoo_completed,
        class(&without).totals.completed,
        "seed {SEED}: abandonment changed what Odoo did"
    );
    assert_eq!(
        class(&with).totals.arrivals,
        class(&without).totals.arrivals
    );
    let wasted = client(&with).totals.wasted_completions;
    assert!(
        wasted > 0,
        "seed {SEED}: a 4 s timeout at ρ = 0.8 wastes work"
    );
    // The workers' time is the same; part of it now serves nobody.
    let busy = |r: &SimulationResult| common::resource(r, "odoo_workers_busy").level_mean.mean;
    assert_eq!(busy(&with), busy(&without));
    let cpu = client(&with).wasted_odoo_cpu_s_per_s;
    assert!(cpu.mean > 0.0 && cpu.mean < busy(&with), "{cpu:?}");
    assert!(
        with.warnings
            .failing_classes
            .iter()
            .any(|f| f.class == "q" && f.dominant_cause.as_deref() == Some("client_timeout"))
    );
    assert!(without.classes[0].client.is_none());
    assert!(
        !without.classes[0]
            .errors_per_s
            .contains_key("client_timeout")
    );
    // The summary shows the table only where a class has clients who give up.
    let table = "clients who give up";
    assert!(peakplan::report::summary(&with, None, false).contains(table));
    assert!(!peakplan::report::summary(&without, None, false).contains(table));
}

#[test]
fn resubmissions_add_load_on_top_of_the_same_originals() {
    let none = run_seeded(&queue(Some(&fixed_timeout(""))), SEED, 4);
    let again = run_seeded(
        &queue(Some(&fixed_timeout(
            ", resubmit: 0.8, think: {dist: exponential, mean: 5s}, max_resubmits: 2",
        ))),
        SEED,
        4,
    );
    let c = client(&again);
    // The originals come from the class's arrival stream: the same ones.
    let originals = c.original_arrivals_per_s.mean;
    let base = class(&none).arrivals_per_s.mean;
    assert!(
        (originals - base).abs() <= 1e-12 * base,
        "seed {SEED}: originals {originals}/s against {base}/s without resubmission"
    );
    let sum = originals + c.resubmissions_per_s.mean;
    let arrivals = class(&again).arrivals_per_s.mean;
    assert!(
        (sum - arrivals).abs() <= 1e-12 * arrivals,
        "{sum} vs {arrivals}"
    );
    assert!(c.resubmissions_per_s.mean > 0.0);
    // More load on the same workers: more of it abandoned.
    assert!(
        c.abandoned_share.mean > client(&none).abandoned_share.mean,
        "seed {SEED}: {} ≤ {}",
        c.abandoned_share.mean,
        client(&none).abandoned_share.mean
    );
    // A user resubmits at most twice per original: at most 2 × its abandons.
    assert!(c.resubmissions_per_s.mean <= c.abandoned_per_s.mean);
    assert_split(&again);
    assert_conserved(&again, SEED);
    // No resubmission past `max_resubmits: 0`.
    let capped = run_seeded(
        &queue(Some(&fixed_timeout(", resubmit: 1, max_resubmits: 0"))),
        SEED,
        2,
    );
    assert_eq!(client(&capped).totals.abandoned, {
        let r = run_seeded(&queue(Some(&fixed_timeout(""))), SEED, 2);
        client(&r).totals.abandoned
    });
    assert_eq!(client(&capped).resubmissions_per_s.mean, 0.0);
}

#[test]
fn closed_users_give_up_and_come_back() {
    // A closed class: a user who gave up thinks and sends its next request (or resends
    // this one); it never has two requests of its own in flight as a user.
    let yaml = peakplan::validation::queues::closed_yaml("closed-abandon", 20, 2.0, 0.5, 5_000.0)
        .replacen(
            "estate:\n",
            "    client: {timeout: {dist: exponential, mean: 3s}, resubmit: 0.5}\nestate:\n",
            1,
        );
    let m = model(&yaml);
    let r = run_seeded(&m, SEED, 3);
    assert_conserved(&r, SEED);
    assert_split(&r);
    let c = client(&r);
    assert!(c.abandoned_share.mean > 0.05, "{c:?}");
    assert!(c.resubmissions_per_s.mean > 0.0);
    // Each user waits for its own answer: users in the system (user view) ≤ 20.
    assert!(class(&r).in_system_mean.mean <= 20.0);
}

#[test]
fn same_result_on_any_thread_count() {
    let m = queue(Some(&fixed_timeout(
        ", resubmit: 0.5, think: {dist: lognormal, mean: 3s, cv: 1}",
    )));
    let json = |threads: usize| {
        let p = Progress::new(&m, 4);
        let r = simulate(&m, SEED, 4, threads, &p).unwrap();
        serde_json::to_string(&r).unwrap()
    };
    assert_eq!(json(1), json(3), "seed {SEED}");
}

//! The summary's first lines never hide a failure: a class failing in a burst and a pool
//! that filled for an instant are listed ahead of the 5-minute averages, and "first
//! bottleneck: none" is said only of a run where nothing reached a limit and no class
//! failed.

mod common;

use common::{model, run_seeded, shipped};
use peakplan::report::summary;

/// An EDI import: twice an hour, a batch of 300 requests against 10 workers and a listen
/// backlog of 40 — a sixth of each batch ends in gateway errors, while the web shop beside
/// it is fine and every 5-minute average stays low.
const EDI_BURST: &str = "
version: 1
name: edi-burst
horizon: {start: 2026-11-23T09:00, timezone: UTC, duration: 4h}
workloads:
  shop:
    rate: 2/s
    odoo_cpu: {dist: exponential, mean: 100ms}
  edi_import:
    rate: 2/h
    batch_size: {dist: constant, value: 300}
    odoo_cpu: {dist: exponential, mean: 200ms}
estate:
  odoo: {pods: 1, workers: 10, listen_backlog: 40}
  postgres: {cores: 4}
";

#[test]
fn a_burst_that_fails_is_the_first_thing_said() {
    let r = run_seeded(&model(EDI_BURST), 1, 3);
    let edi = r.classes.iter().find(|c| c.name == "edi_import").unwrap();
    // 10 workers + 40 in the backlog take 50 of each 300; the other SYNs are dropped and
    // retransmitted at 1, 3, 7 and 15 s, each wave finding the pod drained and room for
    // about 50 more: ≈ 50 of 300 (17 %) are still outside when the dial times out (30 s).
    let e = edi.error_ratio.mean;
    assert!((0.12..0.25).contains(&e), "seed 1: {:?}", edi.error_ratio);
    let busiest = r
        .resources
        .iter()
        .filter_map(|x| x.utilisation_peak.as_ref())
        .map(|p| p.value)
        .fold(0.0, f64::max);
    assert!(
        busiest < 0.9,
        "seed 1: the averages alone would say nothing ({busiest})"
    );
    let failing: Vec<&str> = r
        .warnings
        .failing_classes
        .iter()
        .map(|c| c.class.as_str())
        .collect();
    assert_eq!(failing, ["edi_import"], "seed 1");
    let f = &r.warnings.failing_classes[0];
    assert_eq!(f.dominant_cause.as_deref(), Some("dial_timeout"));
    let limits: Vec<&str> = r
        .warnings
        .limits_reached
        .iter()
        .map(|l| l.resource.as_str())
        .collect();
    assert!(
        limits.contains(&"odoo_workers_busy") && limits.contains(&"listen_backlog"),
        "{limits:?}"
    );

    let text = summary(&r, None, false);
    let first: Vec<&str> = text.lines().take(3).collect();
    assert!(
        first
            .iter()
            .any(|l| l.starts_with("WARNING class edi_import")),
        "seed 1: {text}"
    );
    assert!(
        first.iter().any(|l| l.starts_with("WARNING HTTP workers")),
        "{text}"
    );
    assert!(!text.contains("first bottleneck: none"), "{text}");
}

#[test]
fn a_pool_full_for_an_instant_is_named_but_shared_cores_are_not() {
    // Quickstart: 5 workers, 36 % busy at most in a bucket, all 5 busy at some instant;
    // PostgreSQL's 2 cores are both busy whenever two queries overlap — that is sharing,
    // not a limit.
    let r = run_seeded(&shipped("quickstart.yaml"), 1, 2);
    let limits: Vec<&str> = r
        .warnings
        .limits_reached
        .iter()
        .map(|l| l.resource.as_str())
        .collect();
    assert_eq!(limits, ["odoo_workers_busy"], "seed 1");
    let w = &r.warnings.limits_reached[0];
    assert_eq!((w.capacity, w.in_replications, w.replications), (5.0, 2, 2));
    assert_eq!(w.label, "HTTP workers");
    let cores = r
        .resources
        .iter()
        .find(|x| x.name == "pg_cores_busy")
        .unwrap();
    assert!(!cores.hard_limit && cores.level_max.mean >= 2.0 - 1e-9);
}

#[test]
fn none_is_said_only_of_a_clean_run() {
    let clean = EDI_BURST
        .replace("    batch_size: {dist: constant, value: 300}\n", "")
        .replace(
            "workers: 10, listen_backlog: 40",
            "workers: 40, listen_backlog: 40",
        );
    let r = run_seeded(&model(&clean), 1, 2);
    assert!(r.warnings.failing_classes.is_empty() && r.warnings.limits_reached.is_empty());
    let text = summary(&r, None, false);
    assert!(text.contains("first bottleneck: none"), "seed 1: {text}");
    assert!(!text.contains("WARNING"), "{text}");
}

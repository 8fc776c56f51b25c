//! The listen queue as Linux runs it (`src/sim/listen.rs`): a SYN meeting a full accept
//! queue is dropped and retransmitted to the same pod after 1, 3, 7, 15… s, until
//! Traefik's dial timeout (30 s) or the kernel's own limit (127 s) turns it into a 504;
//! `somaxconn` caps the backlog; `tcp_abort_on_overflow` refuses at once instead.
//!
//! The exact cases are constructed so every delay is predictable: requests arriving
//! together at a fixed time, with constant CPU, on one pod with one worker.

mod common;

use common::{assert_conserved, model, resource, run_seeded};
use peakplan::model::Model;
use peakplan::result::{ClassResult, SimulationResult};
use peakplan::run::{Progress, simulate};

/// `batch` requests arrive together at 09:00:00 (60 s into the horizon), each needing
/// `cpu_s` of Odoo CPU, on one pod with one HTTP worker; `estate` lines are added under
/// `estate.odoo`, `ingress` under `estate.ingress`.
fn burst(batch: u32, cpu_s: u32, odoo: &str, ingress: &str) -> Model {
    model(&format!(
        "version: 1
name: accept-queue
horizon: {{start: 2026-01-05T08:59, timezone: UTC, duration: 15m, warmup: 0s}}
workloads:
  burst:
    at: [\"09:00\"]
    batch_size: {{dist: constant, value: {batch}}}
    odoo_cpu: {{dist: constant, value: {cpu_s}s}}
estate:
  ingress: {{retry_attempts: 1{ingress}}}
  odoo:
    workers: 1
    max_cron_threads: 0
    evented_worker: false
    limit_time_real: unlimited
    limit_time_cpu: unlimited
{odoo}  postgres:
    cores: 2
"
    ))
}

/// Two replications (identical: nothing here is random); the one class's figures.
fn class(m: &Model) -> ClassResult {
    let r = run_seeded(m, 1, 2);
    assert_conserved(&r, 1);
    r.classes[0].clone()
}

fn mean(e: Option<peakplan::stats::Estimate>) -> f64 {
    e.expect("an estimate").mean
}

fn close(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() < 1e-9, "{what}: {got} ≠ {want}");
}

/// Per replication (totals are over both).
fn errors(c: &ClassResult, cause: &str) -> u64 {
    c.totals.errors[cause] / 2
}

/// Three requests, no backlog: the first runs 10 s; the second's SYNs are dropped at 0, 1,
/// 3, 7 s and accepted at 15 s (the worker freed at 10 s): 25 s, of which 15 s retrying;
/// the third loses the worker to it at 15 s, and its next SYN (31 s) would come after the
/// dial timeout: a 504 at 30 s.
#[test]
fn syn_retries_follow_the_retransmission_schedule() {
    let c = class(&burst(3, 10, "    listen_backlog: 0\n", ""));
    assert_eq!(c.totals.completed / 2, 2, "{:?}", c.totals);
    assert_eq!(errors(&c, "dial_timeout"), 1);
    assert_eq!(errors(&c, "backlog_full"), 0);
    close("latency", mean(c.latency_s_mean), (10.0 + 25.0) / 2.0);
    close("syn retry", mean(c.time_breakdown.syn_retry_s), 15.0 / 2.0);
    close("backlog", mean(c.time_breakdown.backlog_wait_s), 0.0);
    close("cpu", mean(c.time_breakdown.odoo_cpu_s), 10.0);
}

/// The same burst with Traefik's Retry (2 attempts): the third request's dial times out
/// at 30 s, Traefik retries 100 ms later and finds the worker free (the second ended at
/// 25 s): 40.1 s, of which 30 s dialling and 0.1 s of back-off.
#[test]
fn a_timed_out_dial_is_retried_by_traefik() {
    let m = burst(3, 10, "    listen_backlog: 0\n", "");
    let mut retry = m.clone();
    retry.ingress.retry_attempts = 2;
    let c = class(&retry);
    assert_eq!(c.totals.completed / 2, 3, "{:?}", c.totals);
    close(
        "latency",
        mean(c.latency_s_mean),
        (10.0 + 25.0 + 40.1) / 3.0,
    );
    close("syn retry", mean(c.time_breakdown.syn_retry_s), 45.0 / 3.0);
    close("ingress", mean(c.time_breakdown.ingress_s), 0.1 / 3.0);
}

/// A shorter dial timeout (5 s) ends both dials after the SYNs at 0, 1 and 3 s.
#[test]
fn the_dial_timeout_bounds_the_retransmissions() {
    let c = class(&burst(
        3,
        10,
        "    listen_backlog: 0\n",
        ", dial_timeout: 5s",
    ));
    assert_eq!(c.totals.completed / 2, 1);
    assert_eq!(errors(&c, "dial_timeout"), 2);
    // Failed requests book no latency: only the first, 10 s.
    close("latency", mean(c.latency_s_mean), 10.0);
}

/// With a dial timeout beyond the kernel's, the kernel gives up first: after its sixth
/// retransmission's timeout, 127 s. The worker is busy 130 s; with a Traefik retry the
/// second request times out at 127 s, retries at 127.1 s, is dropped, retransmits at
/// 128.1 and 130.1 s and starts then: 260.1 s. The third follows it by one SYN each time
/// until its second dial ends at 127.1 + 127 s: a 504.
#[test]
fn the_kernel_gives_up_after_127_seconds() {
    let mut m = burst(3, 130, "    listen_backlog: 0\n", ", dial_timeout: 10m");
    m.ingress.retry_attempts = 2;
    let c = class(&m);
    assert_eq!(c.totals.completed / 2, 2, "{:?}", c.totals);
    assert_eq!(errors(&c, "dial_timeout"), 1);
    close("latency", mean(c.latency_s_mean), (130.0 + 260.1) / 2.0);
    close("syn retry", mean(c.time_breakdown.syn_retry_s), 130.0 / 2.0);
}

/// `somaxconn: 1` caps Odoo's backlog (8 × 1) at one: the second request waits in it,
/// the third's SYNs are dropped until 15 s, when the second has moved to the worker; it
/// waits 5 s in the backlog and ends at 30 s.
#[test]
fn somaxconn_caps_the_backlog() {
    let m = burst(3, 10, "    somaxconn: 1\n", "");
    assert_eq!(m.odoo.listen_backlog, 1, "min(8 × workers, somaxconn)");
    let c = class(&m);
    assert_eq!(c.totals.completed / 2, 3, "{:?}", c.totals);
    close(
        "latency",
        mean(c.latency_s_mean),
        (10.0 + 20.0 + 30.0) / 3.0,
    );
    close("syn retry", mean(c.time_breakdown.syn_retry_s), 15.0 / 3.0);
    close("backlog", mean(c.time_breakdown.backlog_wait_s), 15.0 / 3.0);
    // The same with the backlog written out: identical figures.
    let written = class(&burst(3, 10, "    listen_backlog: 1\n", ""));
    assert_eq!(
        serde_json::to_string(&written).unwrap(),
        serde_json::to_string(&c).unwrap()
    );
    // The gauge's capacity is the capped backlog.
    let r = run_seeded(&m, 1, 2);
    assert_eq!(resource(&r, "listen_backlog").capacity, Some(1.0));
    let uncapped = burst(3, 10, "", "");
    assert_eq!(uncapped.odoo.listen_backlog, 8, "4096 does not cap 8");
}

/// `tcp_abort_on_overflow`: the connection is reset at once — the model before SYN drops.
#[test]
fn abort_on_overflow_refuses_at_once() {
    let c = class(&burst(
        3,
        10,
        "    listen_backlog: 0\n    tcp_abort_on_overflow: true\n",
        "",
    ));
    assert_eq!(c.totals.completed / 2, 1);
    assert_eq!(errors(&c, "backlog_full"), 2);
    assert_eq!(errors(&c, "dial_timeout"), 0);
    close("syn retry", mean(c.time_breakdown.syn_retry_s), 0.0);
}

/// A Poisson overload of three pods (twice their capacity for ten minutes), with Traefik
/// retries: SYNs are dropped, dials time out and are retried.
fn overload(abort: bool) -> Model {
    model(&format!(
        "version: 1
name: overload
horizon: {{start: 2026-01-05T09:00, timezone: UTC, duration: 20m, warmup: 1m}}
calendar:
  events:
    - {{name: rush, kind: flash_sale, start: 2026-01-05T09:05, duration: 10m, multipliers: {{shop: 4.0}}}}
workloads:
  shop:
    rate: 10/s
    odoo_cpu: {{dist: exponential, mean: 500ms}}
estate:
  ingress: {{retry_attempts: 3}}
  odoo:
    pods: 3
    workers: 4
    listen_backlog: 6
    tcp_abort_on_overflow: {abort}
    max_cron_threads: 0
    evented_worker: false
  postgres:
    cores: 4
"
    ))
}

/// Every arrival ends once (completed, an error, or in flight), the SYN wait shows in
/// where the time went and the gateway errors under their own cause; the old refusal
/// shows none of it.
#[test]
fn overload_conserves_requests_and_shows_syn_waits() {
    for seed in [1, 2] {
        let r = run_seeded(&overload(false), seed, 2);
        assert_conserved(&r, seed);
        let c = &r.classes[0];
        let syn = mean(c.time_breakdown.syn_retry_s);
        assert!(syn > 0.1, "seed {seed}: syn retry {syn}");
        assert!(
            c.totals.errors["dial_timeout"] > 0,
            "seed {seed}: {:?}",
            c.totals
        );
        assert_eq!(c.totals.errors["backlog_full"], 0, "seed {seed}");
        // The parts add up to the mean latency.
        close("parts", common::parts_sum(&r, c), mean(c.latency_s_mean));

        let old = run_seeded(&overload(true), seed, 2);
        assert_conserved(&old, seed);
        let o = &old.classes[0];
        assert_eq!(mean(o.time_breakdown.syn_retry_s), 0.0, "seed {seed}");
        assert_eq!(o.totals.errors["dial_timeout"], 0, "seed {seed}");
        assert!(o.totals.errors["backlog_full"] > 0, "seed {seed}");
    }
}

fn json(m: &Model, threads: usize) -> Vec<u8> {
    let p = Progress::new(m, 3);
    let r: SimulationResult = simulate(m, 7, 3, threads, &p).unwrap();
    serde_json::to_vec(&r).unwrap()
}

/// Same scenario and seed, same bytes on one thread and on two.
#[test]
fn syn_retries_are_byte_identical_across_thread_counts() {
    let m = overload(false);
    assert!(
        json(&m, 1) == json(&m, 2),
        "JSON differs between 1 and 2 threads (seed 7)"
    );
}

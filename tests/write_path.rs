//! The PostgreSQL write path (`writes:` on a class, `estate.postgres` write settings):
//! commits wait for their WAL flush on the volume with group commit, checkpoints write
//! the dirtied pages back within the volume's IOPS, and the buffer hit ratio follows the
//! working set. The exact figures come from the flush cycle: commits arrive as a Poisson
//! stream of rate λ and a flush takes L; a flush starts when a commit finds the writer
//! idle, and another follows at once if a commit arrived during it (probability
//! p = 1 − e^(−λL)). A busy period is a geometric number of flushes with mean e^(λL), so
//! flushes run at e^(λL) / (1/λ + L·e^(λL)) per second, the writer is busy a share
//! β = L·e^(λL) / (1/λ + L·e^(λL)) of the time, and a commit (arrivals see time
//! averages) waits L, plus the rest of a flush in progress — L/2 on average — with
//! probability β. Every failure names its seed.

mod common;

use common::{assert_conserved, model, resource, run_seeded};
use peakplan::model::{HitBasis, hit_ratio};
use peakplan::result::SimulationResult;
use peakplan::stats::Estimate;

const SEED: u64 = 20261206;

/// One writing class on a 3,000 IOPS volume at 1 ms per I/O; nothing reads the volume.
fn scenario(rate: &str, rows: u32, iops: u32, extra: &str) -> String {
    format!(
        "version: 1
horizon: {{start: 2026-11-23T09:00, timezone: UTC, duration: 1h, warmup: 5m}}
workloads:
  orders:
    rate: {rate}
    odoo_cpu: {{dist: exponential, mean: 5ms}}
    writes: {{rows: {{dist: constant, value: {rows}}}}}
estate:
  odoo: {{pods: 2, workers: 16}}
  postgres:
    cores: 4
    volume: {{iops: {iops}, io_latency: 1ms}}
{extra}"
    )
}

fn run(yaml: &str, reps: u32) -> SimulationResult {
    let r = run_seeded(&model(yaml), SEED, reps);
    assert_conserved(&r, SEED);
    r
}

/// |estimate − exact| within its 95 % half-width stretched by 3 (a false alarm is then
/// rare), and the half-width itself under `rel` of the value, so the check means something.
fn assert_within(what: &str, e: &Estimate, exact: f64, rel: f64) {
    let hw = e.ci95_half_width.expect("several replications");
    assert!(
        hw < rel * exact,
        "seed {SEED}: {what}: half-width {hw} too wide for {exact}"
    );
    assert!(
        (e.mean - exact).abs() <= 3.0 * hw,
        "seed {SEED}: {what} = {} ± {hw}, exact {exact}",
        e.mean
    );
}

/// Flushes per second and the share of time the WAL writer is busy (module comment).
fn flush_cycle(lambda: f64, l: f64) -> (f64, f64) {
    let flushes_per_busy_period = (lambda * l).exp();
    let cycle = 1.0 / lambda + l * flushes_per_busy_period;
    (
        flushes_per_busy_period / cycle,
        l * flushes_per_busy_period / cycle,
    )
}

#[test]
fn a_lone_commit_waits_one_flush_and_the_standby() {
    // One request at 09:10: its commit is one I/O (1 ms) and a 2 ms round trip.
    let yaml = scenario("1/s", 5, 3000, "    commit_round_trip: 2ms\n")
        .replace("rate: 1/s", "at: [\"09:10\"]");
    let r = run(&yaml, 2);
    let commit = r.classes[0]
        .time_breakdown
        .commit_s
        .expect("a writing class");
    assert!(
        (commit.mean - 0.003).abs() < 1e-6,
        "seed {SEED}: commit {} s, expected 3 ms",
        commit.mean
    );
}

#[test]
fn group_commit_matches_the_flush_cycle() {
    // λ = 200/s, L = 1 ms: β = 0.196, so a commit waits 1.098 ms on average; the volume
    // does 196.3 flushes/s plus 200 rows/s written back (one page each). The checkpoint's
    // 0.22 streams and one flush never fill the volume's 3 streams: nothing slows.
    let r = run(&scenario("200/s", 1, 3000, ""), 10);
    let (flushes, busy) = flush_cycle(200.0, 0.001);
    let commit = r.classes[0]
        .time_breakdown
        .commit_s
        .expect("a writing class");
    assert_within("commit wait", &commit, 0.001 + busy * 0.0005, 0.002);
    // Checkpoints inside the window write the pages dirtied from the start to its last
    // checkpoint, 55 of its 55 minutes' worth: on average the rows' rate.
    let iops = &resource(&r, "volume_iops").level_mean;
    assert_within("volume IOPS", iops, 200.0 + flushes, 0.01);
    // Without grouping there would be 200 flushes/s: the test can tell.
    assert!((200.0 - flushes) > 3.0);
    // The parts, commit included, add up to the mean latency.
    let c = &r.classes[0];
    let sum = common::parts_sum(&r, c);
    let latency = c.latency_s_mean.unwrap().mean;
    assert!(
        (sum - latency).abs() < 1e-9 * latency.max(1.0),
        "seed {SEED}: parts {sum} s vs latency {latency} s"
    );
}

#[test]
fn checkpoints_write_back_the_rows_within_the_volume() {
    // 20 commits/s of 50 rows: 1,000 pages/s to write back, paced over 90 % of each
    // 5-minute interval (1,111 IOPS while writing), plus ≈ 20 flushes/s.
    let r = run(&scenario("20/s", 50, 3000, ""), 6);
    let (flushes, _) = flush_cycle(20.0, 0.001);
    let iops = resource(&r, "volume_iops");
    assert_within("volume IOPS", &iops.level_mean, 1000.0 + flushes, 0.01);
    assert!(iops.level_max.mean <= 3000.0 + 1e-6);
    // Twice the pages per row: twice the write-back.
    let r2 = run(
        &scenario("20/s", 50, 3000, "    dirty_pages_per_row: 2\n"),
        6,
    );
    let iops2 = &resource(&r2, "volume_iops").level_mean;
    assert_within("volume IOPS, 2 pages a row", iops2, 2000.0 + flushes, 0.01);
}

#[test]
fn a_saturated_volume_slows_commits_and_never_exceeds_its_iops() {
    // 50 commits/s of 20 rows want 1,000 pages/s written back on a 300 IOPS volume: the
    // checkpoints fall behind and carry their pages over, the volume runs flat out, and
    // commits queue behind the write-back.
    let light = run(&scenario("50/s", 20, 3000, ""), 4);
    let heavy = run(&scenario("50/s", 20, 300, ""), 4);
    let iops = resource(&heavy, "volume_iops");
    assert!(iops.level_max.mean <= 300.0 + 1e-6, "seed {SEED}: {iops:?}");
    assert!(
        iops.utilisation.as_ref().is_some_and(|u| u.mean > 0.95),
        "seed {SEED}: the volume should run flat out: {iops:?}"
    );
    let c = |r: &SimulationResult| r.classes[0].time_breakdown.commit_s.unwrap().mean;
    assert!(
        c(&heavy) > 2.0 * c(&light),
        "seed {SEED}: commit {} s on the saturated volume vs {} s",
        c(&heavy),
        c(&light)
    );
}

#[test]
fn the_hit_ratio_follows_the_working_set() {
    // 8 GiB of cache (half of 16 GiB) over a 40 GiB working set, 80/20 skew.
    let yaml = scenario(
        "1/s",
        1,
        3000,
        "    memory: 16GiB\n    working_set: 40GiB\n",
    );
    let m = model(&yaml);
    let expected = 0.2f64.powf(1.0 - 0.86);
    assert!((m.postgres.primary.buffer_hit_ratio - expected).abs() < 1e-12);
    assert!(matches!(
        m.postgres.primary.hit_basis,
        HitBasis::WorkingSet { .. }
    ));
    // A cache holding the working set serves every read; a uniform access is linear.
    assert_eq!(hit_ratio(10, 8, 0.86), 1.0);
    assert!((hit_ratio(1, 4, 0.0) - 0.25).abs() < 1e-15);
    // A constant overrides the estimate.
    let m = model(&yaml.replace("    memory", "    buffer_hit_ratio: 0.95\n    memory"));
    assert_eq!(m.postgres.primary.buffer_hit_ratio, 0.95);
    assert_eq!(m.postgres.primary.hit_basis, HitBasis::Given);
}

#[test]
fn reads_that_miss_a_smaller_cache_reach_the_volume() {
    // Each order reads 100 pages: with the cache holding the working set none reach the
    // volume; with a quarter of it (uniform access) 75 % of them do.
    let reads = "    queries: {dist: constant, value: 10}\n    reads_per_query: 10\n";
    let base = scenario("10/s", 1, 3000, "    memory: 16GiB\n    access_skew: 0\n")
        .replace("    writes:", &format!("{reads}    writes:"));
    let fits = run(&format!("{base}    working_set: 8GiB\n"), 4);
    let misses = run(&format!("{base}    working_set: 32GiB\n"), 4);
    let io = |r: &SimulationResult| r.classes[0].time_breakdown.db_io_s.unwrap().mean;
    assert_eq!(io(&fits), 0.0);
    // 75 reads of 1 ms each, one after another.
    assert!(
        (io(&misses) - 0.075).abs() < 0.002,
        "seed {SEED}: {} s of reads",
        io(&misses)
    );
}

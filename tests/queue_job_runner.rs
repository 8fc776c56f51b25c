//! The queue_job runner as OCA/queue runs it: a serialization failure inside a job is
//! postponed 5 s by `/queue_job/runjob` (its worker freed at once), a job whose worker was
//! killed keeps its channel slot until it is requeued (recent runners' `requeue_dead_jobs`
//! or the older stuck-jobs cron), runjob goes to `ODOO_QUEUE_JOB_HOST` (the runner's pod
//! by default), and a job's latency starts when it is enqueued. The timed scenarios use
//! constant demands and fixed-time arrivals, so every figure is worked out by hand below;
//! the Service's random pick is checked against its exact mean.

mod common;

use common::{assert_conserved, model, run_seeded};
use peakplan::result::{ClassResult, SimulationResult};

const SEED: u64 = 20261206;

fn class<'a>(r: &'a SimulationResult, name: &str) -> &'a ClassResult {
    r.classes.iter().find(|c| c.name == name).expect("class")
}

fn close(what: &str, got: f64, exact: f64) {
    assert!(
        (got - exact).abs() <= 1e-6 * exact.abs().max(1.0),
        "seed {SEED}: {what} = {got}, exact {exact}"
    );
}

/// The parts of where the time went add up to the mean latency (the job's wait
/// included).
fn parts_add_up(r: &SimulationResult, c: &ClassResult) {
    close(
        &format!("{}: sum of the parts", c.name),
        common::parts_sum(r, c),
        c.latency_s_mean.unwrap().mean,
    );
}

/// Two orders at 09:00 each enqueue a `sync` job (at 0.01 s); `root:2` runs both on the
/// runner's pod. Each locks the same row after 50 ms of CPU, calls an API for 2 s holding
/// it, then 50 ms of CPU and commits. The second waits for the lock; when the first
/// commits (at 2.11 s) its snapshot is stale: 40001.
const CONFLICT: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h, warmup: 0s}
workloads:
  order:
    at: ['09:00']
    batch_size: {dist: constant, value: 2}
    odoo_cpu: {dist: constant, value: 10ms}
    spawns:
      - job: sync
  sync:
    job: {max_retries: 1}
    odoo_cpu: {dist: constant, value: 100ms}
    locks:
      - table: quant
    calls:
      - integration: api
integrations:
  api:
    latency: {dist: constant, value: 2s}
    timeout: 30s
contention:
  tables:
    quant: {keys: 1}
estate:
  odoo: {workers: 4, queue_job_channels: 'root:2'}
  postgres: {cores: 4}
";

#[test]
fn a_serialization_failure_in_a_job_frees_its_worker_and_runs_it_again_5s_later() {
    let r = run_seeded(&model(CONFLICT), SEED, 1);
    assert_conserved(&r, SEED);
    let sync = class(&r, "sync");
    // Two enqueues and one re-enqueue by runjob's RetryableJobError(seconds=PG_RETRY).
    assert_eq!(sync.totals.arrivals, 3, "seed {SEED}: {:?}", sync.totals);
    assert_eq!(sync.totals.completed, 2, "seed {SEED}: {:?}", sync.totals);
    assert_eq!(sync.totals.errors["serialization_failure"], 1);
    // Odoo's retry loop did not run: one conflict, no back-off on the worker.
    close(
        "conflicts",
        sync.serialization_failures_per_s.mean * 3600.0,
        1.0,
    );
    // max_retries 1 is not checked for a PostgreSQL concurrency error: the job is not
    // failed although it ran twice.
    close("jobs failed", sync.jobs_failed_per_s.mean, 0.0);
    // The failed run ended when the first job committed: 2.11 − 0.01 = 2.1 s, its worker
    // free at once (Odoo's loop would have held it for a back-off and a re-run).
    // Completed: the first job, 2.1 s; the second's re-run, pending from 2.11 s, due at
    // 7.11 s, done at 9.21 s: 7.1 s, 5 s of it waiting in its channel.
    close(
        "sojourn",
        sync.sojourn_s_mean.unwrap().mean,
        (2.1 + 2.1 + 7.1) / 3.0,
    );
    close(
        "latency",
        sync.latency_s_mean.unwrap().mean,
        (2.1 + 7.1) / 2.0,
    );
    let wait = sync.time_breakdown.queue_job_wait_s.expect("a job class");
    close("queue_job wait", wait.mean, (0.0 + 5.0) / 2.0);
    parts_add_up(&r, sync);
    // Not a job class: no queue_job wait.
    assert!(class(&r, "order").time_breakdown.queue_job_wait_s.is_none());
}

/// `long` (200 s of CPU, `max_retries: 1`) is enqueued at 0.01 s and dispatched at once;
/// `limit_time_real` (120 s; `limit_time_cpu` lifted) kills it on the master's beat at 124 s. `short` (priority
/// 5, 1 s) is enqueued at 60.01 s and waits: `root:1` is held by the dead job until it is
/// requeued.
const KILLED: &str = "version: 1
horizon: {start: 2026-11-30T09:00, duration: 1h, warmup: 0s}
workloads:
  order_a:
    at: ['09:00']
    odoo_cpu: {dist: constant, value: 10ms}
    spawns:
      - job: long
  order_b:
    at: ['09:01']
    odoo_cpu: {dist: constant, value: 10ms}
    spawns:
      - job: short
  long:
    job: {max_retries: 1}
    odoo_cpu: {dist: constant, value: 200s}
  short:
    job: {priority: 5}
    odoo_cpu: {dist: constant, value: 1s}
estate:
  odoo: {workers: 2, limit_time_cpu: unlimited, queue_job_channels: 'root:1'REQUEUE}
  postgres: {cores: 4}
";

fn killed(requeue: &str) -> SimulationResult {
    let r = run_seeded(&model(&KILLED.replace("REQUEUE", requeue)), SEED, 1);
    assert_conserved(&r, SEED);
    r
}

#[test]
fn recent_runners_requeue_a_dead_job_on_their_next_loop() {
    let r = killed("");
    // The runner last looped at 60.01 s (short's enqueue); with nothing to wake it, its
    // select() times out every 60 s: at 120.01 s the job is still alive, at 180.01 s it
    // is dead and its lock free: pending again with retry 1. Short (priority 5) goes
    // first: it waited 180.01 − 60.01 = 120 s for the slot.
    let short = class(&r, "short");
    assert_eq!(short.totals.completed, 1);
    close(
        "short's wait",
        short.time_breakdown.queue_job_wait_s.unwrap().mean,
        120.0,
    );
    close("short's latency", short.latency_s_mean.unwrap().mean, 121.0);
    parts_add_up(&r, short);
    // Long runs again at 181.01 s (killed at 304 s, requeued at 361.01 s with retry 2),
    // and at 361.01 s (killed at 484 s): at 541.01 s its stored retry, 2, is above
    // max_retries, 1: failed (JobFoundDead). Three runs, three kills, one failure.
    let long = class(&r, "long");
    assert_eq!(long.totals.arrivals, 3, "seed {SEED}: {:?}", long.totals);
    assert_eq!(long.totals.errors["killed_limit_time_real"], 3);
    close("long failed", long.jobs_failed_per_s.mean * 3600.0, 1.0);
}

#[test]
fn older_queue_job_never_requeues_a_started_job_by_default() {
    // requeue_stuck_jobs(started_delta=0): the dead job holds root's only slot for good.
    let r = killed(", queue_job_requeue: stuck_cron");
    let short = class(&r, "short");
    assert_eq!(short.totals.completed, 0, "seed {SEED}: {:?}", short.totals);
    assert_eq!(short.totals.in_flight_at_horizon, 1);
    let long = class(&r, "long");
    assert_eq!(long.totals.arrivals, 1);
    assert_eq!(long.totals.errors["killed_limit_time_real"], 1);
    // The channel stays full from 0.01 s to the horizon.
    let running = common::resource(&r, "queue_job_running");
    close(
        "root running",
        running.level_mean.mean,
        (3600.0 - 0.01) / 3600.0,
    );
}

#[test]
fn the_stuck_jobs_cron_requeues_after_started_delta_on_its_5_minute_beat() {
    // started_delta 2m: the first run of the 5-minute cron after 0.01 s + 120 s is at
    // 300 s. Short waited 300 − 60.01 = 239.99 s.
    let r = killed(", queue_job_requeue: stuck_cron, queue_job_started_delta: 2m");
    let short = class(&r, "short");
    assert_eq!(short.totals.completed, 1);
    close(
        "short's wait",
        short.time_breakdown.queue_job_wait_s.unwrap().mean,
        239.99,
    );
    // The cron resets retries: long never fails, it is killed on every run (dispatched
    // at 0.01, 301, 601, … each requeued at the next 5-minute run after its kill).
    let long = class(&r, "long");
    close("long failed", long.jobs_failed_per_s.mean, 0.0);
    assert_eq!(long.totals.errors["killed_limit_time_real"], 12);
}

/// Two pods of one worker; `root:2`. Each order brings a pair of 10 s jobs.
fn pairs(host: &str, at: &str) -> String {
    format!(
        "version: 1
horizon: {{start: 2026-11-30T09:00, duration: 3h, warmup: 0s}}
workloads:
  order:
    at: [{at}]
    batch_size: {{dist: constant, value: 2}}
    odoo_cpu: {{dist: constant, value: 10ms}}
    spawns:
      - job: sync
  sync:
    job: {{}}
    odoo_cpu: {{dist: constant, value: 10s}}
estate:
  odoo: {{pods: 2, workers: 1, queue_job_channels: 'root:2'{host}}}
  postgres: {{cores: 4}}
"
    )
}

#[test]
fn runjob_goes_to_the_runners_pod_by_default() {
    // Both jobs of the pair go to pod 1: one runs, the other waits 10 s in its listen
    // backlog though pod 2's worker is idle.
    let r = run_seeded(&model(&pairs("", "'09:00'")), SEED, 1);
    let sync = class(&r, "sync");
    close(
        "backlog wait",
        sync.time_breakdown.backlog_wait_s.unwrap().mean,
        5.0,
    );
    close("latency", sync.latency_s_mean.unwrap().mean, 15.0);
    parts_add_up(&r, sync);
}

#[test]
fn a_service_spreads_runjob_over_the_pods_at_random() {
    // A pair lands on one pod with probability 1/2: the second job then waits 10 s, so
    // a job waits 2.5 s on average. 100 pairs a minute apart, 8 replications.
    let at: Vec<String> = (0..100)
        .map(|i| format!("'{:02}:{:02}'", 9 + i / 60, i % 60))
        .collect();
    let r = run_seeded(
        &model(&pairs(", queue_job_host: service", &at.join(", "))),
        SEED,
        8,
    );
    let wait = class(&r, "sync").time_breakdown.backlog_wait_s.unwrap();
    let hw = wait.ci95_half_width.unwrap();
    assert!(
        (wait.mean - 2.5).abs() <= 3.0 * hw && hw < 0.5,
        "seed {SEED}: backlog wait {} ± {hw}, exact 2.5",
        wait.mean
    );
}

#[test]
fn a_job_over_limit_time_cpu_fails_at_once_and_frees_its_slot() {
    // Odoo's default limit_time_cpu (60 s): the worker raises 'CPU time limit exceeded.'
    // at 60 s of long's 200 s and lives on; runjob sets the job failed whatever its
    // max_retries, and root's slot is free for short at once.
    let yaml = KILLED
        .replace("limit_time_cpu: unlimited, ", "")
        .replace("max_retries: 1", "max_retries: 5")
        .replace("REQUEUE", "");
    let r = run_seeded(&model(&yaml), SEED, 1);
    assert_conserved(&r, SEED);
    let long = class(&r, "long");
    assert_eq!(long.totals.arrivals, 1, "seed {SEED}: {:?}", long.totals);
    assert_eq!(long.totals.errors["cpu_time_limit"], 1);
    assert_eq!(long.totals.errors["killed_limit_time_real"], 0);
    close("long failed", long.jobs_failed_per_s.mean * 3600.0, 1.0);
    let short = class(&r, "short");
    assert_eq!(short.totals.completed, 1);
    let wait = short.time_breakdown.queue_job_wait_s.unwrap().mean;
    assert!(wait < 1.0, "seed {SEED}: short waited {wait} s");
}

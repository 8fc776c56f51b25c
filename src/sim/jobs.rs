//! queue_job in the simulation: completed requests enqueue jobs; the job runner dispatches
//! them, within each channel's capacity (parents included), as HTTP requests to
//! `/queue_job/runjob` on `ODOO_QUEUE_JOB_HOST` — by default the runner's own pod
//! (`JobHost`) — so a running job holds an Odoo worker and obeys `limit_time_real`; a
//! failed job is retried per its policy or ends `failed`.
//!
//! A job's life starts when it is made pending (enqueued, or put back after a failure):
//! that is its arrival, and its time waiting for the runner is `Part::QueueJobWait` of
//! the runjob request that runs it.
//!
//! Failures map to queue_job's own handling: a serialization failure inside a job is
//! caught by `runjob` (controllers/main.py) before Odoo's retry loop sees it and becomes
//! `RetryableJobError(seconds=PG_RETRY)`: the worker is freed at once and the job runs
//! again 5 s later (its retry count grows, `max_retries` is not checked). A failed
//! external call — a 429 from the API's rate limit included — is a `RetryableJobError`
//! (the retry pattern, up to `max_retries`): an aggressive retry pattern against a
//! rate-limited API turns the limit into a backlog of retries. A job whose worker is
//! killed (`limit_time_real`) stays `started`, still counted as running in its channel,
//! until it is requeued (`Requeue`): by the runner's `requeue_dead_jobs` on its next loop
//! once its lock is free and 10 s have passed since it was enqueued, or by the older
//! `requeue_stuck_jobs` cron — never, with its default `started_delta=0`. A job that
//! reaches `limit_time_cpu` gets the worker's `Exception('CPU time limit exceeded.')`
//! (`signal_time_expired_handler`, the worker lives on): runjob's generic handler sets it
//! `failed` at once, whatever its `max_retries`. Other
//! infrastructure failures of the runjob call (refused connection, connection limits)
//! are treated as retryable — a simplification: the runner sets such jobs pending again.

use super::queue_job::JobId;
use super::request::Part;
use super::{Cause, Ev, GaugeTable, Resource, Sim, Step, draws};
use crate::engine::Key;
use crate::model::{
    AfterFailure, DEAD_JOB_GRACE, Failure, JobHost, Requeue, SELECT_TIMEOUT, STUCK_CRON_INTERVAL,
    SimTime,
};
use rand::RngExt;

/// A live job (pending, running or waiting to retry).
#[derive(Clone, Copy, Debug)]
pub struct JobRec {
    pub class: u32,
    /// Runs so far: queue_job's `retry` after `Job.perform` increments it.
    pub tries: u32,
    /// The job's identity: its spawning request's and the spawn's rank (`draws.rs`).
    pub key: Key,
    /// When it was last made pending (its arrival) and whether it still is.
    pub since: SimTime,
    pub pending: bool,
    /// When the runner last dispatched it (`date_enqueued`).
    pub dispatched: SimTime,
}

impl JobRec {
    fn new(class: u32, key: Key, now: SimTime) -> JobRec {
        JobRec {
            class,
            tries: 0,
            key,
            since: now,
            pending: true,
            dispatched: now,
        }
    }
}

/// The runner's own clock: its jobs found dead, its last loop, its pending time-out.
#[derive(Clone, Debug, Default)]
pub struct Runner {
    /// Jobs whose worker was killed, still `started`: (requeueable from, job).
    dead: Vec<(SimTime, u32)>,
    last_loop: SimTime,
    timeout_at: Option<SimTime>,
}

impl Sim<'_> {
    /// Request `parent` of `class` completed: enqueue the jobs it spawns.
    pub(super) fn spawn_jobs(&mut self, class: usize, parent: Key) -> Step {
        let spawns = &self.model.classes[class].spawns;
        if spawns.is_empty() {
            return Ok(());
        }
        let mut rank = 0;
        for s in spawns.iter() {
            let job_class = &self.model.classes[s.class];
            let settings = job_class
                .job
                .as_ref()
                .expect("validated: spawned classes are jobs");
            for _ in 0..s.count {
                let rec = JobRec::new(s.class as u32, draws::job(parent, rank), self.now);
                let id = match self.job_free.pop() {
                    Some(id) => {
                        self.job_recs[id as usize] = rec;
                        id
                    }
                    None => {
                        self.job_recs.push(rec);
                        (self.job_recs.len() - 1) as u32
                    }
                };
                rank += 1;
                self.obs.arrival(self.now, s.class);
                let queued = self.jobs.enqueue(
                    JobId(id),
                    settings.channel,
                    settings.priority,
                    self.now,
                    self.now,
                );
                if let Err(full) = queued {
                    return Err(self.stopped(
                        format!("{} queue_job jobs queued at once", full.cap),
                        "the job backlog grows without bound: add channel capacity or workers, or lower the spawn counts",
                    ));
                }
            }
        }
        self.pump_jobs()
    }

    /// One loop of the runner: it requeues the dead jobs it may, dispatches every job it
    /// may, then sleeps until the next eta (or its select time-out).
    pub(super) fn pump_jobs(&mut self) -> Step {
        self.runner.last_loop = self.now;
        if !self.runner.dead.is_empty() {
            self.requeue_dead_jobs();
        }
        while let Some((JobId(id), _channel)) = self.jobs.next_runnable(self.now) {
            let now = self.now;
            let rec = &mut self.job_recs[id as usize];
            rec.tries += 1;
            rec.pending = false;
            rec.dispatched = now;
            let (class, key, since) = (rec.class, rec.key.child(u64::from(rec.tries)), rec.since);
            let req = self.alloc(class, key)?;
            let r = &mut self.requests[req as usize];
            r.job = id;
            r.arrival = since;
            r.parts[Part::QueueJobWait as usize] = (now - since).0;
            // The runner calls Odoo directly (not through the ingress).
            let pod = match self.model.odoo.queue_job_host {
                JobHost::RunnerPod => 0,
                JobHost::Service => {
                    let pods = self.model.odoo.pods as usize;
                    self.streams.route(key).random_range(0..pods)
                }
            };
            self.connect(req, pod as u32)?;
        }
        self.job_levels();
        if !self.runner.dead.is_empty() {
            self.runner_timeout()?;
        }
        if let Some(eta) = self.jobs.next_eta() {
            if self.job_wake.is_none_or(|w| eta < w || w <= self.now) {
                self.job_wake = Some(eta);
                self.schedule(eta.saturating_sub(self.now), Ev::JobWake)?;
            }
        }
        Ok(())
    }

    pub(super) fn on_job_wake(&mut self) -> Step {
        if self.job_wake.is_some_and(|w| w <= self.now) {
            self.job_wake = None;
        }
        self.pump_jobs()
    }

    /// The runjob request of job `id` ended with `cause` (`None` = done).
    pub(super) fn job_ended(&mut self, id: u32, cause: Option<Cause>) -> Step {
        let rec = self.job_recs[id as usize];
        let settings = self.model.classes[rec.class as usize]
            .job
            .as_ref()
            .expect("a job class");
        match cause {
            None => {
                self.jobs.done(JobId(id));
                self.job_free.push(id);
            }
            Some(Cause::KilledTimeReal) => return self.job_died(id),
            Some(c) => {
                let failure = match c {
                    Cause::SerializationFailure => Failure::PgConcurrency,
                    Cause::CpuTimeLimit => Failure::Error,
                    _ => Failure::Retryable { seconds: None },
                };
                match settings.retry.after_failure(rec.tries, failure) {
                    AfterFailure::RetryAfter(delay) => {
                        self.jobs.failed_retry(JobId(id), self.now + delay);
                        self.job_pending_again(id);
                    }
                    AfterFailure::Failed => {
                        self.jobs.failed_final(JobId(id));
                        self.obs.job_failed(rec.class as usize);
                        self.job_free.push(id);
                    }
                }
            }
        }
        self.pump_jobs()
    }

    /// Job `id` is pending again (its channel holds it): a new arrival of its class.
    fn job_pending_again(&mut self, id: u32) {
        let rec = &mut self.job_recs[id as usize];
        rec.since = self.now;
        rec.pending = true;
        self.obs.arrival(self.now, rec.class as usize);
    }

    /// Job `id`'s worker was killed: the job stays `started`, its channel slot taken,
    /// until it is requeued.
    fn job_died(&mut self, id: u32) -> Step {
        let dispatched = self.job_recs[id as usize].dispatched;
        match self.model.odoo.queue_job_requeue {
            Requeue::DeadJobs => {
                let from = (dispatched + DEAD_JOB_GRACE).max(self.now);
                self.runner.dead.push((from, id));
                self.runner_timeout()
            }
            Requeue::StuckCron {
                started_delta: None,
            } => Ok(()),
            Requeue::StuckCron {
                started_delta: Some(delta),
            } => {
                // The first run of the cron (every 5 min from the start) that finds the
                // job started more than `delta` ago.
                let from = (dispatched + delta).max(self.now);
                let period = STUCK_CRON_INTERVAL.0;
                let run = SimTime(from.0.div_ceil(period).saturating_mul(period));
                self.schedule(run - self.now, Ev::JobRequeue { job: id })
            }
        }
    }

    /// `requeue_dead_jobs`: every dead job enqueued more than 10 s ago goes back to
    /// pending with `retry + 1`, or to `failed` if its `retry` was already above
    /// `max_retries` (0 = retry forever).
    fn requeue_dead_jobs(&mut self) {
        let now = self.now;
        let mut i = 0;
        while i < self.runner.dead.len() {
            let (from, id) = self.runner.dead[i];
            if from > now {
                i += 1;
                continue;
            }
            self.runner.dead.swap_remove(i);
            let rec = self.job_recs[id as usize];
            let max = self.model.classes[rec.class as usize]
                .job
                .as_ref()
                .expect("a job class")
                .retry
                .max_retries;
            // The killed run's increment was never stored: the table holds tries − 1.
            if max != 0 && rec.tries - 1 > max {
                self.jobs.failed_final(JobId(id));
                self.obs.job_failed(rec.class as usize);
                self.job_free.push(id);
            } else {
                self.jobs.failed_retry(JobId(id), now);
                self.job_pending_again(id);
            }
        }
    }

    /// The stuck-jobs cron requeues dead job `id` (retries reset, as `Job.set_pending`).
    pub(super) fn on_job_requeue(&mut self, id: u32) -> Step {
        self.jobs.failed_retry(JobId(id), self.now);
        self.job_recs[id as usize].tries = 0;
        self.job_pending_again(id);
        self.pump_jobs()
    }

    /// While jobs are dead, make sure the runner's next loop happens: with nothing else
    /// to wake it, its select() times out every `SELECT_TIMEOUT` after its last loop.
    fn runner_timeout(&mut self) -> Step {
        if self.runner.timeout_at.is_some() {
            return Ok(());
        }
        let (last, period) = (self.runner.last_loop, SELECT_TIMEOUT.0);
        let loops = (self.now - last).0.div_ceil(period).max(1);
        let at = SimTime(last.0 + loops * period);
        self.runner.timeout_at = Some(at);
        self.schedule(at - self.now, Ev::RunnerTimeout)
    }

    pub(super) fn on_runner_timeout(&mut self) -> Step {
        self.runner.timeout_at = None;
        // A loop since the time-out was set moved the chain of time-outs.
        let since = (self.now - self.runner.last_loop).0;
        if since > 0 && since % SELECT_TIMEOUT.0 == 0 {
            return self.pump_jobs();
        }
        if self.runner.dead.is_empty() {
            return Ok(());
        }
        self.runner_timeout()
    }

    /// Pending jobs per class (arrived, not yet run): in flight at the horizon.
    pub(super) fn pending_jobs(&self, per_class: &mut [u64]) {
        if !self.has_jobs {
            return;
        }
        // A freed record was dispatched last: it is never pending.
        for rec in self.job_recs.iter().filter(|r| r.pending) {
            per_class[rec.class as usize] += 1;
        }
    }

    fn job_levels(&mut self) {
        if !self.has_jobs {
            return;
        }
        let now = self.now;
        // A step from 0 to 0 adds nothing (0 × dt) to a gauge's area: skipping it leaves
        // the same bits.
        let pending = self.jobs.pending() as f64;
        if pending != 0.0 || self.obs.count(Resource::JobsPending) != 0 {
            self.obs.level(now, Resource::JobsPending, pending);
        }
        // Root's running jobs are `JobsRunning`; each channel's gauge is set when its
        // count changed (see `JobQueue::channel_levels` for why that is exact).
        let obs = &mut self.obs;
        self.jobs
            .channel_levels(self.model.horizon.duration, |ch, running| {
                let slot = match ch {
                    0 => Resource::JobsRunning as usize,
                    _ => GaugeTable::channel_slot(ch),
                };
                obs.level_at(now, slot, f64::from(running));
            });
        let age = self
            .jobs
            .oldest_pending_created()
            .map_or(0.0, |c| (now - c).as_secs_f64());
        if age != 0.0 || self.obs.level_value(Resource::JobOldestAge) != 0.0 {
            self.obs.level(now, Resource::JobOldestAge, age);
        }
    }

    /// At each fine tick: the oldest job's age has grown since the last change.
    pub(super) fn job_tick(&mut self) {
        self.job_levels();
    }
}

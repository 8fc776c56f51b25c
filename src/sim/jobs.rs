//! queue_job in the simulation: completed requests enqueue jobs; the job runner dispatches
//! them, within each channel's capacity (parents included), as ordinary HTTP requests to
//! `/queue_job/runjob` — so a running job holds an Odoo worker and obeys
//! `limit_time_real`; a failed job is retried per its policy or ends `failed`.
//!
//! Failures map to queue_job's own handling: a serialization failure that survived Odoo's
//! retry loop is a PostgreSQL concurrency error (retried after 5 s, tries not checked); a
//! failed external call — a 429 from the API's rate limit included — is a
//! `RetryableJobError` (the retry pattern, up to `max_retries`): an aggressive retry
//! pattern against a rate-limited API turns the limit into a backlog of retries. Infrastructure failures of the runjob call (refused connection, killed
//! worker, connection limits) are treated as retryable too — a simplification: the real
//! runner re-enqueues such jobs when it notices them, on its own timer.

use super::queue_job::JobId;
use super::{Cause, Ev, GaugeTable, Resource, Sim, Step, draws};
use crate::engine::Key;
use crate::model::{AfterFailure, Failure};

/// A live job (pending, running or waiting to retry).
#[derive(Clone, Copy, Debug)]
pub struct JobRec {
    pub class: u32,
    pub tries: u32,
    /// The job's identity: its spawning request's and the spawn's rank (`draws.rs`).
    pub key: Key,
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
                let id = match self.job_free.pop() {
                    Some(id) => id,
                    None => {
                        self.job_recs.push(JobRec {
                            class: 0,
                            tries: 0,
                            key: parent,
                        });
                        (self.job_recs.len() - 1) as u32
                    }
                };
                self.job_recs[id as usize] = JobRec {
                    class: s.class as u32,
                    tries: 0,
                    key: draws::job(parent, rank),
                };
                rank += 1;
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

    /// The runner dispatches every job it may, then sleeps until the next eta.
    pub(super) fn pump_jobs(&mut self) -> Step {
        while let Some((JobId(id), _channel)) = self.jobs.next_runnable(self.now) {
            let rec = &mut self.job_recs[id as usize];
            rec.tries += 1;
            let (class, key) = (rec.class, rec.key.child(u64::from(rec.tries)));
            self.obs.arrival(self.now, class as usize);
            let req = self.alloc(class, key)?;
            self.requests[req as usize].job = id;
            // The runner calls the Odoo workers directly (not through the ingress).
            self.send_to_pod(req)?;
        }
        self.job_levels();
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
            Some(c) => {
                let failure = match c {
                    Cause::SerializationFailure => Failure::PgConcurrency,
                    _ => Failure::Retryable { seconds: None },
                };
                match settings.retry.after_failure(rec.tries, failure) {
                    AfterFailure::RetryAfter(delay) => {
                        self.jobs.failed_retry(JobId(id), self.now + delay)
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

//! Scheduled actions (ir.cron) on the cron workers.
//!
//! Each pod runs `max_cron_threads` cron worker processes, which hold a database
//! connection from start-up and poll for due jobs about every 60 s (staggered here: one
//! worker polls every 60 s / n). A due job is taken by the next idle worker that polls;
//! a worker that finishes a job looks for the next due one at once, as Odoo's cron loop
//! does. A job never runs twice at the same time (Odoo locks its ir_cron row): if its
//! next interval comes while it is still due or running, that run is skipped, as when
//! `nextcall` is already in the past. Cron requests are not killed by
//! `limit_time_real_cron` here — a simplification.

use super::request::Phase;
use super::{Ev, Resource, Sim, Step};
use crate::model::SimTime;

/// Odoo's cron workers poll for due jobs about once a minute.
pub const POLL_INTERVAL: SimTime = SimTime::from_secs(60);

impl Sim<'_> {
    /// Schedules the first run of every cron class and the cron workers' polls.
    pub(super) fn start_crons(&mut self) -> Step {
        let mut any = false;
        for (c, class) in self.model.classes.iter().enumerate() {
            if let Some(s) = class.cron {
                any = true;
                self.schedule(s.first, Ev::CronDue { class: c as u32 })?;
            }
        }
        if any && !self.cron_idle.is_empty() {
            let n = self.cron_idle.len() as u64;
            self.schedule(SimTime(POLL_INTERVAL.0 / n), Ev::CronPoll)?;
        }
        Ok(())
    }

    pub(super) fn on_cron_due(&mut self, class: u32) -> Step {
        let c = class as usize;
        if !self.cron_busy[c] {
            self.cron_busy[c] = true;
            self.cron_due.push_back((class, self.now));
        }
        let s = self.model.classes[c].cron.expect("a cron class");
        self.schedule(s.interval, Ev::CronDue { class })
    }

    /// The next cron worker in turn polls: if it is idle, it takes a due job.
    pub(super) fn on_cron_poll(&mut self) -> Step {
        let n = self.cron_workers.len();
        let w = self.cron_workers[self.cron_turn % n];
        self.cron_turn += 1;
        if let Some(i) = self.cron_idle.iter().position(|x| *x == w) {
            if !self.cron_due.is_empty() {
                self.cron_idle.swap_remove(i);
                self.cron_take(w)?;
            }
        }
        self.schedule(SimTime(POLL_INTERVAL.0 / n as u64), Ev::CronPoll)
    }

    /// Cron worker `w` runs the oldest due job, or goes idle.
    fn cron_take(&mut self, w: u32) -> Step {
        let Some((class, due)) = self.cron_due.pop_front() else {
            self.cron_idle.push(w);
            return Ok(());
        };
        self.obs.add(self.now, Resource::CronWorkersBusy, 1.0);
        self.obs.arrival(due, class as usize);
        let key = self.streams.cron(class as usize);
        let req = self.alloc(class, key)?;
        let r = &mut self.requests[req as usize];
        // Waiting for a poll counts as waiting for a worker.
        r.arrival = due;
        r.phase = Phase::Backlog;
        r.phase_start = due;
        r.worker = w;
        r.enter(Phase::Done, self.now);
        self.obs
            .started(class as usize, (self.now - due).as_secs_f64());
        self.begin_try(req)
    }

    /// A cron job ended on worker `w`: the job may be due again; the worker looks for more.
    pub(super) fn cron_worker_free(&mut self, w: u32, class: u32) -> Step {
        self.cron_busy[class as usize] = false;
        self.obs.add(self.now, Resource::CronWorkersBusy, -1.0);
        self.cron_take(w)
    }
}

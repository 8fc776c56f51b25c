//! Scheduled actions (ir.cron) on the cron workers.
//!
//! Each pod runs `max_cron_threads` cron worker processes, which hold a database
//! connection from start-up and poll for due jobs about every 60 s (staggered here: one
//! worker polls every 60 s / n). A due job is taken by the next idle worker that polls;
//! a worker that finishes a job looks for the next due one at once, as Odoo's cron loop
//! does. A job never runs twice at the same time (Odoo locks its ir_cron row): if its
//! next interval comes while it is still due or running, that run is skipped, as when
//! `nextcall` is already in the past.
//!
//! The master kills a cron worker whose run has lasted `limit_time_real_cron` (its
//! watchdog, `WorkerCron.watchdog_timeout` in odoo/service/server.py; −1 = the
//! `limit_time_real` default) on its beat: the run fails (`killed_limit_time_real`), its
//! transaction rolls back, and the process is respawned — so a run longer than the limit
//! never finishes. The watchdog is reset per run here; Odoo resets it per poll, which may
//! run several due jobs back to back.

use super::request::Phase;
use super::{Cause, Ev, Resource, Sim, Step};
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
        let inc = r.inc;
        self.obs
            .started(class as usize, (self.now - due).as_secs_f64());
        if self.model.odoo.limit_time_real_cron.is_some() {
            self.cron_started.push_back((self.now, req, inc));
        }
        self.begin_try(req)
    }

    /// Whether the master's beat must watch the cron workers.
    pub(super) fn cron_watchdog(&self) -> bool {
        self.model.odoo.limit_time_real_cron.is_some() && !self.cron_workers.is_empty()
    }

    /// On the master's beat: kill every cron run past `limit_time_real_cron`.
    pub(super) fn kill_cron_overruns(&mut self) -> Step {
        let Some(limit) = self.model.odoo.limit_time_real_cron else {
            return Ok(());
        };
        while let Some(&(start, req, inc)) = self.cron_started.front() {
            if start + limit > self.now {
                break;
            }
            self.cron_started.pop_front();
            let r = &self.requests[req as usize];
            if r.inc == inc {
                let (w, class) = (r.worker, r.class);
                self.end_request(req, Some(Cause::KilledTimeReal))?;
                self.cron_busy[class as usize] = false;
                self.obs.add(self.now, Resource::CronWorkersBusy, -1.0);
                self.cron_worker_dies(w)?;
            }
        }
        Ok(())
    }

    /// Cron worker `w` is SIGKILLed: its connection closes until the master respawns it.
    fn cron_worker_dies(&mut self, w: u32) -> Step {
        self.replica_disconnect(w);
        self.pool_worker_exits(w)?;
        let closed = std::mem::take(&mut self.workers[w as usize].conns);
        self.obs
            .add(self.now, Resource::PgConnections, -f64::from(closed));
        self.schedule(self.model.odoo.worker_respawn, Ev::Respawned { worker: w })
    }

    /// A respawned cron worker connects again and idles until its next poll (a fresh
    /// `WorkerCron` sleeps before its first poll).
    pub(super) fn cron_respawned(&mut self, w: u32) -> Step {
        self.workers[w as usize].conns = 1;
        self.obs.add(self.now, Resource::PgConnections, 1.0);
        self.cron_idle.push(w);
        Ok(())
    }

    /// A cron job ended on worker `w`: the job may be due again; the worker looks for more.
    pub(super) fn cron_worker_free(&mut self, w: u32, class: u32) -> Step {
        self.cron_busy[class as usize] = false;
        self.obs.add(self.now, Resource::CronWorkersBusy, -1.0);
        self.cron_take(w)
    }
}

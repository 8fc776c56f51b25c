//! The Odoo application tier inside a replication: pods, prefork HTTP workers, listen
//! backlogs, connections, and the request lifecycle.
//!
//! Semantics (docs/odoo-facts.md): one request per worker; a pod's requests wait in the OS
//! listen backlog (`8 × workers` by default) and are refused when it is full; a worker keeps
//! the PostgreSQL connections it opened (Odoo's per-process pool) until it dies; a request
//! needing more cursors than `db_maxconn` fails at once; opening a connection beyond
//! `max_connections − superuser_reserved` fails; the master kills a request that has run
//! for `limit_time_real` on its next beat, and spawns a replacement worker.

use super::{Cause, Ev, Resource, RunStopped, Sim, Step};
use crate::model::{OdooTier, SimTime};

/// Where a request is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Slot unused.
    Free,
    Backlog,
    /// First half of the Odoo CPU time.
    Cpu1,
    Db,
    /// Second half of the Odoo CPU time.
    Cpu2,
    /// Killed during a CPU phase: the slot is freed when that phase's event arrives, so
    /// the event never needs to identify which incarnation it belongs to.
    Zombie,
}

/// A request in flight (a slot in the request table).
#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub class: u32,
    pub worker: u32,
    pub arrival: SimTime,
    /// Bumped whenever the slot is reused or the request killed, so PostgreSQL tags of
    /// killed requests can be recognised.
    pub inc: u32,
    pub phase: Phase,
    pub db_s: f64,
    pub cpu2_s: f64,
}

impl Request {
    pub fn is_live(&self) -> bool {
        !matches!(self.phase, Phase::Free | Phase::Zombie)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Pod {
    pub idle: Vec<u32>,
    pub backlog: std::collections::VecDeque<u32>,
}

#[derive(Clone, Copy, Debug)]
pub struct Worker {
    pub pod: u32,
    /// PostgreSQL connections this worker process holds open.
    pub conns: u32,
}

/// Builds the pods and their workers, all idle, none connected yet.
pub fn build(odoo: &OdooTier) -> (Vec<Pod>, Vec<Worker>) {
    let mut pods = vec![Pod::default(); odoo.pods as usize];
    let mut workers = Vec::with_capacity((odoo.pods * odoo.workers) as usize);
    for (p, pod) in pods.iter_mut().enumerate() {
        for _ in 0..odoo.workers {
            // Reverse order so the first worker pops first (cosmetic, but stable).
            pod.idle.push(workers.len() as u32);
            workers.push(Worker {
                pod: p as u32,
                conns: 0,
            });
        }
        pod.idle.reverse();
    }
    (pods, workers)
}

impl Sim<'_> {
    /// Cron workers and the evented worker connect at start-up and stay connected.
    pub(super) fn open_background_connections(&mut self) -> Step {
        let o = &self.model.odoo;
        let per_pod = o.max_cron_threads + u32::from(o.evented_worker);
        self.pg_open = per_pod * o.pods;
        if self.pg_open > self.pg_usable() {
            return Err(self.stopped(
                format!(
                    "the cron and evented workers alone need {} PostgreSQL connections, more than the {} usable",
                    self.pg_open,
                    self.pg_usable()
                ),
                "raise estate.postgres.max_connections or lower pods / max_cron_threads",
            ));
        }
        self.obs
            .level(self.now, Resource::PgConnections, f64::from(self.pg_open));
        Ok(())
    }

    fn pg_usable(&self) -> u32 {
        let p = &self.model.postgres;
        p.max_connections.saturating_sub(p.superuser_reserved)
    }

    pub(super) fn on_arrival(&mut self, class: u32) -> Step {
        self.schedule_arrival(class)?;
        self.obs.arrival(self.now, class as usize);
        let pod = self.next_pod as u32;
        self.next_pod += 1;
        if self.next_pod == self.pods.len() {
            self.next_pod = 0;
        }
        let p = &self.pods[pod as usize];
        if p.idle.is_empty() && p.backlog.len() >= self.model.odoo.listen_backlog as usize {
            self.obs
                .failed(self.now, class as usize, Cause::BacklogFull, SimTime::ZERO);
            return Ok(());
        }
        let req = self.alloc(class)?;
        match self.pods[pod as usize].idle.pop() {
            Some(w) => self.start(req, w),
            None => {
                self.requests[req as usize].phase = Phase::Backlog;
                self.pods[pod as usize].backlog.push_back(req);
                self.backlog_len += 1;
                self.obs
                    .level(self.now, Resource::Backlog, f64::from(self.backlog_len));
                Ok(())
            }
        }
    }

    fn alloc(&mut self, class: u32) -> Result<u32, Box<RunStopped>> {
        if self.in_flight >= self.model.run.max_in_flight {
            return Err(self.stopped(
                format!("{} requests in flight at once (run.max_in_flight)", self.in_flight),
                "the estate is overloaded far beyond its capacity; check rates and sizes, or raise run.max_in_flight",
            ));
        }
        self.in_flight += 1;
        let fresh = Request {
            class,
            worker: u32::MAX,
            arrival: self.now,
            inc: 0,
            phase: Phase::Backlog,
            db_s: 0.0,
            cpu2_s: 0.0,
        };
        Ok(match self.free.pop() {
            Some(i) => {
                let inc = self.requests[i as usize].inc.wrapping_add(1);
                self.requests[i as usize] = Request { inc, ..fresh };
                i
            }
            None => {
                self.requests.push(fresh);
                (self.requests.len() - 1) as u32
            }
        })
    }

    /// The request has ended. Its slot is reused at once, unless a CPU event of it is still
    /// pending (killed mid-CPU): then it waits as a zombie for that event.
    fn release(&mut self, req: u32, cpu_event_pending: bool) {
        let r = &mut self.requests[req as usize];
        r.inc = r.inc.wrapping_add(1);
        if cpu_event_pending {
            r.phase = Phase::Zombie;
        } else {
            r.phase = Phase::Free;
            self.free.push(req);
        }
        self.in_flight -= 1;
    }

    /// Request `req` starts on worker `w`.
    fn start(&mut self, req: u32, w: u32) -> Step {
        self.busy_workers += 1;
        self.obs.level(
            self.now,
            Resource::OdooWorkersBusy,
            f64::from(self.busy_workers),
        );
        let r = self.requests[req as usize];
        let class = &self.model.classes[r.class as usize];
        self.obs
            .started(r.class as usize, (self.now - r.arrival).as_secs_f64());
        self.requests[req as usize].worker = w;

        if class.cursors > self.model.odoo.db_maxconn {
            return self.fail(req, Cause::DbPoolFull);
        }
        let have = self.workers[w as usize].conns;
        if have < class.cursors {
            let extra = class.cursors - have;
            if self.pg_open + extra > self.pg_usable() {
                return self.fail(req, Cause::PgTooManyClients);
            }
            self.pg_open += extra;
            self.workers[w as usize].conns = class.cursors;
            self.obs
                .level(self.now, Resource::PgConnections, f64::from(self.pg_open));
        }
        if self.model.odoo.limit_time_real.is_some() {
            self.started.push_back((self.now, req, r.inc));
        }

        let rng = &mut self.demand[r.class as usize];
        let cpu_s = class.odoo_cpu_s.sample(rng);
        let mut db_s = 0.0;
        if !class.queries.is_zero() && !class.db_time_per_query_s.is_zero() {
            let n = class.queries.sample_count(rng);
            for _ in 0..n {
                db_s += class.db_time_per_query_s.sample(rng);
            }
        }
        let rq = &mut self.requests[req as usize];
        if db_s > 0.0 {
            rq.phase = Phase::Cpu1;
            rq.db_s = db_s;
            rq.cpu2_s = cpu_s / 2.0;
            self.schedule(SimTime::from_secs_f64(cpu_s / 2.0), Ev::CpuDone { req })
        } else {
            rq.phase = Phase::Cpu2;
            self.schedule(SimTime::from_secs_f64(cpu_s), Ev::CpuDone { req })
        }
    }

    pub(super) fn on_cpu_done(&mut self, req: u32) -> Step {
        let r = self.requests[req as usize];
        match r.phase {
            Phase::Zombie => {
                self.requests[req as usize].phase = Phase::Free;
                self.free.push(req);
                Ok(())
            }
            Phase::Cpu1 => {
                self.requests[req as usize].phase = Phase::Db;
                self.pg.join(self.now, r.db_s, req, r.inc);
                self.pg_levels();
                self.pg_reschedule()
            }
            Phase::Cpu2 => self.complete(req),
            _ => unreachable!("CPU event in phase {:?}", r.phase),
        }
    }

    pub(super) fn on_pg_wake(&mut self, epoch: u32) -> Step {
        if epoch != self.pg_gen {
            return Ok(());
        }
        loop {
            let requests = &self.requests;
            let live = |req: u32, inc: u32| requests[req as usize].inc == inc;
            let Some((req, _)) = self.pg.pop_finished(self.now, live) else {
                break;
            };
            let rq = &mut self.requests[req as usize];
            rq.phase = Phase::Cpu2;
            let cpu2 = SimTime::from_secs_f64(rq.cpu2_s);
            self.schedule(cpu2, Ev::CpuDone { req })?;
        }
        self.pg_levels();
        self.pg_reschedule()
    }

    fn pg_levels(&mut self) {
        self.obs
            .level(self.now, Resource::PgCoresBusy, self.pg.busy_cores());
        self.obs.level(
            self.now,
            Resource::PgActiveQueries,
            f64::from(self.pg.active()),
        );
    }

    fn pg_reschedule(&mut self) -> Step {
        let requests = &self.requests;
        let live = |req: u32, inc: u32| requests[req as usize].inc == inc;
        if let Some(t) = self.pg.next_completion(self.now, live) {
            self.pg_gen = self.pg_gen.wrapping_add(1);
            let epoch = self.pg_gen;
            self.schedule(t - self.now, Ev::PgWake { epoch })?;
        }
        Ok(())
    }

    fn complete(&mut self, req: u32) -> Step {
        let r = self.requests[req as usize];
        self.obs
            .completed(self.now, r.class as usize, self.now - r.arrival);
        self.release(req, false);
        self.worker_free(r.worker)
    }

    /// Request fails after it reached a worker; the worker is free again.
    fn fail(&mut self, req: u32, cause: Cause) -> Step {
        let r = self.requests[req as usize];
        self.obs
            .failed(self.now, r.class as usize, cause, self.now - r.arrival);
        self.release(req, false);
        self.worker_free(r.worker)
    }

    /// Worker `w` is free: it takes the oldest request of its pod's backlog, or idles.
    fn worker_free(&mut self, w: u32) -> Step {
        self.busy_workers -= 1;
        self.obs.level(
            self.now,
            Resource::OdooWorkersBusy,
            f64::from(self.busy_workers),
        );
        let pod = self.workers[w as usize].pod as usize;
        match self.pods[pod].backlog.pop_front() {
            Some(next) => {
                self.backlog_len -= 1;
                self.obs
                    .level(self.now, Resource::Backlog, f64::from(self.backlog_len));
                self.start(next, w)
            }
            None => {
                self.pods[pod].idle.push(w);
                Ok(())
            }
        }
    }

    /// The master's beat: kill every request that has run for `limit_time_real`.
    pub(super) fn on_master_beat(&mut self) -> Step {
        let limit = self
            .model
            .odoo
            .limit_time_real
            .expect("beats only with a limit");
        while let Some(&(start, req, inc)) = self.started.front() {
            if start + limit > self.now {
                break;
            }
            self.started.pop_front();
            if self.requests[req as usize].inc == inc {
                self.kill(req)?;
            }
        }
        self.schedule(self.model.odoo.kill_check_period, Ev::MasterBeat)
    }

    fn kill(&mut self, req: u32) -> Step {
        let r = self.requests[req as usize];
        if r.phase == Phase::Db {
            self.pg.abandon(self.now);
            self.pg_levels();
        }
        self.obs.failed(
            self.now,
            r.class as usize,
            Cause::KilledTimeReal,
            self.now - r.arrival,
        );
        self.release(req, matches!(r.phase, Phase::Cpu1 | Phase::Cpu2));
        if r.phase == Phase::Db {
            self.pg_reschedule()?;
        }
        // The worker process dies with its connections; a new one comes after a delay.
        let w = r.worker;
        self.pg_open -= self.workers[w as usize].conns;
        self.workers[w as usize].conns = 0;
        self.obs
            .level(self.now, Resource::PgConnections, f64::from(self.pg_open));
        self.busy_workers -= 1;
        self.obs.level(
            self.now,
            Resource::OdooWorkersBusy,
            f64::from(self.busy_workers),
        );
        self.schedule(self.model.odoo.worker_respawn, Ev::Respawned { worker: w })
    }

    pub(super) fn on_respawned(&mut self, w: u32) -> Step {
        // Counts as busy for one instant so that worker_free's bookkeeping applies.
        self.busy_workers += 1;
        self.worker_free(w)
    }
}

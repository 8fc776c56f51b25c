//! The Odoo application tier inside a replication: Traefik's dispatch to pods, prefork HTTP
//! workers, listen backlogs, database connections, `limit_time_real` kills and respawns.
//!
//! Semantics (docs/sources.md): one request per worker; a pod's requests wait in the OS
//! listen backlog (`8 × workers` by default, capped at `somaxconn`) — what happens when it
//! is full is `listen.rs`; a worker keeps
//! the PostgreSQL connections it opened (Odoo's per-process pool) until it dies; a request
//! needing more cursors than `db_maxconn` fails at once; opening a connection beyond
//! `max_connections − superuser_reserved` fails; the master kills a request that has run
//! for `limit_time_real` on its next beat, and spawns a replacement worker.

use super::ingress::Admission;
use super::request::Phase;
use super::{Cause, Ev, Resource, RunStopped, Sim, Step};
use crate::engine::Key;
use crate::model::OdooTier;

#[derive(Clone, Debug, Default)]
pub struct Pod {
    pub idle: Vec<u32>,
    pub backlog: std::collections::VecDeque<u32>,
}

#[derive(Clone, Copy, Debug)]
pub struct Worker {
    pub pod: u32,
    /// A cron worker (runs scheduled actions, not HTTP requests).
    pub cron: bool,
    /// PostgreSQL connections this worker process holds open.
    pub conns: u32,
    /// Connections to the read replica this worker process holds open (its replica pool).
    pub replica_conns: u32,
    /// Virtual size (VMS), MiB: what Odoo compares with its memory limits.
    pub vms_mib: f64,
    /// Requests served since the process started.
    pub served: u32,
    /// Holds a PgBouncer server connection (session pooling).
    pub server_conn: bool,
}

/// Builds the pods and their workers, all idle, none connected yet.
pub fn build(odoo: &OdooTier) -> (Vec<Pod>, Vec<Worker>) {
    let mut pods = vec![Pod::default(); odoo.pods as usize];
    let mut workers = Vec::with_capacity((odoo.pods * odoo.workers) as usize);
    for (p, pod) in pods.iter_mut().enumerate() {
        for _ in 0..odoo.workers {
            pod.idle.push(workers.len() as u32);
            workers.push(Worker {
                pod: p as u32,
                cron: false,
                conns: 0,
                replica_conns: 0,
                vms_mib: odoo.worker_vms_mib,
                served: 0,
                server_conn: false,
            });
        }
        // The first worker pops first (cosmetic, but stable).
        pod.idle.reverse();
    }
    (pods, workers)
}

/// PostgreSQL connections the cron workers and the evented workers open at start-up and
/// keep: `pods × (max_cron_threads + evented_worker)`. Validation checks them against the
/// `pg_connections` gauge's capacity, as the run does at t = 0.
pub fn background_connections(o: &OdooTier) -> u32 {
    (o.max_cron_threads + u32::from(o.evented_worker)).saturating_mul(o.pods)
}

impl Sim<'_> {
    /// Cron workers and the evented worker connect at start-up and stay connected.
    pub(super) fn open_background_connections(&mut self) -> Step {
        let needed = background_connections(&self.model.odoo);
        if needed > self.pg_usable() {
            return Err(self.stopped(
                format!(
                    "the cron and evented workers alone need {needed} PostgreSQL connections, more than the {} usable",
                    self.pg_usable()
                ),
                "raise estate.postgres.max_connections or lower pods / max_cron_threads",
            ));
        }
        self.obs
            .level(self.now, Resource::PgConnections, f64::from(needed));
        Ok(())
    }

    /// The cron workers, connected since start-up (their connections are counted in
    /// `open_background_connections`).
    pub(super) fn add_cron_workers(&mut self) {
        let o = &self.model.odoo;
        for p in 0..o.pods {
            for _ in 0..o.max_cron_threads {
                let w = self.workers.len() as u32;
                self.workers.push(Worker {
                    pod: p,
                    cron: true,
                    conns: 1,
                    replica_conns: 0,
                    vms_mib: o.worker_vms_mib,
                    served: 0,
                    server_conn: false,
                });
                self.cron_workers.push(w);
                self.cron_idle.push(w);
            }
        }
    }

    /// PostgreSQL connections Odoo may open (`max_connections` less the superuser
    /// reserve): the capacity of the `pg_connections` gauge.
    pub(super) fn pg_usable(&self) -> u32 {
        self.gauges
            .capacity(Resource::PgConnections)
            .map_or(0, |c| c as u32)
    }

    /// A request of `class` (identity `key`, sent by closed user `user` or `u32::MAX`)
    /// reaches Traefik.
    pub(super) fn on_arrival(&mut self, class: u32, key: Key, user: u32) -> Step {
        self.obs.arrival(self.now, class as usize);
        let req = self.alloc(class, key)?;
        self.requests[req as usize].user = user;
        if self.facts[class as usize].client {
            self.client_waits(req)?;
        }
        let admission = match &mut self.buckets[class as usize] {
            Some(route) => route.admit(self.now, || self.streams.ingress(key)),
            None => Admission::Now,
        };
        match admission {
            Admission::Now => self.send_to_pod(req),
            Admission::After(delay) => {
                self.requests[req as usize].enter(Phase::Ingress, self.now);
                self.schedule(delay, Ev::Step { req })
            }
            Admission::Reject => self.fail(req, Cause::RateLimited),
        }
    }

    /// Traefik hands the request to the next pod (round robin).
    pub(super) fn send_to_pod(&mut self, req: u32) -> Step {
        let pod = self.next_pod;
        self.next_pod += 1;
        if self.next_pod == self.pods.len() {
            self.next_pod = 0;
        }
        self.connect(req, pod as u32)
    }

    /// The connection reaches pod `pod`: an idle worker takes it, or it waits in the
    /// listen backlog; `false` when the backlog is full (the caller decides what then).
    #[inline]
    pub(super) fn accept(&mut self, req: u32, pod: u32) -> Result<bool, Box<RunStopped>> {
        let pod = pod as usize;
        if let Some(w) = self.pods[pod].idle.pop() {
            self.start(req, w)?;
            return Ok(true);
        }
        if self.pods[pod].backlog.len() < self.model.odoo.listen_backlog as usize {
            self.requests[req as usize].enter(Phase::Backlog, self.now);
            self.pods[pod].backlog.push_back(req);
            self.obs.add(self.now, Resource::Backlog, 1.0);
            return Ok(true);
        }
        Ok(false)
    }

    /// Request `req` starts on worker `w`, which was idle.
    fn start(&mut self, req: u32, w: u32) -> Step {
        self.obs.add(self.now, Resource::OdooWorkersBusy, 1.0);
        self.start_on(req, w)
    }

    /// Request `req` starts on worker `w`, already counted busy.
    fn start_on(&mut self, req: u32, w: u32) -> Step {
        let r = &mut self.requests[req as usize];
        r.worker = w;
        let (class, arrival, inc) = (r.class, r.arrival, r.inc);
        r.enter(Phase::Done, self.now);
        self.obs
            .started(class as usize, (self.now - arrival).as_secs_f64());

        let cursors = self.model.classes[class as usize].cursors;
        if cursors > self.model.odoo.db_maxconn {
            return self.fail(req, Cause::DbPoolFull);
        }
        // A replica request opens connections in the worker's replica pool instead.
        let replica = self.requests[req as usize].replica;
        if replica && !self.replica_connect(w, cursors) {
            return self.fail(req, Cause::ReplicaTooManyClients);
        }
        let have = if replica {
            cursors
        } else {
            self.workers[w as usize].conns
        };
        if have < cursors {
            let extra = cursors - have;
            match self.model.postgres.pgbouncer {
                // Through PgBouncer the worker holds client connections; server
                // connections are taken per transaction (`pgbouncer.rs`).
                Some(b) => {
                    if self.client_open + extra > b.max_client_conn {
                        return self.fail(req, Cause::PgTooManyClients);
                    }
                    self.client_open += extra;
                }
                None => {
                    if self.obs.count(Resource::PgConnections) + extra > self.pg_usable() {
                        return self.fail(req, Cause::PgTooManyClients);
                    }
                    self.obs
                        .add(self.now, Resource::PgConnections, f64::from(extra));
                }
            }
            self.workers[w as usize].conns = cursors;
        }
        // Memory: the request's allocations grow the worker's virtual size; crossing
        // limit_memory_hard (RLIMIT_AS) fails the allocation (MemoryError) and so the
        // request.
        let grown = if self.facts[class as usize].memory_growth {
            self.model.classes[class as usize]
                .memory_growth_mib
                .sample(&mut self.requests[req as usize].rng)
        } else {
            0.0
        };
        let wk = &mut self.workers[w as usize];
        wk.served += 1;
        if wk.vms_mib + grown > self.model.odoo.limit_memory_hard_mib {
            wk.vms_mib = self.model.odoo.limit_memory_hard_mib;
            return self.fail(req, Cause::MemoryHardLimit);
        }
        wk.vms_mib += grown;
        if self.model.odoo.limit_time_real.is_some() {
            self.started.push_back((self.now, req, inc));
        }
        self.begin_try(req)
    }

    /// Worker `w` is free: it is recycled if its VMS is over `limit_memory_soft` or it
    /// served `limit_request` requests,
    /// else it takes the oldest request of its pod's backlog, or idles.
    pub(super) fn worker_free(&mut self, w: u32) -> Step {
        self.worker_ready(w, true)
    }

    /// Worker `w` can take work: it just freed itself (`was_busy`, counted in the
    /// busy-workers gauge) or was just respawned (not counted).
    fn worker_ready(&mut self, w: u32, was_busy: bool) -> Step {
        debug_assert!(
            !self.workers[w as usize].cron,
            "cron workers are freed by cron_worker_free"
        );
        let o = &self.model.odoo;
        let wk = &self.workers[w as usize];
        let recycled = wk.vms_mib > o.limit_memory_soft_mib || wk.served >= o.limit_request;
        let pod = wk.pod as usize;
        let next = if recycled {
            None
        } else {
            self.pods[pod].backlog.pop_front()
        };
        if let Some(next) = next {
            // The worker goes straight to the next request: a busy worker stays busy.
            // One update at `now` books exactly the area a −1/+1 pair at the same
            // instant (spanning 0 ns) would book.
            let busy = if was_busy { 0.0 } else { 1.0 };
            self.obs.add(self.now, Resource::OdooWorkersBusy, busy);
            self.obs.add(self.now, Resource::Backlog, -1.0);
            return self.start_on(next, w);
        }
        let busy = if was_busy { -1.0 } else { 0.0 };
        self.obs.add(self.now, Resource::OdooWorkersBusy, busy);
        if recycled {
            // Recycled after its request: the process exits, a new one is spawned.
            return self.worker_dies(w);
        }
        self.pods[pod].idle.push(w);
        Ok(())
    }

    /// The master's beat: kill every request that has run for `limit_time_real`, and
    /// every cron run past `limit_time_real_cron`.
    pub(super) fn on_master_beat(&mut self) -> Step {
        self.kill_cron_overruns()?;
        let Some(limit) = self.model.odoo.limit_time_real else {
            return self.schedule(self.model.odoo.kill_check_period, Ev::MasterBeat);
        };
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

    /// SIGKILL: the request fails with a 502, its transaction rolls back, and the worker
    /// process dies.
    fn kill(&mut self, req: u32) -> Step {
        let w = self.requests[req as usize].worker;
        self.end_request(req, Some(Cause::KilledTimeReal))?;
        self.obs.add(self.now, Resource::OdooWorkersBusy, -1.0);
        self.worker_dies(w)
    }

    /// Worker `w`'s process ends (killed or recycled): its connections close, and the
    /// master spawns a fresh one after a delay.
    fn worker_dies(&mut self, w: u32) -> Step {
        self.replica_disconnect(w);
        let wk = &mut self.workers[w as usize];
        let closed = std::mem::take(&mut wk.conns);
        let direct = if self.model.postgres.pgbouncer.is_some() {
            self.client_open -= closed;
            0
        } else {
            closed
        };
        wk.vms_mib = self.model.odoo.worker_vms_mib;
        wk.served = 0;
        self.pool_worker_exits(w)?;
        self.obs
            .add(self.now, Resource::PgConnections, -f64::from(direct));
        self.obs.add(self.now, Resource::WorkersRespawning, 1.0);
        self.schedule(self.model.odoo.worker_respawn, Ev::Respawned { worker: w })
    }

    pub(super) fn on_respawned(&mut self, w: u32) -> Step {
        if self.workers[w as usize].cron {
            return self.cron_respawned(w);
        }
        self.obs.add(self.now, Resource::WorkersRespawning, -1.0);
        self.worker_ready(w, false)
    }
}

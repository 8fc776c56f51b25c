//! A PostgreSQL server's CPU and data volume — the primary's, or the read replica's — and
//! a request's reads and queries on them.
//!
//! A try's page reads that miss the buffer cache go to the volume first, then its
//! queries to the CPU (both processor-sharing stations, `postgres.rs`); then the request
//! goes on to its row locks (`flow.rs`). Each station has one pending wake-up at its next
//! completion; a wake-up whose epoch is stale was superseded and is ignored. On the
//! replica the CPU also runs the WAL replay (`replica.rs`), as a job with id `REPLAY`.

use super::commit::WAL_FLUSH;
use super::postgres::PsStation;
use super::replica::REPLAY;
use super::request::{Phase, Request};
use super::{Ev, Resource, Sim, Step};
use crate::model::Model;

pub use crate::model::Db;

/// One server's stations, the epochs of their pending wake-ups, and its gauges.
pub struct DbServer {
    pub cpu: PsStation,
    pub cpu_epoch: u32,
    pub io: PsStation,
    pub io_epoch: u32,
    /// Jobs on the CPU that are not queries (the replica's WAL replay).
    pub background: u32,
    /// Seconds per I/O, if the volume is modelled.
    io_latency_s: Option<f64>,
    gauges: [Resource; 3],
}

impl DbServer {
    /// Server `db` of `model` (idle stations if the estate has no such server).
    pub fn new(model: &Model, db: Db) -> Self {
        let spec = model.postgres.server(db);
        let volume = spec.and_then(|s| s.volume);
        DbServer {
            cpu: PsStation::new(f64::from(spec.map_or(1, |s| s.cores))),
            cpu_epoch: 0,
            io: PsStation::new(volume.map_or(1.0, |v| v.parallel_streams())),
            io_epoch: 0,
            background: 0,
            io_latency_s: volume.map(|v| v.io_latency.as_secs_f64()),
            gauges: Resource::of_server(db),
        }
    }
}

impl Sim<'_> {
    fn server(&mut self, db: Db) -> &mut DbServer {
        &mut self.dbs[db as usize]
    }

    /// The request table (to tell live jobs) beside the server's stations.
    fn requests_and(&mut self, db: Db) -> (&[Request], &mut DbServer) {
        (&self.requests, &mut self.dbs[db as usize])
    }

    /// The server `req` works on: the replica for a readonly request, if there is one.
    fn db_of(&self, req: u32) -> Db {
        if self.requests[req as usize].replica {
            Db::Replica
        } else {
            Db::Primary
        }
    }

    /// The reads and queries of the try.
    pub(super) fn begin_db_work(&mut self, req: u32) -> Step {
        let db = self.db_of(req);
        let r = &mut self.requests[req as usize];
        let (io_s, db_s, inc) = (r.io_s, r.db_s, r.inc);
        if io_s > 0.0 {
            r.enter(Phase::Io, self.now);
            let now = self.now;
            self.server(db).io.join(now, io_s, req, inc);
            self.io_levels(db);
            self.io_reschedule(db)
        } else if db_s > 0.0 {
            r.enter(Phase::Db, self.now);
            let now = self.now;
            self.server(db).cpu.join(now, db_s, req, inc);
            self.cpu_levels(db);
            self.cpu_reschedule(db)
        } else {
            self.after_db(req)
        }
    }

    pub(super) fn on_io_wake(&mut self, db: Db, epoch: u32) -> Step {
        if epoch != self.server(db).io_epoch {
            return Ok(());
        }
        loop {
            let now = self.now;
            let (requests, server) = self.requests_and(db);
            let live = |req: u32, inc: u32| req == WAL_FLUSH || requests[req as usize].inc == inc;
            let Some((req, _)) = server.io.pop_finished(now, live) else {
                break;
            };
            if req == WAL_FLUSH {
                self.wal_flushed()?;
                continue;
            }
            let r = &mut self.requests[req as usize];
            r.enter(Phase::Done, now);
            if r.db_s > 0.0 {
                let (db_s, inc) = (r.db_s, r.inc);
                r.enter(Phase::Db, now);
                self.server(db).cpu.join(now, db_s, req, inc);
                self.cpu_levels(db);
                self.cpu_reschedule(db)?;
            } else {
                self.after_db(req)?;
            }
        }
        self.io_levels(db);
        self.io_reschedule(db)
    }

    pub(super) fn on_cpu_wake(&mut self, db: Db, epoch: u32) -> Step {
        if epoch != self.server(db).cpu_epoch {
            return Ok(());
        }
        loop {
            let now = self.now;
            let (requests, server) = self.requests_and(db);
            let live = |req: u32, inc: u32| req == REPLAY || requests[req as usize].inc == inc;
            let Some((req, _)) = server.cpu.pop_finished(now, live) else {
                break;
            };
            if req == REPLAY {
                self.replay_done()?;
                continue;
            }
            self.requests[req as usize].enter(Phase::Done, now);
            self.after_db(req)?;
        }
        self.cpu_levels(db);
        self.cpu_reschedule(db)
    }

    /// Cores busy and queries running (the replay is not a query).
    pub(super) fn cpu_levels(&mut self, db: Db) {
        let server = &self.dbs[db as usize];
        let [busy, active, _] = server.gauges;
        let running = server.cpu.active() - server.background;
        let cores = server.cpu.busy_cores();
        self.obs.level(self.now, busy, cores);
        self.obs.level(self.now, active, f64::from(running));
    }

    /// Seconds one I/O takes on server `db`'s volume at low load (1 without a volume).
    pub(super) fn io_latency_s(&self, db: Db) -> f64 {
        self.dbs[db as usize].io_latency_s.unwrap_or(1.0)
    }

    /// I/O operations per second the volume is doing now.
    pub(super) fn io_levels(&mut self, db: Db) {
        let server = &self.dbs[db as usize];
        if let Some(latency_s) = server.io_latency_s {
            let iops = server.io.busy_cores() / latency_s;
            self.obs.level(self.now, server.gauges[2], iops);
        }
    }

    pub(super) fn cpu_reschedule(&mut self, db: Db) -> Step {
        let now = self.now;
        let (requests, server) = self.requests_and(db);
        let live = |req: u32, inc: u32| req == REPLAY || requests[req as usize].inc == inc;
        if let Some(t) = server.cpu.next_completion(now, live) {
            server.cpu_epoch = server.cpu_epoch.wrapping_add(1);
            let epoch = server.cpu_epoch;
            self.schedule(t - now, Ev::CpuWake { db, epoch })?;
        }
        Ok(())
    }

    pub(super) fn io_reschedule(&mut self, db: Db) -> Step {
        let now = self.now;
        let (requests, server) = self.requests_and(db);
        let live = |req: u32, inc: u32| req == WAL_FLUSH || requests[req as usize].inc == inc;
        if let Some(t) = server.io.next_completion(now, live) {
            server.io_epoch = server.io_epoch.wrapping_add(1);
            let epoch = server.io_epoch;
            self.schedule(t - now, Ev::IoWake { db, epoch })?;
        }
        Ok(())
    }

    /// `req` ends while in `phase` (killed, or failed elsewhere): it leaves its server's
    /// station. The caller bumps its incarnation, then calls [`Sim::db_reschedule`].
    pub(super) fn db_abandon(&mut self, req: u32, phase: Phase) {
        let db = self.db_of(req);
        let now = self.now;
        match phase {
            Phase::Io => {
                self.server(db).io.abandon(now);
                self.io_levels(db);
            }
            Phase::Db => {
                self.server(db).cpu.abandon(now);
                self.cpu_levels(db);
            }
            _ => {}
        }
    }

    /// After [`Sim::db_abandon`] and the incarnation bump: the next completion moved.
    pub(super) fn db_reschedule(&mut self, db: Db, phase: Phase) -> Step {
        match phase {
            Phase::Io => self.io_reschedule(db),
            Phase::Db => self.cpu_reschedule(db),
            _ => Ok(()),
        }
    }
}

//! The read replica (Odoo 18 `db_replica_host`): `readonly` classes run their reads and
//! queries on it, and its startup process replays the primary's WAL.
//!
//! A request of a `readonly` class opens connections in its worker's replica pool (Odoo
//! keeps one pool per database host), counted against the replica's `max_connections −
//! superuser_reserved` (beyond: `replica_too_many_clients`); they close when the worker
//! process dies. Its cache misses go to the replica's volume and its queries to the
//! replica's cores (processor sharing, as on the primary); PgBouncer is not in the way
//! (Odoo connects to `db_replica_host` directly here).
//!
//! Every request of another class that commits after spending CPU on the primary writes
//! one WAL record. The records wait in a FIFO (commit order); the startup process is
//! single-threaded: `apply_delay` after its commit, the record at the head joins the
//! replica's CPU station as one job of `replay_ratio × its primary CPU time`, and the next
//! record starts only when it is done. Replay therefore competes with read queries for
//! the replica's cores and never uses more than one. Lag = now − commit time of the
//! oldest record not yet replayed.

use super::Db;
use super::{Ev, Resource, Sim, Step};
use crate::model::SimTime;
use std::collections::VecDeque;

/// The replay's job id on the replica's CPU station (no request has this index).
pub const REPLAY: u32 = u32::MAX;

/// What the startup process is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Replay {
    /// Caught up: no record to replay.
    Idle,
    /// Waiting for the head record's `apply_delay` (one `Ev::ReplayReady` pending).
    Waiting,
    /// Replaying the head record on the CPU station.
    Running,
}

/// The replica's replay in one replication (its CPU and volume are `Sim::dbs`).
pub struct ReplicaState {
    /// WAL records not yet replayed, in commit order: (commit time, replay CPU seconds).
    wal: VecDeque<(SimTime, f64)>,
    replay: Replay,
    /// Number of the record being replayed (the incarnation of its station tag).
    seq: u32,
}

impl ReplicaState {
    pub fn new() -> Self {
        ReplicaState {
            wal: VecDeque::new(),
            replay: Replay::Idle,
            seq: 0,
        }
    }
}

impl Sim<'_> {
    /// Replica connections Odoo may open: the capacity of the `replica_connections` gauge.
    fn replica_usable(&self) -> u32 {
        self.gauges
            .capacity(Resource::ReplicaConnections)
            .map_or(0, |c| c as u32)
    }

    /// Worker `w` needs `cursors` replica connections; `false` if the replica refuses
    /// the new ones (too many clients).
    pub(super) fn replica_connect(&mut self, w: u32, cursors: u32) -> bool {
        let have = self.workers[w as usize].replica_conns;
        if have >= cursors {
            return true;
        }
        let extra = cursors - have;
        if self.obs.count(Resource::ReplicaConnections) + extra > self.replica_usable() {
            return false;
        }
        self.workers[w as usize].replica_conns = cursors;
        self.obs
            .add(self.now, Resource::ReplicaConnections, f64::from(extra));
        true
    }

    /// Worker `w`'s process ended: its replica connections close.
    pub(super) fn replica_disconnect(&mut self, w: u32) {
        let conns = std::mem::take(&mut self.workers[w as usize].replica_conns);
        if conns > 0 {
            self.obs
                .add(self.now, Resource::ReplicaConnections, -f64::from(conns));
        }
    }

    /// A write transaction that spent `db_s` of CPU on the primary committed: its WAL
    /// record joins the replay FIFO.
    pub(super) fn wal_commit(&mut self, db_s: f64) -> Step {
        let Some(r) = self.model.postgres.replica else {
            return Ok(());
        };
        if db_s <= 0.0 {
            return Ok(());
        }
        let cap = self.model.run.max_in_flight as usize;
        if self.replica.wal.len() >= cap {
            return Err(self.stopped(
                format!(
                    "the read replica is {cap} WAL records behind (run.max_in_flight): its replay cannot keep up"
                ),
                "replay is single-threaded, so more replica cores do not help: lower replay_ratio or the write load, or raise run.max_in_flight",
            ));
        }
        if self.replica.wal.is_empty() {
            self.obs.rising(self.now, Resource::ReplicationLag, 0.0);
        }
        self.replica
            .wal
            .push_back((self.now, r.replay_ratio * db_s));
        if self.replica.replay == Replay::Idle {
            self.replica.replay = Replay::Waiting;
            self.schedule(r.apply_delay, Ev::ReplayReady)?;
        }
        Ok(())
    }

    /// The head record's `apply_delay` has passed: the startup process replays it.
    pub(super) fn on_replay_ready(&mut self) -> Step {
        let &(_, work_s) = self.replica.wal.front().expect("a record is waiting");
        self.replica.replay = Replay::Running;
        self.replica.seq = self.replica.seq.wrapping_add(1);
        let server = &mut self.dbs[Db::Replica as usize];
        server.background += 1;
        server.cpu.join(self.now, work_s, REPLAY, self.replica.seq);
        self.cpu_levels(Db::Replica);
        self.cpu_reschedule(Db::Replica)
    }

    /// The head record is replayed: the lag drops to the next record's age.
    pub(super) fn replay_done(&mut self) -> Step {
        self.dbs[Db::Replica as usize].background -= 1;
        self.replica.wal.pop_front();
        self.replica.replay = Replay::Idle;
        let Some(&(commit, _)) = self.replica.wal.front() else {
            self.obs.level(self.now, Resource::ReplicationLag, 0.0);
            return Ok(());
        };
        let age = self.now - commit;
        self.obs
            .rising(self.now, Resource::ReplicationLag, age.as_secs_f64());
        let delay = self.model.postgres.replica.expect("replaying").apply_delay;
        self.replica.replay = Replay::Waiting;
        // `apply_delay` after the commit; records wait no longer once it has passed.
        self.schedule(delay.saturating_sub(age), Ev::ReplayReady)
    }
}

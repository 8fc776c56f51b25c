//! The write path on the primary: a writing request's commits wait for their WAL flush on
//! the volume, and checkpoints write the dirtied pages back, sharing the volume's IOPS.
//!
//! **WAL flush with group commit.** A commit waits until the WAL up to its record is on
//! disk (`XLogFlush`). One flush is in progress at a time; commits arriving meanwhile
//! wait for the next one, which covers them all (PostgreSQL's group commit: a backend
//! that gets `WALWriteLock` flushes everything inserted so far). A flush is one write
//! I/O on the volume's station, competing with the reads that missed the cache. With a
//! synchronous standby (Multi-AZ) each commit then waits a round trip more. Row locks
//! are held until the commit is done.
//!
//! **Checkpoints.** Every `checkpoint_timeout` the checkpointer writes back the pages
//! dirtied since the previous one (rows written × `dirty_pages_per_row`), paced to finish
//! within `checkpoint_completion_target` of the interval: a background flow of
//! `pages × io_latency / (target × timeout)` streams on the volume (`PsStation`'s
//! background members), which slows with everyone else when the volume is saturated.
//! A checkpoint still behind at its target writes the rest before the next is due; the
//! next takes over whatever is still left.

use super::request::Phase;
use super::{Db, Ev, Sim, Step};
use crate::model::SimTime;

/// Fewer pages than this left to write count as none (rounding of the work clock).
const MIN_PAGES: f64 = 1e-6;

/// The WAL flush's job id on the volume's station (no request has this index).
pub const WAL_FLUSH: u32 = u32::MAX - 1;

/// The primary's WAL writer and checkpointer in one replication.
#[derive(Default)]
pub struct WritePathState {
    /// A flush is on the volume.
    flushing: bool,
    /// Commits the flush in progress covers, and those waiting for the next: (request,
    /// incarnation) — a request killed meanwhile is skipped.
    in_flush: Vec<(u32, u32)>,
    waiting: Vec<(u32, u32)>,
    /// Pages dirtied since the last checkpoint started.
    dirty_pages: f64,
    /// Pages the current (or last) checkpoint set out to write.
    planned_pages: f64,
    /// The volume's background work done when the checkpoint started (seconds).
    done_at_start_s: f64,
}

impl Sim<'_> {
    /// The first checkpoint, one interval after the start, if any class writes.
    pub(super) fn start_checkpoints(&mut self) -> Step {
        if !self.facts.iter().any(|f| f.writes) {
            return Ok(());
        }
        let t = self.model.postgres.write_path.checkpoint_timeout;
        self.schedule(t, Ev::Checkpoint { end: false })
    }

    /// The request's work is done: a writing request commits (its WAL flushed, once per
    /// commit) before it completes; any other completes now.
    pub(super) fn commit(&mut self, req: u32) -> Step {
        let r = &self.requests[req as usize];
        // A writing class is never `readonly`, so never on the replica (validation).
        if !self.facts[r.class as usize].writes {
            return self.complete(req);
        }
        let class = &self.model.classes[r.class as usize];
        let commits = class.writes.as_ref().map_or(1, |w| w.commits);
        self.requests[req as usize].commits_left = commits;
        self.wait_for_flush(req)
    }

    fn wait_for_flush(&mut self, req: u32) -> Step {
        let r = &mut self.requests[req as usize];
        r.enter(Phase::Commit, self.now);
        let entry = (req, r.inc);
        self.write_path.waiting.push(entry);
        if self.write_path.flushing {
            return Ok(());
        }
        self.start_flush()
    }

    /// Flushes the WAL of every commit waiting: one write on the primary's volume.
    fn start_flush(&mut self) -> Step {
        let wp = &mut self.write_path;
        std::mem::swap(&mut wp.in_flush, &mut wp.waiting);
        wp.waiting.clear();
        wp.flushing = true;
        let latency_s = self.io_latency_s(Db::Primary);
        let now = self.now;
        self.dbs[Db::Primary as usize]
            .io
            .join(now, latency_s, WAL_FLUSH, 0);
        self.io_levels(Db::Primary);
        self.io_reschedule(Db::Primary)
    }

    /// The flush is on disk: its commits are durable (after the standby's round trip,
    /// if any); the next flush starts if commits are waiting.
    pub(super) fn wal_flushed(&mut self) -> Step {
        let batch = std::mem::take(&mut self.write_path.in_flush);
        let round_trip = self.model.postgres.write_path.commit_round_trip;
        for &(req, inc) in &batch {
            let r = &mut self.requests[req as usize];
            if r.inc != inc || r.phase != Phase::Commit {
                continue;
            }
            if round_trip > SimTime::ZERO {
                r.enter(Phase::CommitAck, self.now);
                self.schedule(round_trip, Ev::Step { req })?;
            } else {
                self.committed(req)?;
            }
        }
        self.write_path.in_flush = batch;
        self.write_path.in_flush.clear();
        self.write_path.flushing = false;
        if self.write_path.waiting.is_empty() {
            return Ok(());
        }
        self.start_flush()
    }

    /// One commit is durable: the next, or the response.
    pub(super) fn committed(&mut self, req: u32) -> Step {
        let r = &mut self.requests[req as usize];
        r.commits_left -= 1;
        if r.commits_left > 0 {
            return self.wait_for_flush(req);
        }
        r.enter(Phase::Done, self.now);
        let pages = f64::from(r.rows) * self.model.postgres.write_path.dirty_pages_per_row;
        self.write_path.dirty_pages += pages;
        self.complete(req)
    }

    /// A checkpoint starts (`end` false) or reaches its completion target (`end` true).
    /// A checkpoint behind schedule at its target writes the rest until the next one is
    /// due, which takes over whatever is still left.
    pub(super) fn on_checkpoint(&mut self, end: bool) -> Step {
        let wp = self.model.postgres.write_path;
        let interval = wp.checkpoint_timeout;
        let spread =
            SimTime::from_secs_f64(interval.as_secs_f64() * wp.checkpoint_completion_target);
        let latency_s = self.io_latency_s(Db::Primary);
        let now = self.now;
        let io = &mut self.dbs[Db::Primary as usize].io;
        let state = &mut self.write_path;
        let written = (io.background_done(now) - state.done_at_start_s) / latency_s;
        let left = state.planned_pages - written;
        let left = if left > MIN_PAGES { left } else { 0.0 };
        let tail = interval - spread;
        if end {
            // Behind: the rest is written by the time the next checkpoint is due.
            if tail > SimTime::ZERO {
                let streams = left * latency_s / tail.as_secs_f64();
                io.set_background(now, streams);
                state.planned_pages = left;
                state.done_at_start_s = io.background_done(now);
            }
        } else {
            state.planned_pages = left + std::mem::take(&mut state.dirty_pages);
            state.done_at_start_s = io.background_done(now);
            let streams = state.planned_pages * latency_s / spread.as_secs_f64();
            io.set_background(now, streams);
        }
        self.io_levels(Db::Primary);
        self.io_reschedule(Db::Primary)?;
        let next = if end { tail } else { spread };
        self.schedule(next, Ev::Checkpoint { end: !end })
    }
}

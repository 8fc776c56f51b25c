//! PgBouncer's pool: server connections lent per transaction or per client connection,
//! a FIFO of waiting clients, and `query_wait_timeout`.
//!
//! Transaction pooling: an Odoo request is one transaction from its first query to its
//! commit (or rollback), so it takes a server connection when its database work begins
//! and gives it back when it ends — or when a serialization failure rolls it back before
//! Odoo's retry. Session pooling (PgBouncer's default): the server connection belongs to
//! the client connection, and an Odoo worker keeps its connections until its process
//! exits, so the worker holds it from its first query until it is recycled or killed.
//! Clients wait in arrival order; one that has waited `query_wait_timeout` is
//! disconnected and its request fails. The timeouts are checked by one pending event at
//! the oldest waiter's deadline (deadlines are in FIFO order, the timeout being the same
//! for everyone). Cron workers connect to PostgreSQL directly (LISTEN/NOTIFY).

use super::request::Phase;
use super::{Cause, Ev, Resource, Sim, Step};
use crate::model::PoolMode;

impl Sim<'_> {
    /// Takes a server connection for `req`, or queues it. `true` if it has one now.
    pub(super) fn pool_acquire(&mut self, req: u32) -> Result<bool, Box<super::RunStopped>> {
        let Some(b) = self.model.postgres.pgbouncer else {
            return Ok(true);
        };
        let w = self.requests[req as usize].worker as usize;
        if self.workers.get(w).is_none_or(|wk| wk.cron) || self.holds_server_conn(req) {
            return Ok(true);
        }
        if self.pool_in_use < b.default_pool_size {
            self.pool_in_use += 1;
            self.grant_server_conn(req);
            self.pool_levels();
            return Ok(true);
        }
        let inc = self.requests[req as usize].inc;
        self.pool_waiters.push_back((self.now, req, inc));
        self.requests[req as usize].enter(Phase::PoolWait, self.now);
        if !self.pool_check_pending {
            self.pool_check_pending = true;
            self.schedule(b.query_wait_timeout, Ev::PoolCheck)?;
        }
        self.pool_levels();
        Ok(false)
    }

    fn session_mode(&self) -> bool {
        self.model
            .postgres
            .pgbouncer
            .is_some_and(|b| b.mode == PoolMode::Session)
    }

    fn holds_server_conn(&self, req: u32) -> bool {
        let r = &self.requests[req as usize];
        if self.session_mode() {
            self.workers[r.worker as usize].server_conn
        } else {
            r.server_conn
        }
    }

    fn grant_server_conn(&mut self, req: u32) {
        if self.session_mode() {
            let w = self.requests[req as usize].worker;
            self.workers[w as usize].server_conn = true;
        } else {
            self.requests[req as usize].server_conn = true;
        }
    }

    /// `req` ends its transaction: in transaction pooling its server connection goes to
    /// the oldest live waiter.
    pub(super) fn pool_release(&mut self, req: u32) -> Step {
        let r = &mut self.requests[req as usize];
        if !std::mem::take(&mut r.server_conn) {
            return Ok(());
        }
        self.pool_hand_over()
    }

    /// Worker `w`'s process exits: in session pooling its client connection closes and
    /// its server connection goes to the oldest live waiter.
    pub(super) fn pool_worker_exits(&mut self, w: u32) -> Step {
        if !std::mem::take(&mut self.workers[w as usize].server_conn) {
            return Ok(());
        }
        self.pool_hand_over()
    }

    /// A server connection is free: the oldest live waiter gets it, or the pool keeps it.
    fn pool_hand_over(&mut self) -> Step {
        while let Some((_, w, inc)) = self.pool_waiters.pop_front() {
            let waiter = &self.requests[w as usize];
            if waiter.inc == inc && waiter.phase == Phase::PoolWait {
                self.grant_server_conn(w);
                self.requests[w as usize].enter(Phase::Done, self.now);
                self.pool_levels();
                return self.begin_db_work(w);
            }
        }
        self.pool_in_use -= 1;
        self.pool_levels();
        Ok(())
    }

    /// Disconnects the clients that have waited `query_wait_timeout`.
    pub(super) fn on_pool_check(&mut self) -> Step {
        self.pool_check_pending = false;
        let timeout = self
            .model
            .postgres
            .pgbouncer
            .expect("checks only with PgBouncer")
            .query_wait_timeout;
        while let Some(&(since, w, inc)) = self.pool_waiters.front() {
            let live = self.requests[w as usize].inc == inc
                && self.requests[w as usize].phase == Phase::PoolWait;
            if !live {
                self.pool_waiters.pop_front();
                continue;
            }
            if since + timeout > self.now {
                self.pool_check_pending = true;
                return self.schedule(since + timeout - self.now, Ev::PoolCheck);
            }
            self.pool_waiters.pop_front();
            self.fail(w, Cause::PoolWaitTimeout)?;
        }
        self.pool_levels();
        Ok(())
    }

    fn pool_levels(&mut self) {
        let waiting = self.pool_waiters.len() as f64;
        self.obs.level(
            self.now,
            Resource::PgBouncerServerConns,
            f64::from(self.pool_in_use),
        );
        self.obs
            .level(self.now, Resource::PgBouncerWaiting, waiting);
    }
}

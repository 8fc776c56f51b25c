//! The life of a request on its worker: Odoo CPU, database I/O and CPU, row locks with
//! Odoo's retry loop, external calls, then the response.
//!
//! One try runs: first half of the Odoo CPU time → the reads that miss the buffer cache
//! on the volume → the queries on PostgreSQL's CPU → the hot-spot rows are locked (wait
//! for a holder; fail with 40001 if someone committed them after this try's snapshot) →
//! the synchronous external calls (inside the transaction, so locks stay held) → second
//! half of the CPU time → commit. A serialization failure re-runs the *whole* request
//! after `uniform(0, 2^try)` seconds, worker held, up to `max_tries_on_concurrency_failure`
//! tries (odoo/service/model.py); then the request fails. A queue_job job's runjob
//! catches the first one itself (`jobs.rs`).
//!
//! Under a pod CPU limit the CPU halves share the pod's cores with its other processes
//! (`podcpu.rs`); without one, each is a delay of the CPU time drawn.
//!
//! `limit_time_cpu` bounds the Odoo CPU time of the whole request, its tries added up
//! (odoo/service/server.py, `Worker.check_limits` sets `RLIMIT_CPU` per unit of work):
//! the CPU phase that reaches it ends there, and the request fails (`cpu_time_limit`) —
//! SIGXCPU makes Odoo raise "CPU time limit exceeded", the transaction rolls back, and
//! the worker lives on.

use super::Db;
use super::evented::evented_pod;
use super::locks::Acquire;
use super::podcpu::Mode;
use super::redis::Save;
use super::request::Phase;
use super::{Cause, Ev, Sim, Step};
use crate::engine::Draws;
use crate::model::{SimTime, whole_and_fraction};
use rand::RngExt;

/// Most rows a request locks in one table (a sample above this is capped).
const MAX_KEYS_PER_USE: u32 = 64;

impl Sim<'_> {
    /// Starts a (re)run of the whole request on its worker.
    pub(super) fn begin_try(&mut self, req: u32) -> Step {
        let r = &mut self.requests[req as usize];
        if r.tries > 0 {
            // A retry draws its work afresh, from its own generator.
            r.rng = self.streams.retry(r.key, r.tries + 1);
        }
        let (class_id, on_replica, mut rng) = (r.class as usize, r.replica, r.rng);
        let arrival = r.arrival;
        let facts = self.facts[class_id];
        let plain_cpu = self.pod_cpu.mode == Mode::Unlimited;
        let (mut cpu_s, mut db_s, mut io_s) = if facts.cpu_only {
            // The same single draw as `sample_try` makes for such a class.
            let cpu_s = self.model.classes[class_id].odoo_cpu_s.sample(&mut rng);
            (cpu_s, 0.0, 0.0)
        } else {
            self.sample_try(class_id, on_replica, &mut rng)
        };
        if facts.demand_changes {
            // An event's `demand:` scales the request's work, the same draws scaled, and
            // so does a `slow` change in force as the try starts.
            let f = self.model.calendar.demand_at(class_id, arrival) * self.timeline.slow[class_id];
            (cpu_s, db_s, io_s) = (cpu_s * f, db_s * f, io_s * f);
        }
        let rows = if facts.writes {
            // After the try's other draws: a class that writes nothing draws the same.
            self.model.classes[class_id]
                .writes
                .as_ref()
                .map_or(0, |w| w.rows.sample_count(&mut rng))
        } else {
            0
        };
        let simple = db_s == 0.0 && io_s == 0.0 && !facts.locks_or_calls && !facts.writes;
        let now = self.now;
        let r = &mut self.requests[req as usize];
        r.rng = rng;
        r.try_start = now;
        r.tries += 1;
        r.db_s = db_s;
        r.io_s = io_s;
        r.rows = rows;
        r.cpu2_s = cpu_s / 2.0;
        if simple {
            // One CPU phase: the fast path of the plain queue.
            r.cpu2_s = cpu_s;
            let cpu_s = self.cpu_allowance(req, cpu_s, facts.cpu_limit_s);
            if plain_cpu {
                self.requests[req as usize].enter(Phase::Cpu2, now);
                return self.schedule(SimTime::from_secs_f64(cpu_s), Ev::Step { req });
            }
            return self.odoo_cpu(req, cpu_s, Phase::Cpu2);
        }
        if self.requests[req as usize].tries == 1 {
            self.draw_rows(req);
        }
        let cpu1_s = self.cpu_allowance(req, cpu_s / 2.0, facts.cpu_limit_s);
        self.odoo_cpu(req, cpu1_s, Phase::Cpu1)
    }

    /// Of `demand_s` more Odoo CPU seconds, what `req` computes before it has used
    /// `limit_s` in all. At the limit the phase is cut short and marked: the request
    /// fails when it ends ([`Sim::cpu_done`]).
    #[inline]
    fn cpu_allowance(&mut self, req: u32, demand_s: f64, limit_s: f64) -> f64 {
        let r = &mut self.requests[req as usize];
        let left = limit_s - r.cpu_used_s;
        if demand_s < left {
            r.cpu_used_s += demand_s;
            return demand_s;
        }
        r.cpu_used_s = limit_s;
        r.cpu_limit_hit = true;
        // A shared pod station reads the phase's demand from here (`podcpu.rs`).
        r.cpu2_s = left;
        left
    }

    /// A CPU phase of `req` ended: past `limit_time_cpu` the request fails, else it
    /// goes on with `next`.
    #[inline]
    pub(super) fn cpu_done(&mut self, req: u32, next: fn(&mut Self, u32) -> Step) -> Step {
        if self.requests[req as usize].cpu_limit_hit {
            return self.fail(req, Cause::CpuTimeLimit);
        }
        next(self, req)
    }

    /// Draws one try's Odoo CPU time, PostgreSQL CPU time and volume time (seconds), on
    /// the replica's volume if `on_replica`, from the try's generator `rng`.
    pub(super) fn sample_try(
        &mut self,
        class_id: usize,
        on_replica: bool,
        rng: &mut Draws,
    ) -> (f64, f64, f64) {
        let class = &self.model.classes[class_id];
        let cpu_s = class.odoo_cpu_s.sample(rng);
        let mut db_s = 0.0;
        let mut io_s = 0.0;
        let facts = self.facts[class_id];
        if facts.queries {
            let n = class.queries.sample_count(rng);
            if !class.db_time_per_query_s.is_zero() {
                db_s = class.db_time_per_query_s.sample_sum(u64::from(n), rng);
            }
            // A replica request reads from the replica's volume, through its cache.
            let pg = &self.model.postgres;
            let server = match &pg.replica {
                Some(rep) if on_replica => &rep.server,
                _ => &pg.primary,
            };
            if let Some(v) = &server.volume {
                let misses = f64::from(n) * class.reads_per_query * (1.0 - server.buffer_hit_ratio);
                let (whole, fraction) = whole_and_fraction(misses);
                let ios = whole + f64::from(rng.random::<f64>() < fraction);
                io_s = ios * v.io_latency.as_secs_f64();
            }
        }
        if facts.cache_lookups {
            // Own generators: the hit ratio changes how many numbers the lookups and the
            // misses take, not what the rest of the try draws.
            let (mut lookups, mut misses) = (rng.split(), rng.split());
            let (extra_db_s, extra_io_s) = self.cache_lookups(class_id, &mut lookups, &mut misses);
            db_s += extra_db_s;
            io_s += extra_io_s;
        }
        (cpu_s, db_s, io_s)
    }

    /// The try's Redis cache lookups: each hits with the cache's current hit probability;
    /// each miss writes its entry back and costs `cache_miss_queries` extra queries
    /// (PostgreSQL time and reads, drawn from `misses`). Returns the extra PostgreSQL CPU
    /// and volume seconds.
    fn cache_lookups(
        &mut self,
        class_id: usize,
        rng: &mut Draws,
        misses: &mut Draws,
    ) -> (f64, f64) {
        let model = self.model;
        let class = &model.classes[class_id];
        let store = self.sessions.as_mut().expect("checked by the caller");
        let n = class.cache_lookups.sample_count(rng);
        let mut hits = 0u32;
        for _ in 0..n {
            hits += u32::from(store.lookup(self.now, rng.random::<f64>()));
        }
        self.obs.cache(class_id, u64::from(n), u64::from(hits));
        self.redis_levels();
        let extra = u64::from(n - hits) * u64::from(class.cache_miss_queries);
        let rng = misses;
        let mut db_s = 0.0;
        if !class.db_time_per_query_s.is_zero() {
            db_s = class.db_time_per_query_s.sample_sum(extra, rng);
        }
        let mut io_s = 0.0;
        let primary = &model.postgres.primary;
        if let Some(v) = &primary.volume {
            let misses = extra as f64 * class.reads_per_query * (1.0 - primary.buffer_hit_ratio);
            if misses > 0.0 {
                let (whole, fraction) = whole_and_fraction(misses);
                let ios = whole + f64::from(rng.random::<f64>() < fraction);
                io_s = ios * v.io_latency.as_secs_f64();
            }
        }
        (db_s, io_s)
    }

    /// Draws the hot-spot rows the request will update (kept across retries: a re-run
    /// confirms the same order lines).
    fn draw_rows(&mut self, req: u32) {
        let class_id = self.requests[req as usize].class as usize;
        let mut rows = std::mem::take(&mut self.lock_keys[req as usize]);
        rows.clear();
        for (u, lock) in self.model.classes[class_id].locks.iter().enumerate() {
            let rng = &mut self.requests[req as usize].rng;
            let k = lock.keys.sample_count(rng).clamp(1, MAX_KEYS_PER_USE);
            for _ in 0..k {
                // Zipf draws ranks 1..=keys as floats.
                let key = rand_distr::Distribution::sample(&self.zipf[class_id][u], rng) as u64;
                rows.push((lock.table as u32, key));
            }
        }
        rows.sort_unstable();
        rows.dedup();
        self.lock_keys[req as usize] = rows;
    }

    /// A timed phase of `req` ended.
    pub(super) fn on_step(&mut self, req: u32) -> Step {
        let r = &mut self.requests[req as usize];
        let phase = r.phase;
        if phase == Phase::Zombie {
            r.phase = Phase::Free;
            self.free.push(req);
            return Ok(());
        }
        if phase == Phase::SynRetry {
            return self.on_syn_timer(req);
        }
        r.enter(Phase::Done, self.now);
        match phase {
            Phase::Ingress => self.send_to_pod(req),
            Phase::Cpu1 => self.cpu_done(req, Self::begin_db),
            Phase::Backoff => self.begin_try(req),
            Phase::Call => self.call_done(req),
            Phase::Cpu2 => self.cpu_done(req, Self::commit),
            Phase::CommitAck => self.committed(req),
            Phase::CountedCpu1 => {
                self.counted_cpu(-1);
                self.cpu_done(req, Self::begin_db)
            }
            Phase::CountedCpu2 => {
                self.counted_cpu(-1);
                self.cpu_done(req, Self::commit)
            }
            _ => unreachable!("step event in phase {phase:?}"),
        }
    }

    /// The transaction's first query: with PgBouncer, it needs a server connection first
    /// (not on the replica, which Odoo reaches directly).
    pub(super) fn begin_db(&mut self, req: u32) -> Step {
        if self.requests[req as usize].replica {
            return self.begin_db_work(req);
        }
        if self.pool_acquire(req)? {
            self.begin_db_work(req)
        } else {
            Ok(())
        }
    }

    /// The queries ran: lock the hot-spot rows, then call out.
    pub(super) fn after_db(&mut self, req: u32) -> Step {
        if self.lock_keys[req as usize].is_empty() {
            return self.begin_calls(req);
        }
        let r = &self.requests[req as usize];
        let txn = (req, r.inc);
        match self
            .locks
            .acquire(txn, r.try_start, &self.lock_keys[req as usize])
        {
            Acquire::Granted => {
                self.requests[req as usize].holds_locks = true;
                self.begin_calls(req)
            }
            Acquire::Wait => {
                self.requests[req as usize].enter(Phase::LockWait, self.now);
                Ok(())
            }
            Acquire::Conflict => self.serialization_failure(req),
        }
    }

    /// 40001: back off and re-run the whole request, or give up after the last try.
    fn serialization_failure(&mut self, req: u32) -> Step {
        // The transaction rolls back: PgBouncer takes its server connection back.
        self.requests[req as usize].enter(Phase::Done, self.now);
        self.pool_release(req)?;
        let r = &mut self.requests[req as usize];
        r.fail_try();
        let tries = r.tries;
        let class_id = r.class as usize;
        self.obs.conflict(class_id);
        // A job's runjob catches it before Odoo's retry loop does (`jobs.rs`).
        let job = self.requests[req as usize].job != u32::MAX;
        if job || tries >= self.model.odoo.max_tries_on_concurrency_failure {
            return self.fail(req, Cause::SerializationFailure);
        }
        let r = &mut self.requests[req as usize];
        let wait_s = r.rng.random::<f64>() * f64::from(1u32 << tries.min(20));
        self.requests[req as usize].enter(Phase::Backoff, self.now);
        self.schedule(SimTime::from_secs_f64(wait_s), Ev::Step { req })
    }

    fn begin_calls(&mut self, req: u32) -> Step {
        let class_id = self.requests[req as usize].class as usize;
        self.requests[req as usize].calls_left = self.facts[class_id].calls;
        self.next_call(req)
    }

    /// Makes the next external call, or moves on to the rest of the CPU time.
    fn next_call(&mut self, req: u32) -> Step {
        let r = &self.requests[req as usize];
        let class_id = r.class as usize;
        let class = &self.model.classes[class_id];
        if r.calls_left == 0 {
            if evented_pod(r.worker).is_some() {
                // A websocket message's CPU was all spent before its queries.
                return self.complete(req);
            }
            let (cpu2_s, limit_s) = (r.cpu2_s, self.facts[class_id].cpu_limit_s);
            let cpu2_s = self.cpu_allowance(req, cpu2_s, limit_s);
            return self.odoo_cpu(req, cpu2_s, Phase::Cpu2);
        }
        // Which call: count down through the class's call list.
        let total = self.facts[class_id].calls;
        let mut index = total - r.calls_left;
        let use_ = class
            .calls
            .iter()
            .find(|c| {
                let here = index < c.calls;
                if !here {
                    index -= c.calls;
                }
                here
            })
            .expect("calls_left ≤ total");
        let api = &self.model.integrations[use_.integration];
        if let Some(bucket) = &mut self.api_buckets[use_.integration] {
            if !bucket.take(self.now) {
                // The provider answers 429 at once: the synchronous call fails.
                return self.fail(req, Cause::IntegrationRateLimited);
            }
        }
        let rng = &mut self.requests[req as usize].rng;
        let (duration, fails) = if self.timeline.api_down[use_.integration] {
            (api.timeout, true)
        } else {
            let latency = SimTime::from_secs_f64(api.latency_s.sample(rng));
            let error = api.error_ratio > 0.0 && rng.random::<f64>() < api.error_ratio;
            if latency > api.timeout {
                (api.timeout, true)
            } else {
                (latency, error)
            }
        };
        let r = &mut self.requests[req as usize];
        r.call_fails = fails;
        r.enter(Phase::Call, self.now);
        self.schedule(duration, Ev::Step { req })
    }

    fn call_done(&mut self, req: u32) -> Step {
        let r = &mut self.requests[req as usize];
        if r.call_fails {
            return self.fail(req, Cause::IntegrationFailed);
        }
        r.calls_left -= 1;
        self.next_call(req)
    }

    /// The response is ready; if the request created a session, Odoo saves it now.
    pub(super) fn complete(&mut self, req: u32) -> Step {
        let class = self.requests[req as usize].class;
        if self.facts[class as usize].new_sessions
            && self.requests[req as usize].rng.random::<f64>()
                < self.model.classes[class as usize].new_session_ratio
        {
            let store = self.sessions.as_mut().expect("checked");
            let save = store.save_new(self.now);
            self.redis_levels();
            match save {
                Save::Stored => {}
                Save::OutOfMemory => return self.finish_on_worker(req, Some(Cause::RedisOom)),
                Save::Evicted { active } => {
                    self.obs.session_evicted(class as usize);
                    if active {
                        // The logged-out user logs in again: one more request of the class.
                        let user = u32::MAX;
                        self.schedule(SimTime::ZERO, Ev::UserRequest { class, user })?;
                    }
                }
            }
        }
        self.finish_on_worker(req, None)
    }

    /// The request fails with `cause`; its worker, if it had one, is free again.
    pub(super) fn fail(&mut self, req: u32, cause: Cause) -> Step {
        self.finish_on_worker(req, Some(cause))
    }

    fn finish_on_worker(&mut self, req: u32, cause: Option<Cause>) -> Step {
        let r = &self.requests[req as usize];
        let (w, class) = (r.worker, r.class);
        self.end_request(req, cause)?;
        match self.workers.get(w as usize) {
            None => match evented_pod(w) {
                Some(pod) => self.evented_done(pod, class),
                None => Ok(()),
            },
            Some(worker) if worker.cron => self.cron_worker_free(w, class),
            Some(_) => self.worker_free(w),
        }
    }

    /// Ends the request — completed when `cause` is `None` — wherever it is: leaves the
    /// database stations, commits or rolls back its row locks (waking the waiters),
    /// records the outcome and releases the slot. The worker is the caller's business.
    pub(super) fn end_request(&mut self, req: u32, cause: Option<Cause>) -> Step {
        let now = self.now;
        let phase = self.requests[req as usize].phase;
        let txn = (req, self.requests[req as usize].inc);
        let (on_replica, db_s) = {
            let r = &self.requests[req as usize];
            (r.replica, r.db_s)
        };
        let db = if on_replica { Db::Replica } else { Db::Primary };
        if phase.holds_a_share() {
            if matches!(phase, Phase::Io | Phase::Db) {
                self.db_abandon(req, phase);
                self.requests[req as usize].inc = self.requests[req as usize].inc.wrapping_add(1);
            } else {
                self.odoo_cpu_abandon(req, phase)?;
            }
        }
        let r = &mut self.requests[req as usize];
        if !phase.is_timed() {
            r.enter(Phase::Done, now);
        } else {
            // Book the interrupted phase's time, but keep it timed: its event is pending.
            r.enter(phase, now);
        }
        let held = std::mem::take(&mut r.holds_locks);
        let class_id = r.class as usize;
        let (job, user, key, abandoned) = (r.job, r.user, r.key, r.abandoned);
        match cause {
            // Its client gave up: the user already counted it failed (`client.rs`).
            _ if abandoned => {
                self.obs
                    .abandoned_ended(class_id, cause.is_none(), &r.parts, &r.try_parts)
            }
            None => self
                .obs
                .completed(now, class_id, now - r.arrival, &r.parts, &r.try_parts),
            Some(c) => self.obs.failed(now, class_id, c, now - r.arrival),
        }
        // Most requests hold no locks: they skip the release and its list of waiters.
        let woken = if held {
            let rows = std::mem::take(&mut self.lock_keys[req as usize]);
            let woken = self.locks.release(txn, &rows, cause.is_none(), now);
            self.lock_keys[req as usize] = rows;
            Some(woken)
        } else {
            None
        };
        self.release(req);
        self.pool_release(req)?;
        let facts = self.facts[class_id];
        // A login after an eviction (`u32::MAX`) is no user's own request.
        if facts.closed && !abandoned && user != u32::MAX {
            // The user gets the answer (or the error) and thinks again.
            self.user_thinks(class_id as u32, user)?;
        }
        if cause.is_none() {
            if facts.spawns {
                self.spawn_jobs(class_id, key)?;
            }
            if !on_replica {
                // The commit's WAL record, for the replica to replay.
                self.wal_commit(db_s)?;
            }
        }
        if job != u32::MAX {
            self.job_ended(job, cause)?;
        }
        self.db_reschedule(db, phase)?;
        match woken {
            Some(woken) => self.wake_lock_waiters(woken),
            None => Ok(()),
        }
    }

    /// The transactions a lock release woke retry their locks, in the order given.
    fn wake_lock_waiters(&mut self, woken: Vec<(u32, u32)>) -> Step {
        for (w, inc) in woken {
            let r = &self.requests[w as usize];
            if r.inc == inc && r.phase == Phase::LockWait {
                self.requests[w as usize].enter(Phase::Done, self.now);
                self.after_db(w)?;
            }
        }
        Ok(())
    }
}

//! Requests in flight: the request table, each request's phase, and where its time goes.

use super::{RunStopped, Sim};
use crate::engine::{Draws, Key};
use crate::model::SimTime;

/// Where a request is in its life. Phases marked "timed" have a pending `Ev::Step`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Slot unused.
    Free,
    /// Timed: waiting for a rate-limit token or for Traefik's retry back-off.
    Ingress,
    /// In a pod's listen backlog.
    Backlog,
    /// Timed: Traefik's SYN was dropped on a full listen queue; the kernel retransmits it
    /// (`listen.rs`). The phase starts when the dial does and lasts across
    /// retransmissions.
    SynRetry,
    /// Timed: first half of the Odoo CPU time.
    Cpu1,
    /// A websocket message on its pod's evented CPU (processor sharing).
    EventedCpu,
    /// Waiting for one of PgBouncer's server connections.
    PoolWait,
    /// On the PostgreSQL volume (reads that missed the cache).
    Io,
    /// On PostgreSQL's CPU.
    Db,
    // The phases a request ending early must leave a station or a count from are
    // adjacent (`Io` … `PodCpu2`): `end_request` tests them in one range check.
    /// Timed: first half of the Odoo CPU time under a pod CPU limit no pod can exceed
    /// (counted in the pods' CPU gauge).
    CountedCpu1,
    /// Timed: second half of the Odoo CPU time, counted.
    CountedCpu2,
    /// First half of the Odoo CPU time on the pod's shared cores (processor sharing).
    PodCpu1,
    /// Second half of the Odoo CPU time on the pod's shared cores.
    PodCpu2,
    /// Waiting for another transaction's row lock.
    LockWait,
    /// Timed: Odoo's back-off sleep before re-running the request after a
    /// serialization failure (the worker is held).
    Backoff,
    /// Timed: a synchronous call to an external API.
    Call,
    /// Timed: second half of the Odoo CPU time.
    Cpu2,
    /// Waiting for the WAL flush that makes its commit durable (`commit.rs`).
    Commit,
    /// Timed: the synchronous standby's acknowledgement of the commit.
    CommitAck,
    /// Between phases: the event of the phase just ended has been consumed.
    Done,
    /// Ended while a timed phase's event was pending: the slot is freed when it arrives,
    /// so events never need to say which incarnation they belong to.
    Zombie,
}

impl Phase {
    /// Whether an `Ev::Step` for the request is pending in this phase.
    pub fn is_timed(self) -> bool {
        matches!(
            self,
            Phase::Ingress
                | Phase::SynRetry
                | Phase::Cpu1
                | Phase::CountedCpu1
                | Phase::Backoff
                | Phase::Call
                | Phase::Cpu2
                | Phase::CountedCpu2
                | Phase::CommitAck
        )
    }

    /// Whether a request ending in this phase must leave a PostgreSQL station (`Io`,
    /// `Db`) or its pod's CPU (`CountedCpu*`, `PodCpu*`).
    #[inline]
    pub fn holds_a_share(self) -> bool {
        matches!(
            self,
            Phase::Io
                | Phase::Db
                | Phase::CountedCpu1
                | Phase::CountedCpu2
                | Phase::PodCpu1
                | Phase::PodCpu2
        )
    }

    fn part(self) -> Option<Part> {
        match self {
            Phase::Ingress => Some(Part::Ingress),
            Phase::Backlog => Some(Part::Backlog),
            Phase::SynRetry => Some(Part::SynRetry),
            // On shared cores the time beyond the demand moves to `PodCpuWait` when the
            // phase ends (`Request::cpu_shared`).
            Phase::Cpu1
            | Phase::Cpu2
            | Phase::CountedCpu1
            | Phase::CountedCpu2
            | Phase::PodCpu1
            | Phase::PodCpu2
            | Phase::EventedCpu => Some(Part::OdooCpu),
            Phase::PoolWait => Some(Part::ConnWait),
            Phase::Io => Some(Part::DbIo),
            Phase::Db => Some(Part::DbCpu),
            Phase::LockWait | Phase::Backoff => Some(Part::LockRetry),
            Phase::Call => Some(Part::External),
            Phase::Commit | Phase::CommitAck => Some(Part::Commit),
            Phase::Free | Phase::Done | Phase::Zombie => None,
        }
    }
}

/// Where a completed request's time went. Order = index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// A queue_job job: pending, waiting for the runner to dispatch it.
    QueueJobWait,
    /// Traefik: rate-limit delay and retry back-off.
    Ingress,
    /// Waiting in the listen backlog for a worker.
    Backlog,
    /// Waiting for a pod to accept the connection: SYNs dropped on a full listen queue
    /// and retransmitted, dials that timed out before a Traefik retry.
    SynRetry,
    /// Odoo CPU (of the successful try): the CPU time the request demanded.
    OdooCpu,
    /// The rest of its Odoo CPU phases' wall time: sharing the pod's cores (successful
    /// try; zero without a pod CPU limit).
    PodCpuWait,
    /// Waiting for a PgBouncer server connection.
    ConnWait,
    /// PostgreSQL volume I/O, queueing included (successful try).
    DbIo,
    /// PostgreSQL CPU, sharing included (successful try).
    DbCpu,
    /// Row-lock waits, back-off sleeps, and every failed try's work.
    LockRetry,
    /// External API calls (successful try).
    External,
    /// Committing: the WAL flush (group commit on the volume) and a synchronous
    /// standby's round trip.
    Commit,
}

impl Part {
    pub const ALL: [Part; 12] = [
        Part::QueueJobWait,
        Part::Ingress,
        Part::Backlog,
        Part::SynRetry,
        Part::OdooCpu,
        Part::PodCpuWait,
        Part::ConnWait,
        Part::DbIo,
        Part::DbCpu,
        Part::LockRetry,
        Part::External,
        Part::Commit,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn name(self) -> &'static str {
        match self {
            Part::QueueJobWait => "queue_job_wait_s",
            Part::Ingress => "ingress_s",
            Part::Backlog => "backlog_wait_s",
            Part::SynRetry => "syn_retry_s",
            Part::OdooCpu => "odoo_cpu_s",
            Part::PodCpuWait => "pod_cpu_wait_s",
            Part::ConnWait => "connection_wait_s",
            Part::DbIo => "db_io_s",
            Part::DbCpu => "db_cpu_s",
            Part::LockRetry => "lock_wait_and_retry_s",
            Part::External => "external_calls_s",
            Part::Commit => "commit_s",
        }
    }

    /// Parts redone on a retry: their time moves to `LockRetry` when a try fails.
    fn per_try(self) -> bool {
        matches!(
            self,
            Part::OdooCpu | Part::PodCpuWait | Part::DbIo | Part::DbCpu | Part::External
        )
    }
}

/// A request in flight (a slot in the request table).
#[derive(Clone, Debug)]
pub struct Request {
    pub class: u32,
    /// The request's identity (see `draws.rs`) and the generator of its current try.
    pub key: Key,
    pub rng: Draws,
    /// The closed class's user who sent it (`u32::MAX`: none).
    pub user: u32,
    pub worker: u32,
    /// The pod Traefik is dialling while its SYNs are retransmitted (`Phase::SynRetry`).
    pub pod: u32,
    pub arrival: SimTime,
    /// Bumped whenever the slot is reused or the request ends, so PostgreSQL tags and lock
    /// waiters of ended requests can be recognised.
    pub inc: u32,
    pub phase: Phase,
    /// When the current phase began.
    pub phase_start: SimTime,
    /// Start of the current try: the transaction's snapshot.
    pub try_start: SimTime,
    pub tries: u32,
    /// Traefik attempts so far.
    pub attempts: u32,
    pub io_s: f64,
    pub db_s: f64,
    /// The second half of the Odoo CPU time (s). A websocket message, which has no
    /// second half, keeps here its pod's CPU clock when it joined the evented process
    /// on an oversubscribed pod (`PsStation::clock`).
    pub cpu2_s: f64,
    /// Odoo CPU seconds computed so far, every try counted: Odoo sets `RLIMIT_CPU` once
    /// per request, and its retry loop runs inside that request.
    pub cpu_used_s: f64,
    /// The CPU phase under way ends at `limit_time_cpu`: the request then fails.
    pub cpu_limit_hit: bool,
    /// External calls still to make in this try.
    pub calls_left: u32,
    /// Rows the try writes (drawn with its work; 0 for a class that writes nothing).
    pub rows: u32,
    /// Commits still to flush.
    pub commits_left: u32,
    /// The call in progress will fail when it returns.
    pub call_fails: bool,
    /// Whether the request holds its row locks.
    pub holds_locks: bool,
    /// Whether the request holds a PgBouncer server connection.
    pub server_conn: bool,
    /// The queue_job job this request runs (`u32::MAX`: an ordinary request).
    pub job: u32,
    /// A `readonly` class's request with a replica configured: it runs on the replica.
    pub replica: bool,
    /// Its client gave up (`client.timeout`): Odoo still runs it, for nobody.
    pub abandoned: bool,
    /// How many times its user had sent it before (0: the original request).
    pub resubmits: u8,
    /// Nanoseconds per [`Part`], whole request (integers: no conversion per phase).
    pub parts: [u64; Part::COUNT],
    /// Nanoseconds per [`Part`] of the current try.
    pub try_parts: [u64; Part::COUNT],
}

impl Request {
    /// A request of `class` that arrives at `now`, in a slot at incarnation `inc`.
    #[inline]
    fn fresh(class: u32, key: Key, rng: Draws, now: SimTime, inc: u32, replica: bool) -> Request {
        Request {
            class,
            key,
            rng,
            user: u32::MAX,
            worker: u32::MAX,
            pod: u32::MAX,
            arrival: now,
            inc,
            phase: Phase::Done,
            phase_start: now,
            try_start: now,
            tries: 0,
            attempts: 0,
            io_s: 0.0,
            db_s: 0.0,
            cpu2_s: 0.0,
            cpu_used_s: 0.0,
            cpu_limit_hit: false,
            calls_left: 0,
            rows: 0,
            commits_left: 0,
            call_fails: false,
            holds_locks: false,
            server_conn: false,
            job: u32::MAX,
            replica,
            abandoned: false,
            resubmits: 0,
            parts: [0; Part::COUNT],
            try_parts: [0; Part::COUNT],
        }
    }

    pub fn is_live(&self) -> bool {
        !matches!(self.phase, Phase::Free | Phase::Zombie)
    }

    /// Moves to `phase` at `now`, booking the time of the phase being left.
    #[inline]
    pub fn enter(&mut self, phase: Phase, now: SimTime) {
        if let Some(part) = self.phase.part() {
            let dt = (now - self.phase_start).0;
            if part.per_try() {
                self.try_parts[part as usize] += dt;
            } else {
                self.parts[part as usize] += dt;
            }
        }
        self.phase = phase;
        self.phase_start = now;
    }

    /// An Odoo CPU phase on shared cores just ended, having demanded `demand_ns` of CPU:
    /// the rest of its wall time (booked as Odoo CPU) was spent sharing the pod's cores.
    pub fn cpu_shared(&mut self, wall_ns: u64, demand_ns: u64) {
        let extra = wall_ns.saturating_sub(demand_ns);
        let cpu = &mut self.try_parts[Part::OdooCpu as usize];
        let extra = extra.min(*cpu);
        *cpu -= extra;
        self.try_parts[Part::PodCpuWait as usize] += extra;
    }

    /// The current try failed: its work counts as lock contention and retries.
    pub fn fail_try(&mut self) {
        let wasted: u64 = self.try_parts.iter().sum();
        self.parts[Part::LockRetry as usize] += wasted;
        self.try_parts = [0; Part::COUNT];
    }
}

impl Sim<'_> {
    /// A new request of `class`, arrived now, whose identity is `key`.
    pub(super) fn alloc(&mut self, class: u32, key: Key) -> Result<u32, Box<RunStopped>> {
        if self.in_flight >= self.model.run.max_in_flight {
            return Err(self.stopped(
                format!("{} requests in flight at once (run.max_in_flight)", self.in_flight),
                "the estate is overloaded far beyond its capacity; check rates and sizes, or raise run.max_in_flight",
            ));
        }
        self.in_flight += 1;
        let replica = self.facts[class as usize].on_replica;
        let now = self.now;
        let rng = self.streams.draws(key);
        // Built straight into its slot: a `Request` is large, and building it aside and
        // copying it in showed in profiles.
        Ok(match self.free.pop() {
            Some(i) => {
                let slot = &mut self.requests[i as usize];
                *slot = Request::fresh(class, key, rng, now, slot.inc.wrapping_add(1), replica);
                i
            }
            None => {
                self.requests
                    .push(Request::fresh(class, key, rng, now, 0, replica));
                self.lock_keys.push(Vec::new());
                (self.requests.len() - 1) as u32
            }
        })
    }

    /// The request has ended. Its slot is reused at once, unless a timed phase's event is
    /// still pending: then it waits as a zombie for that event.
    pub(super) fn release(&mut self, req: u32) {
        let r = &mut self.requests[req as usize];
        r.inc = r.inc.wrapping_add(1);
        if r.phase.is_timed() {
            r.phase = Phase::Zombie;
        } else {
            r.phase = Phase::Free;
            self.free.push(req);
        }
        self.in_flight -= 1;
    }
}

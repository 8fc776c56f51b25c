//! One replication of an Odoo estate: the event loop and its dispatch.
//!
//! A request arrives (per-class non-homogeneous Poisson), is spread round-robin over the
//! pods, waits in the pod's listen backlog for a free HTTP worker (its SYN dropped and
//! retransmitted while the backlog is full), opens database connections if its worker has none, spends Odoo CPU
//! time (sharing its pod's cores under a CPU limit), runs its queries on PostgreSQL (processor sharing over the cores), spends the
//! rest of its CPU time and frees the worker. The master kills requests that exceed
//! `limit_time_real` on its periodic beat; the worker respawns after a delay.
//!
//! The simulation reads a validated [`Model`], does no I/O, and returns a
//! [`Replication`] or a [`RunStopped`] when a limit is hit.

mod arrivals;
mod client;
mod commit;
mod cron;
mod database;
mod draws;
mod evented;
mod facts;
mod flow;
mod gauges;
mod ingress;
mod jobs;
mod listen;
mod locks;
mod observe;
mod odoo;
mod pgbouncer;
mod podcpu;
mod population;
mod postgres;
mod probe;
mod queue_job;
mod redis;
mod replica;
mod request;
mod timeline;

pub use database::Db;
pub use gauges::{GaugeSpec, GaugeTable, Resource, Scope};
pub use observe::{AbandonObs, Cause, ClassObs, CoarseClassBucket, FineClassBucket};
pub use odoo::background_connections;
pub use probe::SpanCounts;
pub use queue_job::{JobId, JobQueue, QueueFull};
pub use request::Part;

use crate::engine::{self, EventQueue, Rng};
use crate::model::{Model, SimTime};
use arrivals::ArrivalStream;
use draws::Streams;
use facts::ClassFacts;
use ingress::{RouteBuckets, TokenBucket};
use locks::{Locks, Row};
use observe::Observer;
use odoo::{Pod, Worker};
use rand_distr::Zipf;
use request::Request;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the event loop can be asked to do. Small and `Copy`: it lives in the heap.
#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrival {
        class: u32,
    },
    /// A user of a closed class finished thinking and sends a request.
    UserRequest {
        class: u32,
        /// The user (`u32::MAX`: a user logging in again after Redis evicted the session).
        user: u32,
    },
    /// A logged-out user of a closed class looks whether the calendar logs it in.
    UserLogsIn {
        class: u32,
        user: u32,
    },
    /// Request `req`'s client gives up, unless it was answered (`inc` no longer its
    /// incarnation).
    ClientGivesUp {
        req: u32,
        inc: u32,
    },
    /// A user who gave up sends the request held in slot `slot` again.
    Resubmit {
        slot: u32,
    },
    /// A timed phase of a request ended (see `request::Phase`).
    Step {
        req: u32,
    },
    /// PostgreSQL server `db`'s CPU: its next completion (ignored unless `epoch` is
    /// current).
    CpuWake {
        db: Db,
        epoch: u32,
    },
    /// Server `db`'s volume: its next completion (ignored unless `epoch` is current).
    IoWake {
        db: Db,
        epoch: u32,
    },
    /// Pod `pod`'s shared cores: their next completion (ignored unless `epoch` is
    /// current).
    PodCpuWake {
        pod: u32,
        epoch: u32,
    },
    /// The queue_job runner wakes for a job whose eta has come.
    JobWake,
    /// The runner's select() times out (`SELECT_TIMEOUT`) while jobs are dead.
    RunnerTimeout,
    /// The stuck-jobs cron requeues a job whose worker was killed.
    JobRequeue {
        job: u32,
    },
    /// A scheduled action is due.
    CronDue {
        class: u32,
    },
    /// The next cron worker in turn polls for due jobs.
    CronPoll,
    /// PgBouncer disconnects clients that waited `query_wait_timeout`.
    PoolCheck,
    /// The Odoo master checks `limit_time_real`.
    MasterBeat,
    /// The next message over a websocket connection.
    WsMessage {
        conn: u32,
    },
    /// A browser tab closes its websocket.
    WsClose {
        conn: u32,
    },
    /// A dropped or refused websocket tries again.
    WsReconnect {
        conn: u32,
    },
    /// A pod's evented CPU completes a message (stale unless it is the pod's `wake_at`).
    EventedWake {
        pod: u32,
    },
    /// The evented servers check their memory.
    EventedBeat,
    /// A restarted evented server is back.
    EventedUp {
        pod: u32,
    },
    Respawned {
        worker: u32,
    },
    FineTick,
    CoarseTick,
    WarmupEnd,
    /// The head WAL record's `apply_delay` has passed: its replay may start.
    ReplayReady,
    /// A checkpoint starts, or reaches its completion target (`end`).
    Checkpoint {
        end: bool,
    },
    /// Timeline change `index` starts, or ends (`end`).
    Change {
        index: u32,
        end: bool,
    },
}

/// A replication ended early because it hit a limit.
#[derive(Clone, Debug, PartialEq)]
pub struct RunStopped {
    pub replication: u32,
    pub at: SimTime,
    pub reason: String,
    pub hint: String,
}

/// The outcome of handling one event. The error is boxed so that the common case is a
/// single null pointer: a large `Result` is returned through memory on every call of the
/// event loop, which profiles showed.
type Step = Result<(), Box<RunStopped>>;

/// What one replication produced.
#[derive(Clone, Debug)]
pub struct Replication {
    pub index: u32,
    pub events: u64,
    pub window_s: f64,
    pub classes: Vec<ClassObs>,
    /// Time-average level per gauge over the window, and the maximum: the fixed
    /// resources in `Resource::ALL` order, then the per-channel gauges.
    pub resource_mean: Vec<f64>,
    pub resource_max: Vec<f64>,
    pub resource_fine: Vec<Vec<f32>>,
    /// Requests still in flight at the horizon, per class (pending jobs included: a
    /// job arrives when it is made pending).
    pub in_flight_end: Vec<u64>,
    /// Per service-level objective (`Model::slos` order), its spans' counts: what the
    /// class's requests did in each span of its window (empty for one read from a gauge).
    pub slo_spans: Vec<Vec<SpanCounts>>,
}

/// The state of one running replication.
pub struct Sim<'m> {
    model: &'m Model,
    /// Per class, the features its requests use (the hot path's checks).
    facts: Vec<ClassFacts>,
    index: u32,
    now: SimTime,
    queue: EventQueue<Ev>,
    arrivals: Vec<ArrivalStream>,
    /// Per closed class whose population follows the calendar: who is logged in.
    logged: Vec<Option<population::LoggedIn>>,
    /// Batch sizes per class.
    batch: Vec<Rng>,
    /// Every other draw: each request's own generator, by its identity.
    streams: Streams,
    requests: Vec<Request>,
    free: Vec<u32>,
    in_flight: u32,
    pods: Vec<Pod>,
    workers: Vec<Worker>,
    next_pod: usize,
    /// Traefik rate limit per class: a bucket per source and Traefik replica.
    buckets: Vec<Option<RouteBuckets>>,
    /// Each integration's own rate limit (the API provider's token bucket).
    api_buckets: Vec<Option<TokenBucket>>,
    /// The PostgreSQL servers' CPU and volume stations, indexed by `Db` (the replica's
    /// are idle when none is configured).
    dbs: [database::DbServer; 2],
    /// The pods' CPU limits (`podcpu.rs`).
    pod_cpu: podcpu::PodCpus,
    locks: Locks,
    /// Rows each request slot will lock (kept across retries).
    lock_keys: Vec<Vec<Row>>,
    /// Key popularity per class and lock use.
    zipf: Vec<Vec<Zipf<f64>>>,
    /// PgBouncer: server connections in use, waiting clients (since, request,
    /// incarnation), whether a timeout check is scheduled; client connections of HTTP
    /// workers.
    pool_in_use: u32,
    pool_waiters: VecDeque<(SimTime, u32, u32)>,
    pool_check_pending: bool,
    client_open: u32,
    /// Redis sessions, if modelled.
    sessions: Option<redis::SessionStore>,
    /// queue_job: the runner's queue, the live jobs, and its pending wake-up.
    jobs: JobQueue,
    job_recs: Vec<jobs::JobRec>,
    job_free: Vec<u32>,
    job_wake: Option<SimTime>,
    has_jobs: bool,
    runner: jobs::Runner,
    /// Cron workers (indices into `workers`), the idle ones, whose turn it is to poll,
    /// the due jobs (class, due time), and which cron classes are due or running.
    cron_workers: Vec<u32>,
    cron_idle: Vec<u32>,
    cron_turn: usize,
    cron_due: VecDeque<(u32, SimTime)>,
    cron_busy: Vec<bool>,
    /// Requests in the order they started on a worker: deadlines for `limit_time_real`
    /// are in the same order, so the master's check pops from the front.
    started: VecDeque<(SimTime, u32, u32)>,
    /// The same for cron runs, against `limit_time_real_cron`.
    cron_started: VecDeque<(SimTime, u32, u32)>,
    /// Evented workers (one per pod, only with a websocket class), websocket
    /// connections and their free slots, the next pod in turn, connections open.
    evented: Vec<evented::EventedPod>,
    ws_conns: Vec<evented::Conn>,
    ws_free: Vec<u32>,
    ws_next_pod: usize,
    /// The read replica's WAL replay (idle when none is configured).
    replica: replica::ReplicaState,
    /// The primary's WAL flushes and checkpoints.
    write_path: commit::WritePathState,
    /// Requests the clients who gave up will send again (`client.rs`).
    clients: client::Clients,
    /// The gauges and their capacities (the connection limits are read here).
    gauges: GaugeTable,
    obs: Observer,
    events: u64,
    /// What the timeline's changes in force have set.
    timeline: timeline::TimelineState,
}

/// Largest batch one arrival brings (a larger sample is capped).
const MAX_BATCH: u32 = 10_000;

/// How often (in events) the progress counter is refreshed.
const PROGRESS_EVERY: u64 = 1 << 16;

/// What one replication's working memory may come to, in bytes, by part: what it
/// allocates at the start (the worker processes and pods, the bucket series over the
/// horizon) and what its caps let it grow to (the request table at `run.max_in_flight`
/// with listen backlogs holding them, the event queue at its cap). Validation refuses a
/// scenario whose total exceeds its limit, so the run never dies allocating; the sizes
/// are the simulation's own structs, so the estimate follows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingMemory {
    /// HTTP and cron worker processes and the pods' idle lists.
    pub workers: u64,
    /// The request table, its lock rows, the free list and the listen backlogs, full.
    pub requests: u64,
    /// The event queue at its cap (`4 × run.max_in_flight + 1024`).
    pub events: u64,
    /// The fine and coarse bucket series over the horizon.
    pub buckets: u64,
}

impl WorkingMemory {
    pub fn of(model: &Model) -> WorkingMemory {
        let size = |n: usize| n as u64;
        let o = &model.odoo;
        let processes = u64::from(o.pods) * (u64::from(o.workers) + u64::from(o.max_cron_threads));
        let workers = processes * (size(std::mem::size_of::<Worker>()) + 4)
            + u64::from(o.pods) * size(std::mem::size_of::<Pod>());
        let in_flight = u64::from(model.run.max_in_flight);
        let requests = in_flight
            * (size(std::mem::size_of::<Request>())
                + size(std::mem::size_of::<Vec<Row>>())
                + 4
                + 4);
        let events = (4 * in_flight + 1024) * size(std::mem::size_of::<(u64, u64, Ev)>());
        let buckets_of = |width: SimTime| {
            model
                .horizon
                .duration
                .as_nanos()
                .div_ceil(width.as_nanos().max(1))
                + 1
        };
        let classes = size(model.classes.len());
        let slots = size(GaugeTable::of(model).slots);
        let buckets = buckets_of(model.stats.fine_bucket)
            * (classes * size(std::mem::size_of::<FineClassBucket>()) + slots * 4)
            + buckets_of(model.stats.coarse_bucket)
                * classes
                * size(std::mem::size_of::<CoarseClassBucket>());
        WorkingMemory {
            workers,
            requests,
            events,
            buckets,
        }
    }

    pub fn total(&self) -> u64 {
        self.workers
            .saturating_add(self.requests)
            .saturating_add(self.events)
            .saturating_add(self.buckets)
    }
}

/// Runs replication `index` of `model` under `master_seed`. `progress` receives the
/// simulated time reached (ns), for a progress bar; the engine itself prints nothing.
pub fn run(
    model: &Model,
    index: u32,
    master_seed: u64,
    progress: &AtomicU64,
) -> Result<Replication, RunStopped> {
    let mut sim = Sim::new(model, index, master_seed).map_err(|b| *b)?;
    sim.run(progress).map_err(|b| *b)?;
    Ok(sim.finish())
}

impl<'m> Sim<'m> {
    fn new(model: &'m Model, index: u32, master_seed: u64) -> Result<Self, Box<RunStopped>> {
        let seed = engine::replication_seed(master_seed, index);
        let n = model.classes.len();
        let streams = Streams::new(model, seed);
        let arrivals = (0..n)
            .map(|c| {
                let class = &model.classes[c];
                let rng = streams.long("arrivals", &class.name);
                match &class.fixed_times {
                    Some(times) => ArrivalStream::fixed(times.clone(), rng),
                    None => {
                        let segs = model.calendar.segments(c, class.base_rate_per_s);
                        ArrivalStream::new(segs, rng)
                    }
                }
            })
            .collect();
        let batch = model
            .classes
            .iter()
            .map(|c| streams.long("batch", &c.name))
            .collect();
        let cap = model.run.max_in_flight as usize * 4 + 1024;
        let (pods, workers) = odoo::build(&model.odoo);
        let warm = model.horizon.warmup > SimTime::ZERO;
        let gauges = GaugeTable::of(model);
        let mut sim = Sim {
            model,
            facts: ClassFacts::all(model),
            index,
            now: SimTime::ZERO,
            queue: EventQueue::new(cap),
            arrivals,
            logged: (0..n)
                .map(|c| {
                    let p = model.classes[c].population.as_ref()?;
                    population::LoggedIn::new(&model.calendar, c, p.users)
                })
                .collect(),
            batch,
            streams,
            requests: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            pods,
            workers,
            next_pod: 0,
            buckets: model
                .classes
                .iter()
                .map(|c| {
                    c.rate_limit
                        .map(|r| RouteBuckets::new(r, model.ingress.replicas))
                })
                .collect(),
            api_buckets: model
                .integrations
                .iter()
                .map(|i| i.rate_limit.map(TokenBucket::new))
                .collect(),
            dbs: Db::ALL.map(|db| database::DbServer::new(model, db)),
            pod_cpu: podcpu::PodCpus::new(model),
            locks: Locks::default(),
            sessions: model.redis.clone().map(redis::SessionStore::new),
            pool_in_use: 0,
            pool_waiters: VecDeque::new(),
            pool_check_pending: false,
            client_open: 0,
            jobs: JobQueue::new(
                &model.odoo.queue_job_channels,
                model.run.max_in_flight as usize,
            ),
            job_recs: Vec::new(),
            job_free: Vec::new(),
            job_wake: None,
            runner: jobs::Runner::default(),
            has_jobs: model.classes.iter().any(|c| c.job.is_some()),
            cron_workers: Vec::new(),
            cron_idle: Vec::new(),
            cron_turn: 0,
            cron_due: VecDeque::new(),
            cron_busy: vec![false; model.classes.len()],
            lock_keys: Vec::new(),
            zipf: model
                .classes
                .iter()
                .map(|c| {
                    c.locks
                        .iter()
                        .map(|l| {
                            let t = &model.lock_tables[l.table];
                            Zipf::new(t.keys as f64, t.zipf_exponent)
                                .expect("validated: keys ≥ 1, exponent ≥ 0")
                        })
                        .collect()
                })
                .collect(),
            started: VecDeque::new(),
            cron_started: VecDeque::new(),
            evented: if model.classes.iter().any(|c| c.websocket.is_some()) {
                (0..model.odoo.pods)
                    .map(|_| evented::EventedPod::new())
                    .collect()
            } else {
                Vec::new()
            },
            ws_conns: Vec::new(),
            ws_free: Vec::new(),
            ws_next_pod: 0,
            replica: replica::ReplicaState::new(),
            write_path: commit::WritePathState::default(),
            clients: client::Clients::default(),
            obs: Observer::new(n, model.stats.fine_bucket, !warm, gauges.present_slots())
                .with_probes(probe::Probes::new(model)),
            gauges,
            events: 0,
            timeline: timeline::TimelineState::new(model),
        };
        sim.redis_levels();
        sim.open_background_connections()?;
        sim.add_cron_workers();
        sim.start_crons()?;
        sim.start_checkpoints()?;
        sim.start_timeline()?;
        for c in 0..n {
            sim.schedule_arrival(c as u32)?;
            if let Some(p) = &model.classes[c].population {
                for u in 0..p.peak_users {
                    sim.user_logs_in(c as u32, u)?;
                }
            }
        }
        let s = &model.stats;
        sim.schedule_first(s.fine_bucket, Ev::FineTick)?;
        sim.schedule_first(s.coarse_bucket, Ev::CoarseTick)?;
        if warm {
            sim.schedule_first(model.horizon.warmup, Ev::WarmupEnd)?;
        }
        if model.odoo.limit_time_real.is_some() || sim.cron_watchdog() {
            sim.schedule(model.odoo.kill_check_period, Ev::MasterBeat)?;
        }
        if !sim.evented.is_empty() {
            sim.schedule(model.odoo.kill_check_period, Ev::EventedBeat)?;
        }
        Ok(sim)
    }

    fn run(&mut self, progress: &AtomicU64) -> Step {
        let horizon = self.model.horizon.duration;
        let max_events = self.model.run.max_events;
        while let Some((t, ev)) = self.queue.pop() {
            if t >= horizon {
                break;
            }
            self.now = t;
            self.events += 1;
            if self.events % PROGRESS_EVERY == 0 {
                progress.store(t.as_nanos(), Ordering::Relaxed);
                if self.events >= max_events {
                    return Err(self.stopped(
                        format!("event budget of {max_events} events per replication exhausted"),
                        "raise run.max_events, shorten the horizon, or lower the rates",
                    ));
                }
            }
            self.dispatch(ev)?;
        }
        self.now = horizon;
        // Close the buckets the horizon cuts (a final partial bucket is kept).
        let st = &self.model.stats;
        if self.obs.fine_len() < self.expected_buckets(st.fine_bucket) {
            self.obs.close_fine(horizon);
        }
        if self.obs.coarse_len() < self.expected_buckets(st.coarse_bucket) {
            self.obs.close_coarse();
        }
        progress.store(horizon.as_nanos(), Ordering::Relaxed);
        Ok(())
    }

    /// Forgets rows no live transaction can conflict on any more.
    fn prune_locks(&mut self) {
        if self.locks.tracked() == 0 {
            return;
        }
        let oldest = self
            .requests
            .iter()
            .filter(|r| r.is_live())
            .map(|r| r.try_start)
            .min()
            .unwrap_or(self.now);
        self.locks.prune(oldest);
    }

    /// Buckets of `width` needed to cover the horizon (the last may be partial).
    fn expected_buckets(&self, width: SimTime) -> usize {
        self.model
            .horizon
            .duration
            .as_nanos()
            .div_ceil(width.as_nanos()) as usize
    }

    #[inline]
    fn dispatch(&mut self, ev: Ev) -> Step {
        match ev {
            Ev::Arrival { class } => {
                self.schedule_arrival(class)?;
                let facts = self.facts[class as usize];
                let n = if facts.single_arrivals {
                    1
                } else {
                    self.model.classes[class as usize]
                        .batch_size
                        .sample_count(&mut self.batch[class as usize])
                        .clamp(1, MAX_BATCH)
                };
                if facts.websocket {
                    for _ in 0..n {
                        self.ws_arrival(class)?;
                    }
                } else {
                    for _ in 0..n {
                        let key = self.streams.arrival(class as usize);
                        self.on_arrival(class, key, u32::MAX)?;
                    }
                }
                Ok(())
            }
            Ev::UserRequest { class, user } => self.on_user_request(class, user),
            Ev::UserLogsIn { class, user } => self.user_logs_in(class, user),
            Ev::Step { req } => self.on_step(req),
            Ev::ClientGivesUp { req, inc } => self.on_client_gives_up(req, inc),
            Ev::Resubmit { slot } => self.on_resubmit(slot),
            Ev::CpuWake { db, epoch } => self.on_cpu_wake(db, epoch),
            Ev::IoWake { db, epoch } => self.on_io_wake(db, epoch),
            Ev::PodCpuWake { pod, epoch } => self.on_pod_cpu_wake(pod, epoch),
            Ev::JobWake => self.on_job_wake(),
            Ev::RunnerTimeout => self.on_runner_timeout(),
            Ev::JobRequeue { job } => self.on_job_requeue(job),
            Ev::CronDue { class } => self.on_cron_due(class),
            Ev::CronPoll => self.on_cron_poll(),
            Ev::PoolCheck => self.on_pool_check(),
            Ev::MasterBeat => self.on_master_beat(),
            Ev::WsMessage { conn } => self.on_ws_message(conn),
            Ev::WsClose { conn } => self.on_ws_close(conn),
            Ev::WsReconnect { conn } => self.on_ws_reconnect(conn),
            Ev::EventedWake { pod } => self.on_evented_wake(pod),
            Ev::EventedBeat => self.on_evented_beat(),
            Ev::EventedUp { pod } => self.on_evented_up(pod),
            Ev::Respawned { worker } => self.on_respawned(worker),
            Ev::FineTick => {
                self.job_tick();
                self.redis_levels();
                self.obs.close_fine(self.now);
                self.prune_locks();
                self.schedule_first(self.model.stats.fine_bucket, Ev::FineTick)
            }
            Ev::CoarseTick => {
                self.obs.close_coarse();
                self.schedule_first(self.model.stats.coarse_bucket, Ev::CoarseTick)
            }
            Ev::WarmupEnd => {
                self.obs.open_window(self.now);
                Ok(())
            }
            Ev::ReplayReady => self.on_replay_ready(),
            Ev::Checkpoint { end } => self.on_checkpoint(end),
            Ev::Change { index, end } => self.on_change(index, end),
        }
    }

    /// Redis memory (sessions and cache), the cache resident and its hit probability.
    fn redis_levels(&mut self) {
        let Some(store) = &mut self.sessions else {
            return;
        };
        let used = store.used_mib(self.now);
        self.obs.level(self.now, Resource::RedisMemory, used);
        if self.model.redis.as_ref().is_some_and(|r| r.cache.is_some()) {
            let (resident, p) = (store.cache_resident_mib(), store.hit_probability());
            self.obs
                .level(self.now, Resource::RedisCacheResident, resident);
            self.obs.level(self.now, Resource::RedisCacheHitRatio, p);
        }
    }

    /// Schedules `ev` after `delay`.
    #[inline]
    fn schedule(&mut self, delay: SimTime, ev: Ev) -> Step {
        let at = self.now + delay;
        self.queue
            .push(at, ev)
            .map_err(|full| self.queue_full(full))
    }

    /// The run stops: the event queue holds its cap.
    fn queue_full(&self, full: engine::QueueFull) -> Box<RunStopped> {
        self.stopped(
                format!(
                    "event queue cap of {} pending events reached ({} requests in flight, {} websocket connections)",
                    full.cap,
                    self.in_flight,
                    self.ws_conns.len() - self.ws_free.len()
                ),
                "the estate is overloaded far beyond its capacity, holds more open connections than the cap allows, or long client timeouts keep too many deadlines pending (client.timeout × arrivals per second); lower the load or the timeouts, or raise run.max_in_flight (the cap is 4 × max_in_flight + 1024 events)",
            )
    }

    /// Schedules a bucket boundary (`FineTick`, `CoarseTick`, `WarmupEnd`) after `delay`,
    /// ahead of every other event at that instant: what happens at a boundary counts in
    /// the bucket that starts there — an EDI import at 07:00 in the 07:00 bucket.
    fn schedule_first(&mut self, delay: SimTime, ev: Ev) -> Step {
        let rank = match ev {
            Ev::WarmupEnd => 0,
            Ev::CoarseTick => 1,
            _ => 2,
        };
        self.queue
            .push_first(self.now + delay, rank, ev)
            .map_err(|full| self.queue_full(full))
    }

    fn schedule_arrival(&mut self, class: u32) -> Step {
        if let Some(t) = self.arrivals[class as usize].next() {
            let delay = t.saturating_sub(self.now);
            self.schedule(delay, Ev::Arrival { class })?;
        }
        Ok(())
    }

    /// User `user` of closed class `class` thinks, then sends a request.
    fn user_thinks(&mut self, class: u32, user: u32) -> Step {
        let Some(p) = &self.model.classes[class as usize].population else {
            return Ok(());
        };
        let mut draws = self.streams.think(class as usize, user);
        let think = SimTime::from_secs_f64(p.think_s.sample(&mut draws));
        self.schedule(think, Ev::UserRequest { class, user })
    }

    /// A user of a closed class starts thinking if the calendar has it logged in, else
    /// looks again when the population next grows past it.
    fn user_logs_in(&mut self, class: u32, user: u32) -> Step {
        let now = self.now;
        let Some(l) = &mut self.logged[class as usize] else {
            return self.user_thinks(class, user);
        };
        if l.has(now, user) {
            return self.user_thinks(class, user);
        }
        match l.wake(now, user) {
            Some(at) => self.schedule(at - now, Ev::UserLogsIn { class, user }),
            None => Ok(()),
        }
    }

    /// A closed class's user sends its request, or a logged-out user logs in again.
    fn on_user_request(&mut self, class: u32, user: u32) -> Step {
        let now = self.now;
        let logged_out = user != u32::MAX
            && self.logged[class as usize]
                .as_mut()
                .is_some_and(|l| !l.has(now, user));
        if logged_out {
            // The think that ended is spent: the user's next login thinks afresh.
            self.streams.next_cycle(class as usize, user);
            return self.user_logs_in(class, user);
        }
        let key = if user == u32::MAX {
            self.streams.relogin(class as usize)
        } else {
            let key = self.streams.user(class as usize, user);
            self.streams.next_cycle(class as usize, user);
            key
        };
        self.on_arrival(class, key, user)
    }

    fn stopped(&self, reason: String, hint: &str) -> Box<RunStopped> {
        Box::new(RunStopped {
            replication: self.index,
            at: self.now,
            reason,
            hint: hint.to_string(),
        })
    }

    fn finish(self) -> Replication {
        let now = self.now;
        let window_s = (now - self.model.horizon.warmup.min(now)).as_secs_f64();
        let mut in_flight_end = vec![0u64; self.model.classes.len()];
        for r in &self.requests {
            // An abandoned request was counted when its client gave up.
            if r.is_live() && !r.abandoned {
                in_flight_end[r.class as usize] += 1;
            }
        }
        self.pending_jobs(&mut in_flight_end);
        let observe::Observed {
            classes,
            slo_spans,
            mut resources,
            resource_fine,
        } = self.obs.finish(now, window_s);
        let resource_mean = resources
            .iter_mut()
            .map(|r| r.mean(now, window_s))
            .collect();
        let resource_max = resources.iter().map(|r| r.max()).collect();
        Replication {
            index: self.index,
            events: self.events,
            window_s,
            classes,
            resource_mean,
            resource_max,
            resource_fine,
            in_flight_end,
            slo_spans,
        }
    }
}

//! The validated model: what the engine sees.
//!
//! Everything here has been checked and carries typed units. The scenario front-end
//! (`crate::scenario`) is the only producer of a [`Model`]; the simulation (`crate::sim`)
//! is its only consumer. Nothing in this module knows about YAML, files or the terminal.

mod calendar;
mod dist;
mod estate;
pub mod gate;
mod queue_job;
pub mod sizing;
mod slo;
mod time;
mod timeline;

pub use calendar::{Calendar, CalendarEvent, EventKind, HourMark, RateSegment, WeeklyBaseline};
pub use dist::{Dist, MAX_COUNT_MEAN, MAX_COUNT_SAMPLE, readable, whole_and_fraction};
pub use estate::{
    CallUse, Db, DbServer, EvictionPolicy, HitBasis, Ingress, Integration, LockTable, LockUse,
    PgBouncer, PoolMode, RateLimit, Redis, RedisCache, Replica, Volume, WritePath, Writes,
    hit_ratio,
};
pub use queue_job::{
    AfterFailure, Channel, ChannelError, Channels, DEAD_JOB_GRACE, DEFAULT_CHANNELS,
    DEFAULT_MAX_RETRIES, DEFAULT_PRIORITY, Failure, JobHost, PG_RETRY, RETRY_INTERVAL, Requeue,
    RetryPattern, RetryPolicy, SELECT_TIMEOUT, STUCK_CRON_INTERVAL, parse_channels,
};
pub use slo::{MAX_SLO_SUBJECTS, MAX_SLOS, Slo, SloMetric, SloWindow, min_completed_for_quantile};
pub use time::SimTime;
pub use timeline::{Change, Effect, Part};

/// A fully validated scenario.
#[derive(Clone, Debug)]
pub struct Model {
    /// Scenario name, for reports.
    pub name: String,
    /// Run horizon, warm-up and time zone.
    pub horizon: Horizon,
    /// Business calendar: weekly baseline and events, compiled into rate segments per class.
    pub calendar: Calendar,
    /// Workload classes, in file order. Index = class id.
    pub classes: Vec<WorkloadClass>,
    /// Odoo application tier.
    pub odoo: OdooTier,
    /// PostgreSQL server.
    pub postgres: Postgres,
    /// Traefik in front of the pods.
    pub ingress: Ingress,
    /// Redis session store; `None` = sessions not modelled.
    pub redis: Option<Redis>,
    /// Row-lock hot spots that classes update (`WorkloadClass::locks` index into it).
    pub lock_tables: Vec<LockTable>,
    /// External APIs (`WorkloadClass::calls` index into it).
    pub integrations: Vec<Integration>,
    /// Statistics settings.
    pub stats: StatsSettings,
    /// Run defaults (seed, replications) and limits.
    pub run: RunSettings,
    /// Service-level objectives, in scenario order (one per class for an objective
    /// written for every class).
    pub slos: Vec<Slo>,
    /// Changes during the run (`timeline:`, and the integrations' `outages:`), in
    /// scenario order: each integration's outages first, then the timeline's entries.
    pub timeline: Vec<Change>,
    /// The sizing gate's tolerances (`gate.tolerances`), in scenario order; never
    /// simulated, read by `study::gate`.
    pub gate: Vec<gate::ToleranceRule>,
}

impl Model {
    /// Whether some class writes (`writes:`): commits and checkpoints are modelled.
    pub fn has_writes(&self) -> bool {
        self.classes.iter().any(|c| c.writes.is_some())
    }

    /// The Odoo processes of one pod that can compute at once — its HTTP workers, its
    /// cron workers if a class is a scheduled action, its evented process if a class is
    /// a websocket — the processes its CPU limit (`OdooTier::cpu_millicores`) is shared by.
    pub fn processes_per_pod(&self) -> u32 {
        let o = &self.odoo;
        let cron = self.classes.iter().any(|c| c.cron.is_some());
        let evented = self.classes.iter().any(|c| c.websocket.is_some());
        o.workers + if cron { o.max_cron_threads } else { 0 } + u32::from(evented)
    }
}

/// Simulated period. Simulation time 0 is `start` in the scenario's time zone.
#[derive(Clone, Debug)]
pub struct Horizon {
    /// Local start, as written (ISO 8601 without offset), kept for reports.
    pub start_local: String,
    /// IANA time-zone name, e.g. `Europe/Paris`.
    pub timezone: String,
    /// The start as an instant.
    pub start_utc: chrono::DateTime<chrono::Utc>,
    /// Length of the simulated period.
    pub duration: SimTime,
    /// Observations before this time are discarded (warm-up deletion).
    pub warmup: SimTime,
}

impl Horizon {
    /// Local wall-clock time of simulation time `t`, as `YYYY-MM-DDTHH:MM` (for reports).
    pub fn local_time(&self, t: SimTime) -> String {
        let tz: chrono_tz::Tz = self.timezone.parse().unwrap_or(chrono_tz::UTC);
        let at = self.start_utc
            + chrono::Duration::nanoseconds(t.as_nanos().min(i64::MAX as u64) as i64);
        at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// One workload class (website browse, checkout, back-office, …).
#[derive(Clone, Debug)]
pub struct WorkloadClass {
    pub name: String,
    /// Base arrival rate in requests per second, before calendar multipliers (0 for a
    /// closed class).
    pub base_rate_per_s: f64,
    /// A closed class: a population of users, each thinking then sending a request
    /// and waiting for its answer — so load falls as latency rises. `None` = open class.
    pub population: Option<Population>,
    /// Arrivals at fixed instants (`at:` local times, compiled through the time zone),
    /// in time order, instead of a rate; `None` = arrivals follow the rate.
    pub fixed_times: Option<Vec<SimTime>>,
    /// Odoo CPU time per request (seconds), spent on the HTTP worker.
    pub odoo_cpu_s: Dist,
    /// SQL queries per request (a count; sampled values are rounded stochastically).
    pub queries: Dist,
    /// PostgreSQL CPU time per query (seconds).
    pub db_time_per_query_s: Dist,
    /// Database cursors (connections) the request needs from the worker's pool at once.
    pub cursors: u32,
    /// Traefik RateLimit on this class's route, if any.
    pub rate_limit: Option<RateLimit>,
    /// Pages each query reads (logical); `(1 − buffer_hit_ratio)` of them go to the volume.
    pub reads_per_query: f64,
    /// Rows updated in hot-spot tables (REPEATABLE READ conflicts, Odoo's retry loop).
    pub locks: Vec<LockUse>,
    /// What a request writes on the primary when it commits; `None` = a read-only
    /// transaction (no WAL to flush).
    pub writes: Option<Writes>,
    /// Synchronous external calls made while holding the worker.
    pub calls: Vec<CallUse>,
    /// This class is a queue_job job: it does not arrive by itself, other classes spawn
    /// it, and the job runner dispatches it through `/queue_job/runjob` on an HTTP worker.
    pub job: Option<JobSettings>,
    /// Requests per arrival (a count distribution, ≥ 1): an EDI or marketplace import
    /// delivering a batch, POS terminals syncing together. Constant 1 = single requests.
    pub batch_size: Dist,
    /// Share of requests that create a new session (a login, a new visitor's first page).
    pub new_session_ratio: f64,
    /// Memory a request adds to its worker's resident size, MiB (CPython rarely gives
    /// memory back to the OS, so a worker's size ratchets up until it is recycled).
    pub memory_growth_mib: Dist,
    /// This class is a scheduled action (ir.cron): it runs every `interval` on a cron
    /// worker, never arriving by itself.
    pub cron: Option<CronSchedule>,
    /// Jobs a completed request of this class enqueues (a checkout enqueues stock sync,
    /// label generation, invoice posting…).
    pub spawns: Vec<Spawn>,
    /// Lookups in `estate.redis.cache` per request (a count distribution; constant 0 =
    /// none). Each misses with probability `1 − hit_ratio × resident / working_set`.
    pub cache_lookups: Dist,
    /// Extra PostgreSQL queries per cache miss (recomputing the entry), each costing the
    /// class's `db_time_per_query_s` and `reads_per_query`. Default 5 (ASSUMPTION: a
    /// page or computed result rebuilt from a handful of reads; measure yours).
    pub cache_miss_queries: u32,
    /// A read-only route (Odoo 18 `@route(readonly=True)`): its cursor may go to the
    /// replica (`db_replica_host`), so with `Postgres::replica` its queries and reads run
    /// there and it opens replica connections. Without a replica it runs on the primary.
    /// Such a class updates no row (no `locks`) and enqueues no job (no `spawns`).
    pub readonly: bool,
    /// This class is the websocket route (`/websocket`, `gevent_port` 8072): an arrival
    /// opens a connection to a pod's evented worker, and its requests are the messages
    /// sent over it (the upgrade first). `None` = an ordinary HTTP class.
    pub websocket: Option<WebsocketUse>,
    /// The people or programs waiting for the answers: how long they wait before giving
    /// up, and whether they send the request again. `None` = they wait forever.
    pub client: Option<Client>,
}

/// A class's clients giving up (`client:`): a request not answered within `timeout_s`
/// of its arrival is abandoned — the user sees it fail (`client_timeout`) while Odoo,
/// which notices the closed socket only when it writes the response, still runs it.
#[derive(Clone, Debug)]
pub struct Client {
    /// How long a client waits for the response (seconds; every sample > 0).
    pub timeout_s: Dist,
    /// Probability that a user who gave up sends the request again.
    pub resubmit: f64,
    /// Time between giving up and sending it again (seconds).
    pub think_s: Dist,
    /// Most times one original request is sent again.
    pub max_resubmits: u32,
}

/// Connections of a websocket class (browser tabs running Odoo's bus).
#[derive(Clone, Debug)]
pub struct WebsocketUse {
    /// How long a tab stays open (its connection is re-opened after an evented-worker
    /// restart until then).
    pub connected_s: Dist,
    /// Messages per second over one open connection (a Poisson stream): subscriptions,
    /// presence updates, notification polls. Each is a request of the class.
    pub messages_per_s: f64,
}

/// When a cron class runs.
#[derive(Clone, Copy, Debug)]
pub struct CronSchedule {
    pub interval: SimTime,
    /// First due time after the horizon start.
    pub first: SimTime,
}

/// How a job class is queued.
#[derive(Clone, Debug)]
pub struct JobSettings {
    /// Index into `OdooTier::queue_job_channels`.
    pub channel: usize,
    /// Lower runs first (queue_job default 10).
    pub priority: i32,
    pub retry: RetryPolicy,
}

/// `count` jobs of class `class` enqueued when a request completes.
#[derive(Clone, Copy, Debug)]
pub struct Spawn {
    pub class: usize,
    pub count: u32,
}

/// The users of a closed class (back-office, POS terminals).
#[derive(Clone, Debug)]
pub struct Population {
    /// Users at a calendar factor of 1: the population logged in at time t is
    /// `users × hour-of-day × weekday × events` (rounded), as an open class's rate is.
    pub users: u32,
    /// The most users logged in at once over the horizon (the calendar's peak factor).
    pub peak_users: u32,
    /// Think time between the answer to one request and the next request (seconds).
    pub think_s: Dist,
}

/// Odoo prefork application tier (odoo.conf semantics; sources in docs/sources.md).
#[derive(Clone, Debug)]
pub struct OdooTier {
    /// Number of Odoo pods behind the ingress; requests are spread round-robin.
    pub pods: u32,
    /// HTTP workers per pod (`workers`); each serves one request at a time.
    pub workers: u32,
    /// The pod's CPU limit in millicores (Kubernetes `resources.limits.cpu`, enforced as
    /// a CFS quota): its Odoo processes share these cores, each using at most one.
    /// `None` = no limit modelled: every process has a core of its own.
    pub cpu_millicores: Option<u32>,
    /// Listen backlog per pod as the kernel applies it: Odoo asks for `8 × workers`,
    /// `listen()` caps it at `somaxconn`. A SYN finding it full is dropped (retransmitted
    /// by the client, `sim/listen.rs`), or refused under `tcp_abort_on_overflow`.
    pub listen_backlog: u32,
    /// `net.core.somaxconn` of the pod's network namespace (Linux ≥ 5.4: 4096).
    pub somaxconn: u32,
    /// `net.ipv4.tcp_abort_on_overflow` (default off): a connection meeting a full listen
    /// queue is reset at once (and Traefik's Retry may try another pod) instead of its SYN
    /// being dropped and retransmitted.
    pub tcp_abort_on_overflow: bool,
    /// `max_cron_threads`: cron processes per pod; each keeps a DB connection open.
    pub max_cron_threads: u32,
    /// Whether each pod runs the evented (gevent) worker, which keeps a DB connection open.
    pub evented_worker: bool,
    /// `db_maxconn_gevent` (Odoo ≥ 17; default `db_maxconn`): the evented worker's pool.
    /// A message needing a cursor when every one is busy fails at once (PoolError).
    pub db_maxconn_gevent: u32,
    /// `limit_memory_soft_gevent` (default `limit_memory_soft`): the evented server
    /// restarts when its resident size is above it (checked every `kill_check_period`),
    /// dropping every websocket connection of its pod.
    pub limit_memory_soft_gevent_mib: f64,
    /// Resident memory one open websocket connection adds to the evented worker, MiB.
    pub websocket_memory_mib: f64,
    /// `db_maxconn`: per-process connection pool size; exhausted → immediate error.
    pub db_maxconn: u32,
    /// `limit_time_real`; `None` = unlimited. Kills happen on the master's beat.
    pub limit_time_real: Option<SimTime>,
    /// `limit_time_real_cron` resolved (`-1` → `limit_time_real`); `None` = unlimited. The
    /// cron worker's watchdog kills a run past it on the master's beat.
    pub limit_time_real_cron: Option<SimTime>,
    /// `limit_time_cpu`; `None` = unlimited. Odoo sets `RLIMIT_CPU` before each unit of
    /// work (a request, a cron poll); past it the kernel's SIGXCPU makes the request
    /// raise and fail, and the worker lives on.
    pub limit_time_cpu: Option<SimTime>,
    /// Period of the master's check for `limit_time_real` (Odoo: about 4 s).
    pub kill_check_period: SimTime,
    /// Time for the master to spawn a replacement worker after a kill.
    pub worker_respawn: SimTime,
    /// queue_job channels (`[queue_job] channels=`, default `root:1`).
    pub queue_job_channels: Channels,
    /// How a job whose worker was killed is requeued (the queue_job version).
    pub queue_job_requeue: Requeue,
    /// Where the runner sends `/queue_job/runjob` (`ODOO_QUEUE_JOB_HOST`).
    pub queue_job_host: JobHost,
    /// Resident memory of a fresh worker process, MiB.
    pub worker_base_memory_mib: f64,
    /// Virtual size (VMS) of a fresh HTTP or cron worker, MiB: Odoo compares the limits
    /// below with it, not with the resident size.
    pub worker_vms_mib: f64,
    /// `limit_memory_soft`: a worker whose VMS is above it is recycled after its current
    /// request.
    pub limit_memory_soft_mib: f64,
    /// `limit_memory_hard` (`RLIMIT_AS`): an allocation that would take the VMS across it
    /// fails (MemoryError, the request errors out).
    pub limit_memory_hard_mib: f64,
    /// `limit_request`: a worker is recycled after this many requests.
    pub limit_request: u32,
    /// `MAX_TRIES_ON_CONCURRENCY_FAILURE` (odoo/service/model.py): tries of a request that
    /// hits a serialization failure, the first included; back-off `uniform(0, 2^try)` s.
    pub max_tries_on_concurrency_failure: u32,
}

/// PostgreSQL: the primary server, PgBouncer in front of it, and a read replica.
#[derive(Clone, Debug)]
pub struct Postgres {
    pub primary: DbServer,
    /// PgBouncer (transaction pooling) between Odoo's HTTP workers and PostgreSQL.
    pub pgbouncer: Option<PgBouncer>,
    /// A streaming read replica (Odoo 18 `db_replica_host`) serving the `readonly`
    /// classes; `None` = no replica (`readonly` is then ignored).
    pub replica: Option<Replica>,
    /// Commits, WAL flushes and checkpoints on the primary's volume.
    pub write_path: WritePath,
}

impl Postgres {
    /// Server `db`, if the estate has it.
    pub fn server(&self, db: Db) -> Option<&DbServer> {
        match db {
            Db::Primary => Some(&self.primary),
            Db::Replica => self.replica.as_ref().map(|r| &r.server),
        }
    }
}

/// Statistics settings.
#[derive(Clone, Debug)]
pub struct StatsSettings {
    /// Width of the fine time buckets (counts, utilisation), e.g. 5 min.
    pub fine_bucket: SimTime,
    /// Width of the coarse time buckets (latency percentiles), e.g. 1 h.
    pub coarse_bucket: SimTime,
}

/// Run defaults and limits (the CLI may override seed and replications).
#[derive(Clone, Debug)]
pub struct RunSettings {
    pub seed: u64,
    pub replications: u32,
    /// Hard cap on events processed per replication.
    pub max_events: u64,
    /// Hard cap on requests in flight at once per replication.
    pub max_in_flight: u32,
}

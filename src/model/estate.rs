//! The estate beyond Odoo workers and PostgreSQL cores: Traefik ingress, the PostgreSQL
//! volume's I/O budget, row-lock hot spots, and external integrations.

use super::{Dist, SimTime};

/// Traefik in front of the pods.
#[derive(Clone, Debug)]
pub struct Ingress {
    /// Retry middleware `attempts`: total tries of a request, the first included (1 = no
    /// retry). Traefik retries only when no connection was made — here, when a pod's
    /// listen backlog refused it — and never once the upstream began answering.
    pub retry_attempts: u32,
    /// `serversTransport.forwardingTimeouts.dialTimeout` (default 30 s): how long Traefik
    /// waits for a pod to accept its connection — SYNs dropped on a full listen queue are
    /// retransmitted meanwhile — before answering 504 (or retrying, under `retry_attempts`).
    pub dial_timeout: SimTime,
    /// Traefik replicas (pods) in front of the estate; each request reaches one, evenly.
    /// Each keeps its own rate-limit buckets in memory, so N replicas admit up to N times
    /// a route's limit.
    pub replicas: u32,
}

impl Default for Ingress {
    fn default() -> Self {
        Ingress {
            retry_attempts: 1,
            dial_timeout: SimTime::from_secs(30),
            replicas: 1,
        }
    }
}

/// Traefik RateLimit middleware on one class's route: a token bucket per source, refilled
/// at `average / period`, holding at most `burst` tokens, in each Traefik replica's memory.
/// A request that would wait more than [`RateLimit::max_delay`] for a token is answered
/// 429 at once. Also an external API's own quota (`integrations.<name>.rate_limit`, one
/// bucket: `sources` 1).
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    /// Refill rate, `average / period`, per second.
    pub rate_per_s: f64,
    /// Bucket size (Traefik's `burst`, default 1).
    pub burst: u32,
    /// How many sources (client IPs by default) the class's requests come from, evenly:
    /// each has its own bucket (1 = every request shares one).
    pub sources: u32,
}

impl RateLimit {
    /// Longest delay Traefik imposes before answering 429 instead: `1s / (2 × rate)` with
    /// the rate truncated to whole requests per second, and 500 ms below 1/s
    /// (`pkg/middlewares/ratelimiter/rate_limiter.go`).
    pub fn max_delay(&self) -> SimTime {
        if self.rate_per_s < 1.0 {
            return SimTime(500_000_000);
        }
        let whole = self.rate_per_s as u64; // Go's time.Duration(rtl): truncation
        SimTime(1_000_000_000 / (2 * whole))
    }

    /// How long a source's bucket outlives its last request in Traefik's memory (its
    /// ttlmap): 2 s at 1/s or more, else `1 + ⌊1/rate⌋` s. A source idle longer starts
    /// again with a full bucket.
    pub fn ttl(&self) -> SimTime {
        if self.rate_per_s >= 1.0 {
            SimTime::from_secs(2)
        } else {
            SimTime::from_secs(1 + (1.0 / self.rate_per_s) as u64)
        }
    }
}

/// The PostgreSQL data volume's I/O budget (e.g. gp3: 3,000 IOPS baseline).
#[derive(Clone, Copy, Debug)]
pub struct Volume {
    /// Provisioned I/O operations per second: the volume never does more.
    pub iops: f64,
    /// Latency of one I/O at low load (one outstanding request).
    pub io_latency: SimTime,
}

impl Volume {
    /// Outstanding I/Os the volume serves at full speed each: `iops × io_latency`.
    /// With more in flight, each slows down so that the total stays at `iops`.
    pub fn parallel_streams(&self) -> f64 {
        (self.iops * self.io_latency.as_secs_f64()).max(1e-9)
    }
}

/// A set of rows that requests update concurrently (stock.quant of a flash sale's SKUs,
/// the account.move sequence…).
#[derive(Clone, Debug)]
pub struct LockTable {
    pub name: String,
    /// Number of distinct rows (≥ 1).
    pub keys: u64,
    /// Popularity skew: key of rank r is drawn with weight 1/r^s (0 = uniform).
    pub zipf_exponent: f64,
}

/// Rows of one table a class updates per request.
#[derive(Clone, Debug)]
pub struct LockUse {
    /// Index into `Model::lock_tables`.
    pub table: usize,
    /// Number of rows updated per request (a count distribution; at least 1 is taken).
    pub keys: Dist,
}

/// PgBouncer's `pool_mode` (`statement` forbids multi-statement transactions: Odoo
/// cannot run on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolMode {
    /// A server connection per transaction — in Odoo, the whole request from its first
    /// query to its commit (or a rollback before a retry).
    Transaction,
    /// PgBouncer's default: a server connection for the client connection's lifetime. An
    /// Odoo worker keeps its connections open until the process exits, so it keeps its
    /// server connection from its first query until it is recycled or killed: no
    /// multiplexing, and a worker that finds the pool taken waits, then fails.
    Session,
}

/// An external API (payment, shipping, marketplace).
#[derive(Clone, Debug)]
pub struct Integration {
    pub name: String,
    /// Response time when the API is up.
    pub latency_s: Dist,
    /// Share of calls that fail when the API is up.
    pub error_ratio: f64,
    /// Client timeout: during an outage a call fails after this long.
    pub timeout: SimTime,
    /// Outage windows `[start, end)` in simulation time, sorted, not overlapping (for
    /// reports; the simulation learns of them from the timeline, `Model::timeline`).
    pub outages: Vec<(SimTime, SimTime)>,
    /// The API's own rate limit (`integrations.<name>.rate_limit`): a token bucket on the
    /// provider's side, shared by every caller in the estate. A call that finds no token
    /// is answered 429 at once (providers reject, they do not delay): the synchronous
    /// call fails. `None` = no limit.
    pub rate_limit: Option<RateLimit>,
}

/// Synchronous calls a class makes to an integration while holding its worker.
#[derive(Clone, Copy, Debug)]
pub struct CallUse {
    /// Index into `Model::integrations`.
    pub integration: usize,
    pub calls: u32,
}

/// Redis `maxmemory-policy`, by its effect on a session store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictionPolicy {
    /// `noeviction` (Redis's default): writes fail once memory is full — new sessions
    /// cannot be saved, logins fail.
    NoEviction,
    /// `volatile-*`: keys with a TTL are evicted — every session has one, so live
    /// sessions disappear and their users must log in again.
    Volatile,
    /// `allkeys-*`: any key is evicted, sessions included.
    AllKeys,
}

/// Redis holding Odoo's sessions (e.g. camptocamp `session_redis`).
#[derive(Clone, Debug)]
pub struct Redis {
    /// `maxmemory`, bytes (ElastiCache: about 75 % of the node's RAM).
    pub maxmemory_bytes: u64,
    pub policy: EvictionPolicy,
    /// Serialized size of one session, bytes (not published: a parameter).
    pub session_bytes: u64,
    /// Session expiry (`session_redis`: 7 days for users, 3 h for anonymous visitors).
    pub session_ttl: SimTime,
    /// An evicted session younger than this belonged to a user still active: they log in
    /// again (an extra request of the same class).
    pub active_window: SimTime,
    /// A cache kept in the same Redis (`estate.redis.cache`); `None` = sessions only.
    pub cache: Option<RedisCache>,
}

/// A cache in Redis next to the sessions (website pages, computed results), sharing
/// `maxmemory` with them. A fluid approximation: the cache is a number of resident bytes,
/// not a set of keys, and a lookup hits with probability
/// `hit_ratio × resident / working_set`.
#[derive(Clone, Copy, Debug)]
pub struct RedisCache {
    /// Bytes a fully resident cache holds (every entry the workload reuses).
    pub working_set_bytes: u64,
    /// Size of one entry, bytes (0 < entry ≤ working set): what a miss writes back.
    pub entry_bytes: u64,
    /// Hit ratio when fully resident (misses then come from first views and expiry).
    pub hit_ratio: f64,
    /// Whether entries carry an expiry, so `volatile-*` policies may evict them.
    pub ttl: bool,
}

/// PgBouncer in front of PostgreSQL: Odoo's HTTP workers hold client connections and
/// borrow one of the `default_pool_size` server connections — per transaction or for the
/// whole client connection, by `mode` — waiting for one at most `query_wait_timeout`.
/// Cron and the evented worker use LISTEN/NOTIFY, which transaction pooling does not
/// carry, so they connect to PostgreSQL directly.
#[derive(Clone, Copy, Debug)]
pub struct PgBouncer {
    pub mode: PoolMode,
    /// `default_pool_size` (PgBouncer default 20): server connections per user+database.
    pub default_pool_size: u32,
    /// `max_client_conn` (default 100): client connections PgBouncer accepts.
    pub max_client_conn: u32,
    /// `query_wait_timeout` (default 120 s): a client waiting longer is disconnected.
    pub query_wait_timeout: SimTime,
}

/// Which PostgreSQL server: the id the simulation's events and gauges carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Db {
    Primary,
    Replica,
}

impl Db {
    pub const ALL: [Db; 2] = [Db::Primary, Db::Replica];
}

/// A PostgreSQL server — the primary or a streaming replica: CPU cores shared by running
/// queries, connection slots, a data volume and its cache. One spec for both roles.
#[derive(Clone, Copy, Debug)]
pub struct DbServer {
    /// CPU cores; active queries (and on a replica the WAL replay) share them (processor
    /// sharing, at most one core each).
    pub cores: u32,
    /// `max_connections` (a replica's default: the primary's).
    pub max_connections: u32,
    /// `superuser_reserved_connections` (default 3): slots Odoo cannot use.
    pub superuser_reserved: u32,
    /// Data volume with an I/O budget (a replica's default: the primary's storage class);
    /// `None` = I/O not modelled.
    pub volume: Option<Volume>,
    /// Share of page reads served from shared buffers / the OS cache: given, or worked
    /// out from the working set against the cache (`basis`).
    pub buffer_hit_ratio: f64,
    /// Where `buffer_hit_ratio` comes from.
    pub hit_basis: HitBasis,
    /// The server's memory (the instance's RAM), bytes, if stated.
    pub memory_bytes: Option<u64>,
}

/// Where a server's buffer hit ratio comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HitBasis {
    /// `buffer_hit_ratio` written in the scenario or a profile.
    Given,
    /// PostgreSQL's default assumption here: 0.99, no working set declared.
    Default,
    /// The working set against the cache: `min(1, cache / working_set)^(1 − skew)`.
    WorkingSet {
        cache_bytes: u64,
        working_set_bytes: u64,
        skew: f64,
    },
}

/// The hit ratio of a cache of `cache` bytes over a working set of `working_set` bytes
/// whose pages are read with a Zipf-like skew `skew` (0 = uniform): the hottest share x
/// of the pages receives x^(1 − skew) of the reads (the continuous approximation of
/// Zipf's harmonic sums), and an LRU-like cache holds the hottest pages.
pub fn hit_ratio(cache: u64, working_set: u64, skew: f64) -> f64 {
    let x = (cache as f64 / working_set.max(1) as f64).min(1.0);
    x.powf(1.0 - skew)
}

/// What committing costs on the primary's volume, and how dirty pages get written back.
#[derive(Clone, Copy, Debug)]
pub struct WritePath {
    /// A commit's extra wait for a synchronous standby's acknowledgement (Multi-AZ, or
    /// `synchronous_commit` with a synchronous standby): a cross-zone round trip. Zero
    /// without one.
    pub commit_round_trip: SimTime,
    /// `checkpoint_timeout` (PostgreSQL default 5 min): a checkpoint starts this often.
    pub checkpoint_timeout: SimTime,
    /// `checkpoint_completion_target` (default 0.9 since PostgreSQL 14): a checkpoint
    /// spreads its writes over this share of the interval.
    pub checkpoint_completion_target: f64,
    /// Data pages a written row dirties (heap and index pages, net of rows sharing a
    /// page within a checkpoint interval). ASSUMPTION (default 1): measure it as the
    /// buffers written (checkpoints, background writer, backends) over the rows
    /// inserted, updated and deleted in the same interval.
    pub dirty_pages_per_row: f64,
}

impl Default for WritePath {
    fn default() -> Self {
        WritePath {
            commit_round_trip: SimTime::ZERO,
            checkpoint_timeout: SimTime::from_secs(300),
            checkpoint_completion_target: 0.9,
            dirty_pages_per_row: 1.0,
        }
    }
}

/// What a request of a class writes when it commits.
#[derive(Clone, Debug)]
pub struct Writes {
    /// Rows inserted, updated or deleted per request (a count distribution).
    pub rows: Dist,
    /// Commits per request (Odoo commits each HTTP request once; a batch job may commit
    /// several times): each waits for its WAL flush.
    pub commits: u32,
}

/// A PostgreSQL streaming replica (Odoo 18 `db_replica_host`): read-only cursors of
/// `readonly` routes run on it. Its startup process replays the primary's WAL one record
/// at a time, in commit order, on one of its cores, competing with the read queries.
#[derive(Clone, Copy, Debug)]
pub struct Replica {
    pub server: DbServer,
    /// Replay CPU time of one committed write transaction, as a fraction of its CPU time
    /// on the primary. ASSUMPTION (default 0.25): not published — replay applies page
    /// changes without planning, index searches or the client's round trips.
    pub replay_ratio: f64,
    /// WAL send and network delay before a record may be replayed. ASSUMPTION (default
    /// 1 ms): a replica in the same region.
    pub apply_delay: SimTime,
}

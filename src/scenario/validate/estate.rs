//! `estate:` → [`Ingress`], [`OdooTier`] and [`Postgres`], with Traefik, odoo.conf and
//! PostgreSQL defaults (sources in docs/scenario-format.md and
//! docs/sources.md).

use super::super::located::{Located, OrderedMap, Pos};
use super::super::raw;
use super::super::suggest;
use super::super::units;
use super::{Bounds, Ctx, storage};
use crate::model::{
    Channels, DbServer, EvictionPolicy, Ingress, OdooTier, PgBouncer, PoolMode, Postgres, Redis,
    RedisCache, Replica, SimTime, Volume, parse_channels,
};

/// Upper bounds against typos (a 10,000-pod estate is not a typo, 100,000 is).
const MAX_PODS: u32 = 10_000;
const MAX_WORKERS: u32 = 10_000;
const MAX_CORES: u32 = 4_096;
/// Traefik replicas: each keeps its own rate-limit buckets.
const MAX_INGRESS_REPLICAS: u32 = 64;
/// `net.core.somaxconn` since Linux 5.4 (128 before): listen(2), ip-sysctl.rst.
const DEFAULT_SOMAXCONN: u32 = 4096;
/// Shortest `kill_check_period`: each check is an event per pod (the master and the
/// evented worker), so a period of nanoseconds would spend the event budget on checks.
const MIN_KILL_CHECK_PERIOD: SimTime = SimTime::from_secs(1);
/// io2 Block Express tops out at 256,000 IOPS; 1e6 leaves room and still catches typos.
const MAX_IOPS: f64 = 1e6;
/// A single I/O slower than this is a typo (`1s` for `1ms`), not a volume.
const MAX_IO_LATENCY: SimTime = SimTime::from_secs(1);
/// Odoo's default (odoo/service/model.py `MAX_TRIES_ON_CONCURRENCY_FAILURE`).
const DEFAULT_MAX_TRIES: u32 = 5;
/// ASSUMPTION: a typical OLTP target; measure with pg_statio_user_tables.
/// ASSUMPTION: AWS documents "single-digit millisecond" latency for gp3.
const DEFAULT_IO_LATENCY: SimTime = SimTime(1_000_000);
/// ASSUMPTION: replay CPU per write transaction as a share of its primary CPU time; not
/// published (replay applies page changes without planning or index searches).
const DEFAULT_REPLAY_RATIO: f64 = 0.25;
/// ASSUMPTION: WAL send + network delay of a replica in the same region.
const DEFAULT_APPLY_DELAY: SimTime = SimTime(1_000_000);
/// A WAL apply delay above this is a typo (`1h` for `1ms`), not a network.
const MAX_APPLY_DELAY: SimTime = SimTime::from_secs(3_600);

/// The validated `estate:` section.
pub struct Estate {
    pub ingress: Option<Ingress>,
    /// `Some(None)`: no Redis section.
    pub redis: Option<Option<Redis>>,
    pub odoo: Option<OdooTier>,
    pub postgres: Option<Postgres>,
}

pub fn estate(cx: &mut Ctx, e: Option<&Located<raw::Estate>>, root: Pos) -> Estate {
    let Some(e) = e else {
        cx.missing(root, "estate", "add `estate:` with `odoo` and `postgres`");
        return Estate {
            ingress: None,
            redis: None,
            odoo: None,
            postgres: None,
        };
    };
    let ingress = match &e.value.ingress {
        Some(i) => ingress(cx, i),
        None => Some(Ingress::default()),
    };
    let odoo = match &e.value.odoo {
        Some(o) => odoo(cx, o),
        None => {
            cx.missing(
                e.pos,
                "estate.odoo",
                "add `odoo: {workers: …}` or a `profile:`",
            );
            None
        }
    };
    let pg = match &e.value.postgres {
        Some(p) => postgres(cx, p),
        None => {
            cx.missing(
                e.pos,
                "estate.postgres",
                "add `postgres: {cores: …}` or a `profile:`",
            );
            None
        }
    };
    let redis = match &e.value.redis {
        None => Some(None),
        Some(r) => redis(cx, r).map(Some),
    };
    Estate {
        ingress,
        redis,
        odoo,
        postgres: pg,
    }
}

fn ingress(cx: &mut Ctx, i: &Located<raw::Ingress>) -> Option<Ingress> {
    // Traefik's Retry middleware counts the first try in `attempts`: 1 means no retry.
    let retry_attempts = cx.int(
        i.value.retry_attempts.as_ref(),
        i.pos,
        "estate.ingress.retry_attempts",
        Some(Ingress::default().retry_attempts),
        1..=10,
        "`attempts` counts the first try (Traefik Retry middleware): 1 = no retry",
    );
    let dial_timeout = cx.positive_duration(
        i.value.dial_timeout.as_ref(),
        i.pos,
        "estate.ingress.dial_timeout",
        Some(Ingress::default().dial_timeout),
        SimTime::from_secs(3600),
        "Traefik's dial timeout (serversTransport.forwardingTimeouts.dialTimeout), e.g. `30s`; the kernel gives up on its own after 127 s of SYN retransmissions",
    );
    let replicas = cx.int(
        i.value.replicas.as_ref(),
        i.pos,
        "estate.ingress.replicas",
        Some(1),
        1..=MAX_INGRESS_REPLICAS,
        "at least one Traefik replica stands in front of the pods",
    );
    Some(Ingress {
        retry_attempts: retry_attempts?,
        dial_timeout: dial_timeout?,
        replicas: replicas?,
    })
}

fn odoo(cx: &mut Ctx, o: &Located<raw::Odoo>) -> Option<OdooTier> {
    let (at, o) = (o.pos, &o.value);
    let p = |k: &str| format!("estate.odoo.{k}");
    let pods = cx.int(
        o.pods.as_ref(),
        at,
        &p("pods"),
        Some(1),
        1..=MAX_PODS,
        "an estate has at least one pod",
    );
    let threaded = "workers = 0 is Odoo's threaded mode, which peakplan does not model; use prefork (workers ≥ 1)";
    let workers = cx.int(
        o.workers.as_ref(),
        at,
        &p("workers"),
        None,
        1..=MAX_WORKERS,
        threaded,
    );
    let cpu = match &o.cpu {
        None => Some(None),
        Some(v) => match units::parse_cpu(&v.value.0) {
            Ok(m) => Some(Some(m as u32)),
            Err(e) => {
                cx.error(v.pos, &p("cpu"), e.message, Some(e.hint));
                None
            }
        },
    };
    // odoo/service/server.py: the prefork server listens with a backlog of 8 × workers.
    let backlog_default = workers.map(|w| w.saturating_mul(8));
    let listen_backlog = match o.listen_backlog.as_ref() {
        Some(_) => cx.int(
            o.listen_backlog.as_ref(),
            at,
            &p("listen_backlog"),
            None,
            0..=u32::MAX,
            "the backlog cannot be negative",
        ),
        None => backlog_default,
    };
    // listen(2): the kernel caps the backlog at net.core.somaxconn (4096 from Linux 5.4).
    let somaxconn = cx.int(
        o.somaxconn.as_ref(),
        at,
        &p("somaxconn"),
        Some(DEFAULT_SOMAXCONN),
        1..=i32::MAX as u32,
        "net.core.somaxconn caps every listen backlog: 0 would let no connection wait; the kernel's default is 4096 (128 before Linux 5.4)",
    );
    let tcp_abort_on_overflow = o.tcp_abort_on_overflow.as_ref().is_some_and(|b| b.value);
    let max_cron_threads = cx.int(
        o.max_cron_threads.as_ref(),
        at,
        &p("max_cron_threads"),
        Some(2),
        0..=1_000,
        "0 disables cron",
    );
    let evented_worker = o.evented_worker.as_ref().is_none_or(|b| b.value);
    let db_maxconn = cx.int(
        o.db_maxconn.as_ref(),
        at,
        &p("db_maxconn"),
        Some(64),
        1..=100_000,
        "each process needs at least one connection",
    );
    let db_maxconn_gevent = match o.db_maxconn_gevent.as_ref() {
        Some(_) => cx.int(
            o.db_maxconn_gevent.as_ref(),
            at,
            &p("db_maxconn_gevent"),
            None,
            1..=100_000,
            "the evented worker needs at least one connection",
        ),
        None => db_maxconn,
    };
    let limit_time_real =
        super::limits::time_limit(cx, o.limit_time_real.as_ref(), &p("limit_time_real"), 120);
    let limit_time_cpu =
        super::limits::time_limit(cx, o.limit_time_cpu.as_ref(), &p("limit_time_cpu"), 60);
    let limit_time_real_cron = limit_time_real
        .and_then(|real| super::limits::time_real_cron(cx, o.limit_time_real_cron.as_ref(), real));
    let kill_check_period = cx.duration(
        o.kill_check_period.as_ref(),
        at,
        &p("kill_check_period"),
        Some(SimTime::from_secs(4)),
    );
    let kill_check_period = kill_check_period.and_then(|k| {
        if k < MIN_KILL_CHECK_PERIOD {
            let pos = o.kill_check_period.as_ref().map_or(at, |v| v.pos);
            cx.error(
                pos,
                &p("kill_check_period"),
                format!("must be at least {MIN_KILL_CHECK_PERIOD}, found {k}"),
                Some("Odoo's master checks about every 4s; each check is an event on every pod, so a tiny period spends the event budget on checks".into()),
            );
            return None;
        }
        Some(k)
    });
    let worker_respawn = cx.duration(
        o.worker_respawn.as_ref(),
        at,
        &p("worker_respawn"),
        Some(SimTime::from_secs(2)),
    );
    let max_tries = cx.int(
        o.max_tries_on_concurrency_failure.as_ref(),
        at,
        &p("max_tries_on_concurrency_failure"),
        Some(DEFAULT_MAX_TRIES),
        1..=20,
        "the count includes the first try: 1 = no retry on a serialization failure",
    );
    let base = cx.size_mib(
        o.worker_base_memory.as_ref(),
        &p("worker_base_memory"),
        150.0,
    );
    // ASSUMPTION: a fresh Odoo worker's virtual size (shared libraries, Python's and
    // glibc's reserved arenas) is not published; several hundred MiB, against ≈ 150 MB
    // resident.
    let vms = cx.size_mib(o.worker_vms.as_ref(), &p("worker_vms"), 512.0);
    let soft = cx.size_mib(
        o.limit_memory_soft.as_ref(),
        &p("limit_memory_soft"),
        2048.0,
    );
    let hard = cx.size_mib(
        o.limit_memory_hard.as_ref(),
        &p("limit_memory_hard"),
        2560.0,
    );
    let soft_gevent = match o.limit_memory_soft_gevent.as_ref() {
        Some(v) => cx.size_mib(Some(v), &p("limit_memory_soft_gevent"), 0.0),
        None => soft,
    };
    let websocket_memory = cx.size_mib(o.websocket_memory.as_ref(), &p("websocket_memory"), 0.25);
    let gevent_ok = match (base, soft_gevent, websocket_memory) {
        (Some(b), Some(s), Some(m)) if !(b < s && m > 0.0 && m < s - b) => {
            let at = o
                .limit_memory_soft_gevent
                .as_ref()
                .or(o.websocket_memory.as_ref())
                .map_or(at, |x| x.pos);
            cx.error(
                at,
                &p("limit_memory_soft_gevent"),
                format!("need worker_base_memory < limit_memory_soft_gevent and 0 < websocket_memory < their difference, found {b:.0} / {s:.0} MiB and {m:.3} MiB per connection"),
                Some("the evented worker restarts above its soft limit: it must hold at least one connection".into()),
            );
            None
        }
        (Some(_), Some(_), Some(_)) => Some(()),
        _ => None,
    };
    let memory_ok = match (vms, soft, hard) {
        (Some(b), Some(s), Some(h)) if !(b < s && s <= h) => {
            cx.error(
                o.limit_memory_soft.as_ref().or(o.limit_memory_hard.as_ref()).or(o.worker_vms.as_ref()).map_or(at, |x| x.pos),
                &p("limit_memory_soft"),
                format!("need worker_vms < limit_memory_soft ≤ limit_memory_hard, found {b:.0} / {s:.0} / {h:.0} MiB"),
                Some("Odoo compares the worker's virtual size with both; odoo.conf defaults: soft 2048MiB, hard 2560MiB; worker_vms defaults to 512MiB".into()),
            );
            None
        }
        (Some(_), Some(_), Some(_)) => Some(()),
        _ => None,
    };
    let version = super::limits::version(cx, o.version.as_ref());
    let limit_request = cx.int(
        o.limit_request.as_ref(),
        at,
        &p("limit_request"),
        Some(super::limits::limit_request_default(version.flatten())),
        1..=100_000_000,
        "requests before a worker is recycled (odoo.conf default 65536, 8192 up to 16.0)",
    );
    let channels = match &o.queue_job_channels {
        None => Some(Channels::default()),
        Some(text) => match parse_channels(&text.value) {
            Ok(c) => Some(c),
            Err(e) => {
                cx.error(text.pos, &p("queue_job_channels"), e.message, Some(e.hint));
                None
            }
        },
    };
    version?;
    let requeue = super::job_runner::requeue(cx, o);
    let job_host = super::job_runner::host(cx, o);
    memory_ok?;
    gevent_ok?;
    Some(OdooTier {
        queue_job_requeue: requeue?,
        queue_job_host: job_host?,
        db_maxconn_gevent: db_maxconn_gevent?,
        limit_memory_soft_gevent_mib: soft_gevent?,
        websocket_memory_mib: websocket_memory?,
        worker_base_memory_mib: base?,
        worker_vms_mib: vms?,
        limit_memory_soft_mib: soft?,
        limit_memory_hard_mib: hard?,
        limit_request: limit_request?,
        queue_job_channels: channels?,
        pods: pods?,
        workers: workers?,
        cpu_millicores: cpu?,
        listen_backlog: listen_backlog?.min(somaxconn?),
        somaxconn: somaxconn?,
        tcp_abort_on_overflow,
        max_cron_threads: max_cron_threads?,
        evented_worker,
        db_maxconn: db_maxconn?,
        limit_time_real: limit_time_real?,
        limit_time_real_cron: limit_time_real_cron?,
        limit_time_cpu: limit_time_cpu?,
        kill_check_period: kill_check_period?,
        worker_respawn: worker_respawn?,
        max_tries_on_concurrency_failure: max_tries?,
    })
}

fn postgres(cx: &mut Ctx, pg: &Located<raw::Postgres>) -> Option<Postgres> {
    let (at, v) = (pg.pos, &pg.value);
    let data = storage::data_set(cx, v, at)?;
    let write_path = storage::write_path(cx, v, at);
    let primary = db_server(cx, &v.server_fields(), at, "estate.postgres", None, &data);
    let pgbouncer = match &v.pgbouncer {
        None => Some(None),
        Some(b) => pgbouncer(cx, b).map(Some),
    };
    let primary = primary?;
    let replica = match &v.replica {
        None => Some(None),
        Some(r) => replica(cx, r, &primary, &data).map(Some),
    };
    Some(Postgres {
        primary,
        pgbouncer: pgbouncer?,
        replica: replica?,
        write_path: write_path?,
    })
}

/// A PostgreSQL server written at YAML path `path` (`at` its position): the primary
/// (`inherit` = `None`: PostgreSQL's defaults) or a replica, whose unset fields are the
/// primary's `inherit`.
fn db_server(
    cx: &mut Ctx,
    f: &raw::DbServerFields,
    at: Pos,
    path: &str,
    inherit: Option<&DbServer>,
    data: &storage::DataSet,
) -> Option<DbServer> {
    let p = |k: &str| format!("{path}.{k}");
    let cores = cx.int(
        f.cores.as_ref(),
        at,
        &p("cores"),
        None,
        1..=MAX_CORES,
        "a server has at least one core",
    );
    let max_connections = cx.int(
        f.max_connections.as_ref(),
        at,
        &p("max_connections"),
        Some(inherit.map_or(100, |s| s.max_connections)),
        1..=262_143,
        "PostgreSQL needs at least one connection",
    );
    let reserved = cx.int(
        f.superuser_reserved_connections.as_ref(),
        at,
        &p("superuser_reserved_connections"),
        Some(inherit.map_or(3, |s| s.superuser_reserved)),
        0..=262_143,
        "cannot be negative",
    );
    let volume = match f.volume {
        Some(v) => volume_at(cx, v, &p("volume")).map(Some),
        None => Some(inherit.and_then(|s| s.volume)),
    };
    let hits = storage::memory_and_hits(cx, f, at, path, inherit, data);
    let (max_connections, reserved) = (max_connections?, reserved?);
    let (memory_bytes, buffer_hit_ratio, hit_basis) = hits?;
    if max_connections <= reserved {
        let pos = f.max_connections.as_ref().map_or(at, |v| v.pos);
        let hint = match inherit {
            None => "PostgreSQL refuses to start otherwise; the default is 100 with 3 reserved",
            Some(_) => {
                "PostgreSQL refuses to start otherwise; the replica defaults to the primary's"
            }
        };
        cx.error(
            pos,
            &p("max_connections"),
            format!(
                "max_connections ({max_connections}) must exceed superuser_reserved_connections ({reserved})"
            ),
            Some(hint.into()),
        );
        return None;
    }
    Some(DbServer {
        cores: cores?,
        max_connections,
        superuser_reserved: reserved,
        volume: volume?,
        buffer_hit_ratio,
        hit_basis,
        memory_bytes,
    })
}

fn replica(
    cx: &mut Ctx,
    r: &Located<raw::ReplicaSpec>,
    primary: &DbServer,
    data: &storage::DataSet,
) -> Option<Replica> {
    let (at, v) = (r.pos, &r.value);
    let p = |k: &str| format!("estate.postgres.replica.{k}");
    let server = db_server(
        cx,
        &v.server_fields(),
        at,
        "estate.postgres.replica",
        Some(primary),
        data,
    );
    let replay_ratio = cx.real(
        v.replay_ratio.as_ref(),
        at,
        &p("replay_ratio"),
        Some(DEFAULT_REPLAY_RATIO),
        Bounds::RATIO,
        "replay CPU per write transaction as a share of its CPU on the primary, e.g. 0.25; 0 = free replay",
    );
    let apply_delay = cx.duration(
        v.apply_delay.as_ref(),
        at,
        &p("apply_delay"),
        Some(DEFAULT_APPLY_DELAY),
    );
    let apply_delay = apply_delay.and_then(|d| {
        if d > MAX_APPLY_DELAY {
            let pos = v.apply_delay.as_ref().map_or(at, |x| x.pos);
            cx.error(
                pos,
                &p("apply_delay"),
                format!("must be ≤ {MAX_APPLY_DELAY}, found {d}"),
                Some("WAL send + network delay, e.g. `1ms` in one region".into()),
            );
            return None;
        }
        Some(d)
    });
    Some(Replica {
        server: server?,
        replay_ratio: replay_ratio?,
        apply_delay: apply_delay?,
    })
}

fn pgbouncer(cx: &mut Ctx, b: &Located<raw::PgBouncerSpec>) -> Option<PgBouncer> {
    let (at, v) = (b.pos, &b.value);
    let p = |k: &str| format!("estate.postgres.pgbouncer.{k}");
    // PgBouncer's own default is `session`.
    let mode = match v.pool_mode.as_ref() {
        None => Some(PoolMode::Session),
        Some(m) => match m.value.as_str() {
            "session" => Some(PoolMode::Session),
            "transaction" => Some(PoolMode::Transaction),
            other => {
                let hint = if other == "statement" {
                    "statement pooling forbids multi-statement transactions, and every Odoo request is one: use `transaction` or `session`".to_string()
                } else {
                    let guess = suggest::closest(other, ["session", "transaction"])
                        .map(|g| format!("did you mean `{g}`? "))
                        .unwrap_or_default();
                    format!(
                        "{guess}PgBouncer's pool_mode is `session` (its default) or `transaction`"
                    )
                };
                cx.error(
                    m.pos,
                    &p("pool_mode"),
                    format!("pool_mode `{other}` cannot serve Odoo"),
                    Some(hint),
                );
                None
            }
        },
    };
    let pool = cx.int(
        v.default_pool_size.as_ref(),
        at,
        &p("default_pool_size"),
        Some(20),
        1..=10_000,
        "PgBouncer's default is 20 server connections per user and database",
    );
    let clients = cx.int(
        v.max_client_conn.as_ref(),
        at,
        &p("max_client_conn"),
        Some(100),
        1..=1_000_000,
        "PgBouncer's default is 100",
    );
    let wait = cx.duration(
        v.query_wait_timeout.as_ref(),
        at,
        &p("query_wait_timeout"),
        Some(SimTime::from_secs(120)),
    );
    Some(PgBouncer {
        mode: mode?,
        default_pool_size: pool?,
        max_client_conn: clients?,
        query_wait_timeout: wait?,
    })
}

/// A volume written at YAML path `path` (the primary's or the replica's).
fn volume_at(cx: &mut Ctx, v: &Located<raw::Volume>, path: &str) -> Option<Volume> {
    let (at, v) = (v.pos, &v.value);
    let p = |k: &str| format!("{path}.{k}");
    let iops = cx.real(
        v.iops.as_ref(),
        at,
        &p("iops"),
        None,
        Bounds::positive(MAX_IOPS),
        "provisioned IOPS, e.g. 3000 (gp3 baseline); remove `volume` to leave I/O unmodelled",
    );
    let io_latency = cx.positive_duration(
        v.io_latency.as_ref(),
        at,
        &p("io_latency"),
        Some(DEFAULT_IO_LATENCY),
        MAX_IO_LATENCY,
        "latency of one I/O at low load, e.g. `1ms` (gp3: single-digit milliseconds)",
    );
    Some(Volume {
        iops: iops?,
        io_latency: io_latency?,
    })
}

fn redis(cx: &mut Ctx, r: &Located<raw::RedisSpec>) -> Option<Redis> {
    let (at, v) = (r.pos, &r.value);
    let p = |k: &str| format!("estate.redis.{k}");
    let maxmemory = match &v.maxmemory {
        None => {
            cx.missing(
                at,
                &p("maxmemory"),
                "add `maxmemory: 1GiB` (ElastiCache: ≈ 75 % of the node's RAM)",
            );
            None
        }
        Some(_) => cx.size_mib(v.maxmemory.as_ref(), &p("maxmemory"), 0.0),
    };
    let session = cx.size_mib(v.session_size.as_ref(), &p("session_size"), 4.0 / 1024.0);
    let ttl = cx.duration(
        v.session_ttl.as_ref(),
        at,
        &p("session_ttl"),
        Some(SimTime::from_secs(3 * 3600)),
    );
    let window = cx.duration(
        v.active_window.as_ref(),
        at,
        &p("active_window"),
        Some(SimTime::from_secs(1800)),
    );
    let policy = match v.policy.as_ref() {
        None => Some(EvictionPolicy::NoEviction),
        Some(n) => match n.value.as_str() {
            "noeviction" => Some(EvictionPolicy::NoEviction),
            "volatile-lru" | "volatile-lfu" | "volatile-random" | "volatile-ttl" => {
                Some(EvictionPolicy::Volatile)
            }
            "allkeys-lru" | "allkeys-lfu" | "allkeys-random" => Some(EvictionPolicy::AllKeys),
            other => {
                let names = [
                    "noeviction",
                    "volatile-lru",
                    "volatile-lfu",
                    "volatile-random",
                    "volatile-ttl",
                    "allkeys-lru",
                    "allkeys-lfu",
                    "allkeys-random",
                ];
                let hint = suggest::closest(other, names.iter().copied()).map_or_else(
                    || format!("one of: {}", names.join(", ")),
                    |c| format!("did you mean `{c}`?"),
                );
                cx.error(
                    n.pos,
                    &p("policy"),
                    format!("unknown maxmemory-policy `{other}`"),
                    Some(hint),
                );
                None
            }
        },
    };
    let cache = match &v.cache {
        None => Some(None),
        Some(c) => cache(cx, c).map(Some),
    };
    let (maxmemory, session) = (maxmemory?, session?);
    if session <= 0.0 || maxmemory < session {
        let pos = v.maxmemory.as_ref().map_or(at, |x| x.pos);
        cx.error(
            pos,
            &p("maxmemory"),
            format!(
                "maxmemory ({maxmemory:.3} MiB) is smaller than one session ({session:.4} MiB)"
            ),
            Some("sizes are like `1GiB` and `4KiB`".into()),
        );
        return None;
    }
    let bytes = |mib: f64| (mib * 1024.0 * 1024.0).round() as u64;
    Some(Redis {
        maxmemory_bytes: bytes(maxmemory),
        policy: policy?,
        session_bytes: bytes(session).max(1),
        session_ttl: ttl?,
        active_window: window?,
        cache: cache?,
    })
}

/// ASSUMPTION: a cached page fragment or computed result of a few KiB; measure yours
/// (`MEMORY USAGE key` on a sample).
const DEFAULT_CACHE_ENTRY_MIB: f64 = 8.0 / 1024.0;

fn cache(cx: &mut Ctx, c: &Located<raw::RedisCacheSpec>) -> Option<RedisCache> {
    let (at, v) = (c.pos, &c.value);
    let p = |k: &str| format!("estate.redis.cache.{k}");
    let bytes = |mib: f64| (mib * 1024.0 * 1024.0).round() as u64;
    let working_set = match &v.working_set {
        None => {
            cx.missing(
                at,
                &p("working_set"),
                "add what a fully resident cache holds, e.g. `working_set: 2GiB`",
            );
            None
        }
        Some(w) => match cx.size_mib(Some(w), &p("working_set"), 0.0) {
            Some(m) if bytes(m) == 0 => {
                cx.error(
                    w.pos,
                    &p("working_set"),
                    "must be > 0",
                    Some("remove `cache` for a Redis without a cache".into()),
                );
                None
            }
            m => m.map(bytes),
        },
    };
    let entry_pos = v.entry_size.as_ref().map_or(at, |x| x.pos);
    let entry = match cx.size_mib(
        v.entry_size.as_ref(),
        &p("entry_size"),
        DEFAULT_CACHE_ENTRY_MIB,
    ) {
        Some(m) if bytes(m) == 0 => {
            cx.error(
                entry_pos,
                &p("entry_size"),
                "must be > 0",
                Some("one cached entry's size, e.g. `8KiB`".into()),
            );
            None
        }
        m => m.map(bytes),
    };
    let hit_ratio = cx.real(
        v.hit_ratio.as_ref(),
        at,
        &p("hit_ratio"),
        None,
        Bounds::RATIO,
        "the hit ratio of the fully resident cache, e.g. 0.95 (Redis INFO: keyspace_hits / (hits + misses))",
    );
    let ttl = v.ttl.as_ref().is_none_or(|b| b.value);
    let (working_set, entry) = (working_set?, entry?);
    if entry > working_set {
        cx.error(
            entry_pos,
            &p("entry_size"),
            format!("entry_size ({entry} bytes) is larger than working_set ({working_set} bytes)"),
            Some(
                "the working set holds at least one entry; check the units (`8KiB`, `2GiB`)".into(),
            ),
        );
        return None;
    }
    Some(RedisCache {
        working_set_bytes: working_set,
        entry_bytes: entry,
        hit_ratio: hit_ratio?,
        ttl,
    })
}

/// A class that looks up a cache needs `estate.redis.cache`.
pub fn cache_lookups_need_a_cache(
    cx: &mut Ctx,
    workloads: &Located<OrderedMap<Located<raw::Workload>>>,
    classes: &[crate::model::WorkloadClass],
    redis: &Option<Redis>,
) {
    if redis.as_ref().is_some_and(|r| r.cache.is_some()) {
        return;
    }
    for ((name, w), c) in workloads.value.0.iter().zip(classes) {
        if c.cache_lookups.is_zero() {
            continue;
        }
        let at = w.value.cache_lookups.as_ref().map_or(w.pos, |x| x.pos);
        cx.error(
            at,
            &format!("workloads.{}.cache_lookups", name.value),
            format!("class `{}` looks up a cache, but `estate.redis` has no `cache`", name.value),
            Some("add `estate.redis.cache: {working_set: 2GiB, hit_ratio: 0.95}`, or remove `cache_lookups`".into()),
        );
    }
}

//! The gauge table: every level the simulation integrates over time, stated once.
//!
//! A gauge has a name, a scope (which part of the estate it measures), a capacity (or
//! none, when unbounded) and a presence (a scenario without a replica has no replica
//! gauges). All four are decided here, from the model, when a replication builds its
//! collectors; `stats/` and `report/` read the table and never derive a capacity from the
//! model themselves. A gauge's slot in the collector is its index in the table's slot
//! space: the fixed resources in [`Resource::ALL`] order, then one per queue_job channel
//! below root.

use super::database::Db;
use crate::model::{Model, WorkloadClass};

/// Resources whose level is integrated over time. Order = index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// Busy Odoo HTTP workers, all pods.
    OdooWorkersBusy,
    /// Requests waiting in listen backlogs, all pods.
    Backlog,
    /// Cores in use under the pods' CPU limits, summed over pods (`estate.odoo.cpu`).
    PodCpuBusy,
    /// PostgreSQL cores busy.
    PgCoresBusy,
    /// Queries running on PostgreSQL.
    PgActiveQueries,
    /// Open PostgreSQL connections.
    PgConnections,
    /// I/O operations per second on the PostgreSQL volume.
    VolumeIops,
    /// HTTP worker processes being respawned after a kill or a recycle.
    WorkersRespawning,
    /// Cron workers running a scheduled action.
    CronWorkersBusy,
    /// Redis memory used by sessions and the cache, MiB.
    RedisMemory,
    /// PgBouncer server connections in use.
    PgBouncerServerConns,
    /// Clients waiting for a PgBouncer server connection.
    PgBouncerWaiting,
    /// queue_job jobs waiting to run (the backlog).
    JobsPending,
    /// queue_job jobs running.
    JobsRunning,
    /// Age of the oldest pending job, seconds (sampled at every queue change and tick).
    JobOldestAge,
    /// Open websocket connections, all pods.
    WebsocketConnections,
    /// Evented workers' CPU busy (one core each).
    EventedCpuBusy,
    /// Cursors in use in the evented workers' pools.
    EventedCursors,
    /// Read replica cores busy (read queries and the WAL replay).
    ReplicaCoresBusy,
    /// Read queries running on the replica (the replay not included).
    ReplicaActiveQueries,
    /// Open connections to the replica.
    ReplicaConnections,
    /// I/O operations per second on the replica's volume.
    ReplicaVolumeIops,
    /// Replication lag, seconds: now − commit time of the oldest record not yet replayed
    /// (0 when caught up; integrated exactly, as it rises linearly between events).
    ReplicationLag,
    /// Redis cache resident, MiB (`estate.redis.cache`).
    RedisCacheResident,
    /// Probability that a cache lookup hits now: `hit_ratio × resident / working_set`.
    RedisCacheHitRatio,
}

impl Resource {
    pub const ALL: [Resource; 25] = [
        Resource::OdooWorkersBusy,
        Resource::Backlog,
        Resource::PodCpuBusy,
        Resource::PgCoresBusy,
        Resource::PgActiveQueries,
        Resource::PgConnections,
        Resource::VolumeIops,
        Resource::WorkersRespawning,
        Resource::CronWorkersBusy,
        Resource::RedisMemory,
        Resource::PgBouncerServerConns,
        Resource::PgBouncerWaiting,
        Resource::JobsPending,
        Resource::JobsRunning,
        Resource::JobOldestAge,
        Resource::WebsocketConnections,
        Resource::EventedCpuBusy,
        Resource::EventedCursors,
        Resource::ReplicaCoresBusy,
        Resource::ReplicaActiveQueries,
        Resource::ReplicaConnections,
        Resource::ReplicaVolumeIops,
        Resource::ReplicationLag,
        Resource::RedisCacheResident,
        Resource::RedisCacheHitRatio,
    ];
    pub const COUNT: usize = Self::ALL.len();

    /// Server `db`'s gauges of cores busy, queries running and volume IOPS.
    pub fn of_server(db: Db) -> [Resource; 3] {
        match db {
            Db::Primary => [
                Resource::PgCoresBusy,
                Resource::PgActiveQueries,
                Resource::VolumeIops,
            ],
            Db::Replica => [
                Resource::ReplicaCoresBusy,
                Resource::ReplicaActiveQueries,
                Resource::ReplicaVolumeIops,
            ],
        }
    }

    /// Which server and what of it, for the gauges every PostgreSQL server has.
    fn server_gauge(self) -> Option<(Db, ServerGauge)> {
        use ServerGauge::*;
        Some(match self {
            Resource::PgCoresBusy => (Db::Primary, CoresBusy),
            Resource::PgActiveQueries => (Db::Primary, ActiveQueries),
            Resource::PgConnections => (Db::Primary, Connections),
            Resource::VolumeIops => (Db::Primary, VolumeIops),
            Resource::ReplicaCoresBusy => (Db::Replica, CoresBusy),
            Resource::ReplicaActiveQueries => (Db::Replica, ActiveQueries),
            Resource::ReplicaConnections => (Db::Replica, Connections),
            Resource::ReplicaVolumeIops => (Db::Replica, VolumeIops),
            _ => return None,
        })
    }

    /// The part of the estate this resource measures.
    pub fn scope(self) -> Scope {
        match self {
            Resource::PgCoresBusy
            | Resource::PgActiveQueries
            | Resource::PgConnections
            | Resource::VolumeIops => Scope::DbServer(Db::Primary),
            Resource::ReplicaCoresBusy
            | Resource::ReplicaActiveQueries
            | Resource::ReplicaConnections
            | Resource::ReplicaVolumeIops
            | Resource::ReplicationLag => Scope::DbServer(Db::Replica),
            Resource::PgBouncerServerConns | Resource::PgBouncerWaiting => Scope::PgBouncer,
            Resource::RedisMemory | Resource::RedisCacheResident | Resource::RedisCacheHitRatio => {
                Scope::Redis
            }
            Resource::JobsPending | Resource::JobsRunning | Resource::JobOldestAge => {
                Scope::JobRunner
            }
            Resource::OdooWorkersBusy
            | Resource::Backlog
            | Resource::PodCpuBusy
            | Resource::WorkersRespawning
            | Resource::CronWorkersBusy
            | Resource::WebsocketConnections
            | Resource::EventedCpuBusy
            | Resource::EventedCursors => Scope::Deployment,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Resource::OdooWorkersBusy => "odoo_workers_busy",
            Resource::Backlog => "listen_backlog",
            Resource::PodCpuBusy => "pod_cpu_busy",
            Resource::PgCoresBusy => "pg_cores_busy",
            Resource::PgActiveQueries => "pg_active_queries",
            Resource::PgConnections => "pg_connections",
            Resource::VolumeIops => "volume_iops",
            Resource::WorkersRespawning => "odoo_workers_respawning",
            Resource::CronWorkersBusy => "cron_workers_busy",
            Resource::RedisMemory => "redis_memory_mib",
            Resource::PgBouncerServerConns => "pgbouncer_server_connections",
            Resource::PgBouncerWaiting => "pgbouncer_waiting_clients",
            Resource::JobsPending => "queue_job_pending",
            Resource::JobsRunning => "queue_job_running",
            Resource::JobOldestAge => "queue_job_oldest_age_s",
            Resource::WebsocketConnections => "websocket_connections",
            Resource::EventedCpuBusy => "evented_cpu_busy",
            Resource::EventedCursors => "evented_cursors",
            Resource::ReplicaCoresBusy => "replica_cores_busy",
            Resource::ReplicaActiveQueries => "replica_active_queries",
            Resource::ReplicaConnections => "replica_connections",
            Resource::ReplicaVolumeIops => "replica_volume_iops",
            Resource::ReplicationLag => "replication_lag_s",
            Resource::RedisCacheResident => "redis_cache_resident_mib",
            Resource::RedisCacheHitRatio => "redis_cache_hit_ratio",
        }
    }

    /// Whether the capacity is a hard limit — a pool of slots (workers, connections, a
    /// backlog, memory) whose last slot taken makes the next request wait or fail — rather
    /// than a shared rate (cores, IOPS) that is full whenever enough work overlaps and
    /// then only slows everyone down. Reaching a hard limit for an instant is news;
    /// a shared rate counts when a bucket's average nears it.
    pub fn hard_limit(self) -> bool {
        !matches!(
            self,
            Resource::PodCpuBusy
                | Resource::PgCoresBusy
                | Resource::VolumeIops
                | Resource::ReplicaCoresBusy
                | Resource::ReplicaVolumeIops
                | Resource::EventedCpuBusy
        )
    }

    /// The gauge in plain words, for summaries a capacity review reads.
    pub fn label(self) -> &'static str {
        match self {
            Resource::OdooWorkersBusy => "HTTP workers",
            Resource::Backlog => "listen backlog",
            Resource::PodCpuBusy => "Odoo pods' CPU",
            Resource::PgCoresBusy => "PostgreSQL CPU",
            Resource::PgActiveQueries => "PostgreSQL queries running",
            Resource::PgConnections => "PostgreSQL connections",
            Resource::VolumeIops => "PostgreSQL volume IOPS",
            Resource::WorkersRespawning => "HTTP workers restarting",
            Resource::CronWorkersBusy => "cron workers",
            Resource::RedisMemory => "Redis memory",
            Resource::PgBouncerServerConns => "PgBouncer server connections",
            Resource::PgBouncerWaiting => "clients waiting for PgBouncer",
            Resource::JobsPending => "queue_job jobs pending",
            Resource::JobsRunning => "queue_job jobs running",
            Resource::JobOldestAge => "age of the oldest pending job",
            Resource::WebsocketConnections => "websocket connections",
            Resource::EventedCpuBusy => "evented workers' CPU",
            Resource::EventedCursors => "evented workers' database cursors",
            Resource::ReplicaCoresBusy => "replica CPU",
            Resource::ReplicaActiveQueries => "replica queries running",
            Resource::ReplicaConnections => "replica connections",
            Resource::ReplicaVolumeIops => "replica volume IOPS",
            Resource::ReplicationLag => "replication lag",
            Resource::RedisCacheResident => "Redis cache resident",
            Resource::RedisCacheHitRatio => "Redis cache hit ratio",
        }
    }
}

/// A gauge every PostgreSQL server has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServerGauge {
    CoresBusy,
    ActiveQueries,
    Connections,
    VolumeIops,
}

/// The part of the estate a gauge measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Traefik and the Odoo deployment's pods (workers, backlogs, the evented workers).
    Deployment,
    /// A PostgreSQL server: the primary or the replica.
    DbServer(Db),
    /// PgBouncer in front of the primary.
    PgBouncer,
    /// The Redis instance (sessions and cache).
    Redis,
    /// queue_job's runner and its channels.
    JobRunner,
}

impl Scope {
    /// The scope as the result names it: `deployment`, `db_server:primary`,
    /// `db_server:replica`, `pgbouncer`, `redis`, `job_runner`.
    pub fn id(self) -> &'static str {
        match self {
            Scope::Deployment => "deployment",
            Scope::DbServer(Db::Primary) => "db_server:primary",
            Scope::DbServer(Db::Replica) => "db_server:replica",
            Scope::PgBouncer => "pgbouncer",
            Scope::Redis => "redis",
            Scope::JobRunner => "job_runner",
        }
    }
}

/// One gauge the scenario has.
#[derive(Clone, Debug, PartialEq)]
pub struct GaugeSpec {
    /// Its slot in a replication's collector (see the module documentation).
    pub slot: usize,
    pub name: String,
    /// The gauge in plain words ("HTTP workers").
    pub label: String,
    pub scope: Scope,
    /// Capacity in the gauge's unit; `None` when unbounded or when reaching a maximum is
    /// health rather than saturation (a fully resident cache).
    pub capacity: Option<f64>,
    /// The capacity is a pool of slots, not a shared rate ([`Resource::hard_limit`]).
    pub hard_limit: bool,
}

/// The gauges of one model: every slot the collector keeps, and the present ones.
#[derive(Clone, Debug)]
pub struct GaugeTable {
    /// Slots in the collector (present or not: an absent gauge's slot is never read).
    pub slots: usize,
    /// The present gauges, in slot order.
    pub gauges: Vec<GaugeSpec>,
}

impl GaugeTable {
    /// The gauges of `model`.
    pub fn of(model: &Model) -> GaugeTable {
        let channels = &model.odoo.queue_job_channels;
        let extra = channel_gauges(model);
        let fixed = Resource::ALL
            .iter()
            .filter(|r| present(**r, model))
            .map(|r| GaugeSpec {
                slot: *r as usize,
                name: r.name().to_string(),
                label: r.label().to_string(),
                scope: r.scope(),
                capacity: capacity(*r, model),
                hard_limit: r.hard_limit(),
            });
        let per_channel = (1..=extra).map(|ch| GaugeSpec {
            slot: Self::channel_slot(ch),
            name: format!("queue_job_running[{}]", channels.get(ch).full_name),
            label: format!("jobs running on channel {}", channels.get(ch).full_name),
            scope: Scope::JobRunner,
            capacity: channels.get(ch).capacity.map(f64::from),
            hard_limit: true,
        });
        GaugeTable {
            slots: Resource::COUNT + extra,
            gauges: fixed.chain(per_channel).collect(),
        }
    }

    /// Per slot: whether the gauge is present (its bucket series is kept).
    pub fn present_slots(&self) -> Vec<bool> {
        let mut on = vec![false; self.slots];
        for g in &self.gauges {
            on[g.slot] = true;
        }
        on
    }

    /// The capacity of resource `r`: `None` when the scenario lacks it or it is unbounded.
    pub fn capacity(&self, r: Resource) -> Option<f64> {
        let slot = r as usize;
        self.gauges
            .iter()
            .find(|g| g.slot == slot)
            .and_then(|g| g.capacity)
    }

    /// The slot of channel `ch`'s running-jobs gauge (`ch` ≥ 1: root's is
    /// [`Resource::JobsRunning`]).
    pub fn channel_slot(ch: usize) -> usize {
        Resource::COUNT + ch - 1
    }
}

/// Gauges after the fixed resources: the running jobs of each queue_job channel below
/// root, when the scenario has jobs.
fn channel_gauges(model: &Model) -> usize {
    if has(model, |c| c.job.is_some()) {
        model.odoo.queue_job_channels.len() - 1
    } else {
        0
    }
}

fn has(model: &Model, f: fn(&WorkloadClass) -> bool) -> bool {
    model.classes.iter().any(f)
}

/// Whether the scenario has this resource at all: a resource it lacks (no replica, no
/// websocket class…) is left out of the result, and its per-bucket series is not kept,
/// so memory grows with the horizon only for what is modelled.
fn present(r: Resource, model: &Model) -> bool {
    let pg = &model.postgres;
    match r {
        Resource::PgCoresBusy
        | Resource::PgActiveQueries
        | Resource::PgConnections
        | Resource::VolumeIops
        | Resource::ReplicaCoresBusy
        | Resource::ReplicaActiveQueries
        | Resource::ReplicaConnections
        | Resource::ReplicaVolumeIops => r.server_gauge().is_some_and(|(db, what)| {
            pg.server(db)
                .is_some_and(|s| what != ServerGauge::VolumeIops || s.volume.is_some())
        }),
        Resource::OdooWorkersBusy | Resource::Backlog | Resource::WorkersRespawning => true,
        Resource::PodCpuBusy => model.odoo.cpu_millicores.is_some(),
        Resource::CronWorkersBusy => has(model, |c| c.cron.is_some()),
        Resource::RedisMemory => model.redis.is_some(),
        Resource::PgBouncerServerConns | Resource::PgBouncerWaiting => pg.pgbouncer.is_some(),
        Resource::JobsPending | Resource::JobsRunning | Resource::JobOldestAge => {
            has(model, |c| c.job.is_some())
        }
        Resource::WebsocketConnections | Resource::EventedCpuBusy | Resource::EventedCursors => {
            has(model, |c| c.websocket.is_some())
        }
        Resource::ReplicationLag => pg.replica.is_some(),
        Resource::RedisCacheResident | Resource::RedisCacheHitRatio => {
            model.redis.as_ref().is_some_and(|r| r.cache.is_some())
        }
    }
}

/// The capacity of a present resource.
fn capacity(r: Resource, model: &Model) -> Option<f64> {
    let o = &model.odoo;
    let p = &model.postgres;
    match r {
        Resource::PgCoresBusy
        | Resource::PgActiveQueries
        | Resource::PgConnections
        | Resource::VolumeIops
        | Resource::ReplicaCoresBusy
        | Resource::ReplicaActiveQueries
        | Resource::ReplicaConnections
        | Resource::ReplicaVolumeIops => {
            let (db, what) = r.server_gauge()?;
            let s = p.server(db)?;
            match what {
                ServerGauge::CoresBusy => Some(f64::from(s.cores)),
                // Connection slots Odoo may use: the reserved ones are the superuser's.
                ServerGauge::Connections => Some(f64::from(
                    s.max_connections.saturating_sub(s.superuser_reserved),
                )),
                ServerGauge::VolumeIops => s.volume.map(|v| v.iops),
                ServerGauge::ActiveQueries => None,
            }
        }
        Resource::OdooWorkersBusy => Some(f64::from(o.pods * o.workers)),
        Resource::Backlog => Some(f64::from(o.pods * o.listen_backlog)),
        // Cores: pods × the CPU limit (a shared rate, not a pool of slots).
        Resource::PodCpuBusy => o
            .cpu_millicores
            .map(|m| super::podcpu::cores(u64::from(o.pods) * u64::from(m))),
        Resource::CronWorkersBusy => Some(f64::from(o.pods * o.max_cron_threads)),
        Resource::PgBouncerServerConns => p.pgbouncer.map(|b| f64::from(b.default_pool_size)),
        Resource::RedisMemory => model
            .redis
            .as_ref()
            .map(|r| r.maxmemory_bytes as f64 / (1024.0 * 1024.0)),
        Resource::JobsRunning => o.queue_job_channels.get(0).capacity.map(f64::from),
        // The connections at which the evented workers restart (their soft memory limit).
        Resource::WebsocketConnections => {
            Some(f64::from(o.pods) * super::evented::connections_per_pod(o))
        }
        Resource::EventedCpuBusy => Some(f64::from(o.pods)),
        Resource::EventedCursors => Some(f64::from(o.pods * o.db_maxconn_gevent)),
        Resource::JobsPending
        | Resource::JobOldestAge
        | Resource::WorkersRespawning
        | Resource::PgBouncerWaiting
        | Resource::ReplicationLag => None,
        // No capacity: a fully resident cache, or a hit ratio near 1, is health, not
        // saturation (they would otherwise count for the bottleneck verdict). The
        // memory they share with the sessions is `redis_memory_mib`'s.
        Resource::RedisCacheResident | Resource::RedisCacheHitRatio => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use std::path::Path;

    fn model(postgres: &str) -> Model {
        let yaml = format!(
            "version: 1\nname: g\nhorizon: {{start: 2026-11-23T09:00, timezone: UTC, duration: 1h}}\n\
             workloads:\n  a:\n    rate: 1/s\n    odoo_cpu: {{dist: constant, value: 10ms}}\n\
             estate:\n  odoo: {{pods: 2, workers: 3}}\n  postgres: {postgres}\n"
        );
        load_str(&yaml, "g.yaml", Path::new(".")).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn each_server_states_its_gauges_once() {
        let m = model(
            "{cores: 8, max_connections: 300, volume: {iops: 3000, io_latency: 1ms}, \
             replica: {cores: 2, max_connections: 50}}",
        );
        let t = GaugeTable::of(&m);
        assert_eq!(t.capacity(Resource::OdooWorkersBusy), Some(6.0));
        assert_eq!(t.capacity(Resource::PgCoresBusy), Some(8.0));
        assert_eq!(
            t.capacity(Resource::PgConnections),
            Some(297.0),
            "3 reserved"
        );
        assert_eq!(t.capacity(Resource::VolumeIops), Some(3000.0));
        assert_eq!(t.capacity(Resource::ReplicaCoresBusy), Some(2.0));
        assert_eq!(t.capacity(Resource::ReplicaConnections), Some(47.0));
        // The replica inherits the primary's volume spec.
        assert_eq!(t.capacity(Resource::ReplicaVolumeIops), Some(3000.0));
        let scopes: Vec<&str> = t.gauges.iter().map(|g| g.scope.id()).collect();
        assert!(scopes.contains(&"db_server:primary") && scopes.contains(&"db_server:replica"));
        let replica = t
            .gauges
            .iter()
            .find(|g| g.name == "replica_connections")
            .unwrap();
        assert_eq!(replica.scope.id(), "db_server:replica");
        for db in Db::ALL {
            for r in Resource::of_server(db) {
                assert_eq!(r.scope(), Scope::DbServer(db), "{r:?}");
                assert_eq!(r.server_gauge().map(|g| g.0), Some(db), "{r:?}");
            }
        }
        // Pools of slots are hard limits; cores and IOPS are shared rates.
        assert!(Resource::PgConnections.hard_limit() && Resource::OdooWorkersBusy.hard_limit());
        assert!(!Resource::PgCoresBusy.hard_limit() && !Resource::ReplicaVolumeIops.hard_limit());
    }

    #[test]
    fn the_pods_cpu_is_a_shared_rate_of_pods_times_cpu() {
        let yaml = |cpu: &str| {
            format!(
                "version: 1\nname: g\nhorizon: {{start: 2026-11-23T09:00, timezone: UTC, duration: 1h}}\n\
                 workloads:\n  a:\n    rate: 1/s\n    odoo_cpu: {{dist: constant, value: 10ms}}\n\
                 estate:\n  odoo: {{pods: 3, workers: 4{cpu}}}\n  postgres: {{cores: 2}}\n"
            )
        };
        let load = |cpu: &str| {
            load_str(&yaml(cpu), "g.yaml", Path::new(".")).unwrap_or_else(|d| panic!("{d}"))
        };
        let t = GaugeTable::of(&load(", cpu: 1500m"));
        assert_eq!(t.capacity(Resource::PodCpuBusy), Some(4.5));
        let g = t.gauges.iter().find(|g| g.name == "pod_cpu_busy").unwrap();
        assert_eq!(g.scope, Scope::Deployment);
        assert!(!g.hard_limit, "cores are a shared rate");
        let none = GaugeTable::of(&load(""));
        assert!(none.gauges.iter().all(|g| g.name != "pod_cpu_busy"));
    }

    #[test]
    fn a_server_the_estate_lacks_has_no_gauges() {
        let t = GaugeTable::of(&model("{cores: 2}"));
        let names: Vec<&str> = t.gauges.iter().map(|g| g.name.as_str()).collect();
        assert!(names.contains(&"pg_cores_busy"));
        for absent in [
            "volume_iops",
            "replica_cores_busy",
            "replica_connections",
            "replication_lag_s",
        ] {
            assert!(!names.contains(&absent), "{absent} in {names:?}");
        }
    }
}

//! The search space of `peakplan size`: knobs (a scenario setting and its values, in
//! increasing order) and the unit prices configurations are ranked by. Validated from a
//! scenario's `sizing:` block (`scenario/validate/sizing.rs`); a candidate configuration
//! is one value index per knob, applied to the scenario before validation.

/// A setting of the estate `peakplan size` may vary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Knob {
    /// `estate.odoo.pods`.
    Pods,
    /// `estate.odoo.workers` (HTTP workers per pod).
    Workers,
    /// `estate.odoo.cpu` (the pod's CPU limit).
    PodCpu,
    /// `estate.odoo.max_cron_threads`.
    CronThreads,
    /// `estate.odoo.db_maxconn`.
    DbMaxconn,
    /// `estate.odoo.queue_job_channels.NAME`: one channel's capacity.
    Channel(String),
    /// `estate.postgres.cores`.
    PgCores,
    /// `estate.postgres.max_connections`.
    PgMaxConnections,
    /// `estate.postgres.pgbouncer.default_pool_size`.
    PoolSize,
    /// `estate.postgres.volume.iops`.
    Iops,
    /// `estate.postgres.replica.cores`.
    ReplicaCores,
    /// `estate.redis.maxmemory`.
    RedisMaxmemory,
}

impl Knob {
    /// The knob's scenario path.
    pub fn path(&self) -> String {
        match self {
            Knob::Channel(name) => format!("estate.odoo.queue_job_channels.{name}"),
            k => k.fixed_path().to_owned(),
        }
    }

    fn fixed_path(&self) -> &'static str {
        match self {
            Knob::Pods => "estate.odoo.pods",
            Knob::Workers => "estate.odoo.workers",
            Knob::PodCpu => "estate.odoo.cpu",
            Knob::CronThreads => "estate.odoo.max_cron_threads",
            Knob::DbMaxconn => "estate.odoo.db_maxconn",
            Knob::Channel(_) => "estate.odoo.queue_job_channels",
            Knob::PgCores => "estate.postgres.cores",
            Knob::PgMaxConnections => "estate.postgres.max_connections",
            Knob::PoolSize => "estate.postgres.pgbouncer.default_pool_size",
            Knob::Iops => "estate.postgres.volume.iops",
            Knob::ReplicaCores => "estate.postgres.replica.cores",
            Knob::RedisMaxmemory => "estate.redis.maxmemory",
        }
    }

    /// The knob a written path names (`None`: not a knob).
    pub fn parse(path: &str) -> Option<Knob> {
        let path = path.trim();
        match path.strip_prefix("estate.odoo.queue_job_channels.") {
            Some(name) => Some(Knob::Channel(channel_full_name(name))),
            None => Knob::FIXED.iter().find(|k| k.path() == path).cloned(),
        }
    }

    /// Every knob with a fixed path (channels are `…queue_job_channels.NAME`).
    pub const FIXED: [Knob; 11] = [
        Knob::Pods,
        Knob::Workers,
        Knob::PodCpu,
        Knob::CronThreads,
        Knob::DbMaxconn,
        Knob::PgCores,
        Knob::PgMaxConnections,
        Knob::PoolSize,
        Knob::Iops,
        Knob::ReplicaCores,
        Knob::RedisMaxmemory,
    ];

    /// Every path a user may write (a channel's with `NAME`).
    pub fn all_paths() -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Knob::FIXED.iter().map(Knob::fixed_path).collect();
        v.push("estate.odoo.queue_job_channels.NAME");
        v
    }

    /// How a value is written: whole numbers, cores (`1500m`), sizes (`2GiB`), IOPS.
    pub fn kind(&self) -> ValueKind {
        match self {
            Knob::PodCpu => ValueKind::Cpu,
            Knob::RedisMaxmemory => ValueKind::Size,
            Knob::Iops => ValueKind::Real,
            _ => ValueKind::Whole,
        }
    }

    /// The resource a knob's value is priced by, if any.
    pub fn priced_by(&self) -> Option<&'static str> {
        match self {
            Knob::Pods | Knob::Workers | Knob::PodCpu | Knob::CronThreads => Some("pod_vcpu"),
            Knob::PgCores | Knob::ReplicaCores => Some("postgres_core"),
            Knob::Iops => Some("iops_1000"),
            Knob::RedisMaxmemory => Some("redis_gib"),
            _ => None,
        }
    }
}

/// How a knob's values are written and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number ≥ 0.
    Whole,
    /// Cores as Kubernetes writes them (`2`, `1500m`); the number is in cores.
    Cpu,
    /// A size (`2GiB`); the number is in GiB.
    Size,
    /// A number > 0.
    Real,
}

/// One value of a knob: as it goes into the scenario, and as a number (whole, cores,
/// GiB or IOPS) for order and cost.
#[derive(Clone, Debug, PartialEq)]
pub struct KnobValue {
    pub text: String,
    pub number: f64,
}

/// A knob and its values, strictly increasing.
#[derive(Clone, Debug)]
pub struct KnobSpec {
    pub knob: Knob,
    pub values: Vec<KnobValue>,
}

/// Unit prices per month.
#[derive(Clone, Debug, PartialEq)]
pub struct Prices {
    pub currency: String,
    pub pod_vcpu: Option<f64>,
    pub postgres_core: Option<f64>,
    pub iops_1000: Option<f64>,
    pub redis_gib: Option<f64>,
}

/// A scenario's `sizing:` block, validated.
#[derive(Clone, Debug)]
pub struct Sizing {
    pub knobs: Vec<KnobSpec>,
    pub prices: Option<Prices>,
    /// Replications each configuration starts with (`None`: the run's).
    pub replications: Option<u32>,
    /// Cap of sequential stopping (`None`: twice the starting replications).
    pub max_replications: Option<u32>,
}

/// A candidate configuration: one value per knob, as (knob, value).
pub type Overrides = Vec<(Knob, KnobValue)>;

/// `sub` → `root.sub`, as queue_job names channels (`root` stays `root`).
pub fn channel_full_name(name: &str) -> String {
    let name = name.trim();
    if name == "root" || name.starts_with("root.") {
        name.to_owned()
    } else {
        format!("root.{name}")
    }
}

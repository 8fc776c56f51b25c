//! What the event loop asks about a class on every request, worked out once per
//! replication.
//!
//! A plain request (CPU time on a worker, nothing else) used to pay for every feature of
//! the estate on each event: matching distributions against zero, summing call lists,
//! checking sessions, spawns and populations. Profiles of the M/M/8 bench showed those
//! checks as a large share of the work per event; here they are one flag each.

use crate::model::{Dist, Model};

#[derive(Clone, Copy, Debug)]
pub struct ClassFacts {
    /// Every arrival brings exactly one request (`batch_size` is the constant 1).
    pub single_arrivals: bool,
    /// Arrivals open websocket connections instead of sending requests.
    pub websocket: bool,
    /// A try draws a number of queries (`queries` is not the constant 0).
    pub queries: bool,
    /// A try makes Redis cache lookups (the class has some and Redis is modelled).
    pub cache_lookups: bool,
    /// A request grows its worker's memory (`memory_growth_mib` is not the constant 0).
    pub memory_growth: bool,
    /// The class locks rows or calls out: a try has several phases.
    pub locks_or_calls: bool,
    /// A try is one Odoo CPU phase and nothing else: no queries, no cache lookups, no
    /// row locks, no external calls, no writes.
    pub cpu_only: bool,
    /// A calendar event changes the demand of the class's requests (`demand:`).
    pub demand_changes: bool,
    /// External calls per try, over all the class's integrations.
    pub calls: u32,
    /// A completed request may create a session (`new_session_ratio > 0`, Redis modelled).
    pub new_sessions: bool,
    /// A completed request spawns queue_job jobs.
    pub spawns: bool,
    /// A closed class: its users think again after each answer.
    pub closed: bool,
    /// Its requests run on the read replica (`readonly`, a replica configured).
    pub on_replica: bool,
    /// A request writes on the primary: it commits through a WAL flush (`commit.rs`).
    pub writes: bool,
    /// Its clients give up after a timeout (`client:`).
    pub client: bool,
    /// Odoo CPU seconds one request may compute (`limit_time_cpu`); infinite when
    /// unlimited, and for websocket messages: the evented server sets no `RLIMIT_CPU`.
    pub cpu_limit_s: f64,
}

impl ClassFacts {
    /// The facts of every class of `model`, in class order.
    pub fn all(model: &Model) -> Vec<ClassFacts> {
        let redis = model.redis.is_some();
        let cpu_limit_s = model
            .odoo
            .limit_time_cpu
            .map_or(f64::INFINITY, |t| t.as_secs_f64());
        model
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let queries = !c.queries.is_zero();
                let cache_lookups = !c.cache_lookups.is_zero() && redis;
                let locks_or_calls = !c.locks.is_empty() || !c.calls.is_empty();
                let writes = c.writes.is_some() && model.postgres.primary.volume.is_some();
                ClassFacts {
                    single_arrivals: matches!(c.batch_size, Dist::Constant(v) if v == 1.0),
                    websocket: c.websocket.is_some(),
                    queries,
                    cache_lookups,
                    memory_growth: !c.memory_growth_mib.is_zero(),
                    locks_or_calls,
                    cpu_only: !queries && !cache_lookups && !locks_or_calls && !writes,
                    demand_changes: model.calendar.changes_demand(i)
                        || super::timeline::slows(model, i),
                    calls: c.calls.iter().map(|u| u.calls).sum(),
                    new_sessions: c.new_session_ratio > 0.0 && redis,
                    spawns: !c.spawns.is_empty(),
                    closed: c.population.is_some(),
                    on_replica: c.readonly && model.postgres.replica.is_some(),
                    writes,
                    client: c.client.is_some(),
                    cpu_limit_s: match c.websocket {
                        Some(_) => f64::INFINITY,
                        None => cpu_limit_s,
                    },
                }
            })
            .collect()
    }
}

//! Checks on the assembled model that the simulation would otherwise fail at run time:
//! the connections the background workers open at t = 0, and the working memory one
//! replication may need. Both read the simulation's own rule (`sim::background_connections`,
//! the `pg_connections` capacity from the gauge table, `sim::WorkingMemory`), so validation
//! and the run can never disagree.

use super::super::located::Pos;
use super::super::raw;
use super::Ctx;
use crate::model::Model;
use crate::sim::{GaugeTable, Resource, WorkingMemory, background_connections};

/// Most Traefik rate-limit buckets a replication keeps: Σ over rate-limited classes of
/// `sources × estate.ingress.replicas` (about 32 MB of buckets).
pub const MAX_RATE_LIMIT_BUCKETS: u64 = 1_000_000;

/// Largest working memory one replication may be estimated to need. Replications run
/// `--threads` at a time, each with its own.
pub const MAX_WORKING_MEMORY: u64 = 2 << 30;

/// Where `estate.odoo` and `estate.postgres` keys were written (the section when a key
/// was not).
fn odoo_pos(s: &raw::Scenario, key: fn(&raw::Odoo) -> Option<Pos>) -> Pos {
    let odoo = s.estate.as_ref().and_then(|e| e.value.odoo.as_ref());
    odoo.and_then(|o| key(&o.value).or(Some(o.pos)))
        .unwrap_or_default()
}

/// The cron and evented workers connect at start-up: more than PostgreSQL allows stops
/// every replication at t = 0.
pub fn background_connections_fit(cx: &mut Ctx, s: &raw::Scenario, m: &Model) {
    let needed = background_connections(&m.odoo);
    let usable = GaugeTable::of(m)
        .capacity(Resource::PgConnections)
        .map_or(0, |c| c as u32);
    if needed <= usable {
        return;
    }
    let o = &m.odoo;
    cx.error(
        odoo_pos(s, |o| o.pods.as_ref().map(|v| v.pos)),
        "estate.odoo.pods",
        format!(
            "the cron and evented workers alone open {needed} PostgreSQL connections at start-up ({} pods × ({} cron threads + {} evented worker)), more than the {usable} usable (max_connections {} − superuser_reserved_connections {})",
            o.pods,
            o.max_cron_threads,
            u32::from(o.evented_worker),
            m.postgres.primary.max_connections,
            m.postgres.primary.superuser_reserved
        ),
        Some("raise estate.postgres.max_connections, or lower pods or max_cron_threads (each pod's cron threads and evented worker keep a connection open); the run would stop at t = 0".into()),
    );
}

/// The worker processes, request table, event queue and bucket series of one
/// replication must fit in [`MAX_WORKING_MEMORY`].
pub fn working_memory_fits(cx: &mut Ctx, s: &raw::Scenario, m: &Model) {
    let w = WorkingMemory::of(m);
    let total = w.total();
    if total <= MAX_WORKING_MEMORY {
        return;
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let parts = [
        (w.workers, "estate.odoo.pods", "worker processes"),
        (w.requests, "run.max_in_flight", "requests in flight"),
        (w.events, "run.max_in_flight", "pending events"),
        (w.buckets, "stats.fine_bucket", "bucket series"),
    ];
    let largest = parts.iter().max_by_key(|p| p.0).expect("four parts");
    let pos = match largest.1 {
        "estate.odoo.pods" => odoo_pos(s, |o| o.workers.as_ref().map(|v| v.pos)),
        "run.max_in_flight" => s
            .run
            .as_ref()
            .map(|r| r.value.max_in_flight.as_ref().map_or(r.pos, |v| v.pos))
            .unwrap_or_default(),
        _ => s.stats.as_ref().map(|v| v.pos).unwrap_or_default(),
    };
    let path = if largest.1 == "estate.odoo.pods" {
        "estate.odoo.workers"
    } else {
        largest.1
    };
    cx.error(
        pos,
        path,
        format!(
            "one replication would need about {:.0} MiB of working memory ({:.0} MiB {}: {} pods × {} workers; {:.0} MiB requests in flight, {:.0} MiB pending events, {:.0} MiB bucket series); the limit is {:.0} MiB",
            mib(total),
            mib(w.workers),
            parts[0].2,
            m.odoo.pods,
            m.odoo.workers,
            mib(w.requests),
            mib(w.events),
            mib(w.buckets),
            mib(MAX_WORKING_MEMORY)
        ),
        Some(match largest.1 {
            "estate.odoo.pods" => "model one representative pod group: fewer pods or workers (a 10,000-pod estate is many estates), or check for a typo".into(),
            "run.max_in_flight" => "lower run.max_in_flight: the request table and the event queue are sized by it".into(),
            _ => "widen stats.fine_bucket / coarse_bucket or shorten the horizon".into(),
        }),
    );
}

/// Every source of every rate-limited route has a bucket in every Traefik replica: their
/// number must stay within [`MAX_RATE_LIMIT_BUCKETS`].
pub fn rate_limit_buckets_fit(cx: &mut Ctx, s: &raw::Scenario, m: &Model) {
    let replicas = u64::from(m.ingress.replicas);
    let per_class = |c: &crate::model::WorkloadClass| {
        c.rate_limit.map_or(0, |r| u64::from(r.sources) * replicas)
    };
    let total: u64 = m.classes.iter().map(per_class).sum();
    if total <= MAX_RATE_LIMIT_BUCKETS {
        return;
    }
    let largest = m
        .classes
        .iter()
        .max_by_key(|c| per_class(c))
        .expect("a class");
    let pos = s
        .workloads
        .as_ref()
        .and_then(|w| w.value.0.iter().find(|(k, _)| k.value == largest.name))
        .and_then(|(_, v)| v.value.rate_limit.as_ref())
        .map(|r| r.value.sources.as_ref().map_or(r.pos, |v| v.pos))
        .unwrap_or_default();
    cx.error(
        pos,
        &format!("workloads.{}.rate_limit.sources", largest.name),
        format!(
            "{total} rate-limit buckets (each rate-limited class's sources × {replicas} Traefik replicas); the limit is {MAX_RATE_LIMIT_BUCKETS}"
        ),
        Some("fewer sources change little once each source sends less than its bucket's rate: lower `sources` (or estate.ingress.replicas)".into()),
    );
}

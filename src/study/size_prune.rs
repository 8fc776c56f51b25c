//! Configurations `peakplan size` need not simulate because they provably cannot hold:
//! a station whose offered work, averaged over the whole horizon, is at least its
//! capacity. Each rule is a lower bound on the work offered and an upper bound on the
//! capacity, so it can only under-prune:
//!
//! - the work counted is the open classes' (rate × calendar, integrated over the horizon;
//!   batches at their mean), at their mean demand; closed, cron, job and websocket
//!   classes, classes whose demand an event changes, cache misses, retries, I/O waits
//!   and lock waits are left out — each only adds work;
//! - HTTP workers: a request holds its worker at least for its Odoo CPU time plus its
//!   queries' PostgreSQL time; capacity = pods × workers;
//! - pod CPU (with a `cpu` limit): a request needs its Odoo CPU time on its pod's cores;
//!   capacity = pods × cpu;
//! - PostgreSQL CPU: queries × time per query on the primary (read-only classes left out
//!   when a replica may serve them); capacity = the primary's cores.
//!
//! At offered load ≥ capacity over the whole horizon, the station cannot finish the work
//! that arrives: its backlog grows through the run (a queue at ρ ≥ 1 has no steady
//! state), so requests through it wait longer and longer and latency, "over" and error
//! objectives on them break. Validation already refuses what does not fit (connections
//! at start-up, working memory); those candidates are "refused", not pruned.

use crate::model::Model;

/// Why `m` cannot hold (the first saturated station and its utilisation), if it cannot.
pub fn cannot_hold(m: &Model) -> Option<String> {
    let horizon_s = m.horizon.duration.as_secs_f64();
    if horizon_s <= 0.0 {
        return None;
    }
    let (mut worker_s, mut cpu_s, mut db_s) = (0.0, 0.0, 0.0);
    for (i, c) in m.classes.iter().enumerate() {
        let open = c.population.is_none()
            && c.fixed_times.is_none()
            && c.cron.is_none()
            && c.job.is_none()
            && c.websocket.is_none()
            && !m.calendar.changes_demand(i);
        if !open {
            continue;
        }
        let arrivals: f64 = m
            .calendar
            .segments(i, c.base_rate_per_s)
            .iter()
            .map(|s| s.integral())
            .sum::<f64>()
            * c.batch_size.mean().max(1.0);
        let query_s = c.queries.mean() * c.db_time_per_query_s.mean();
        let on_replica = c.readonly && m.postgres.replica.is_some();
        worker_s += arrivals * (c.odoo_cpu_s.mean() + query_s);
        cpu_s += arrivals * c.odoo_cpu_s.mean();
        if !on_replica {
            db_s += arrivals * query_s;
        }
    }
    let o = &m.odoo;
    let pods = f64::from(o.pods);
    let stations = [
        ("HTTP workers", worker_s, pods * f64::from(o.workers)),
        (
            "pod CPU",
            cpu_s,
            o.cpu_millicores
                .map_or(f64::INFINITY, |c| pods * f64::from(c) / 1000.0),
        ),
        ("PostgreSQL CPU", db_s, f64::from(m.postgres.primary.cores)),
    ];
    stations
        .into_iter()
        .map(|(name, work_s, capacity)| (name, work_s / (capacity * horizon_s)))
        .find(|(_, rho)| *rho >= 1.0)
        .map(|(name, rho)| {
            format!("{name}: offered load over the horizon is {rho:.2} × capacity (≥ 1)")
        })
}

//! What a configuration costs: its resource footprint read from the validated model, and
//! the price of it when `sizing.prices` gives unit prices. Nothing here invents a price:
//! without prices configurations rank by footprint — total vCPU (pod vCPU + PostgreSQL
//! cores), then memory — and a knob that changes no priced resource (`db_maxconn`,
//! `max_connections`, a pool size, a channel's capacity) ranks by its own value, smaller
//! first.

use crate::model::Model;
use crate::model::sizing::Prices;
use serde::Serialize;
use std::cmp::Ordering;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The resources a configuration provisions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Footprint {
    /// vCPU of the Odoo pods: pods × `cpu`, or without a CPU limit pods × processes per
    /// pod (the model then gives each process a core).
    pub pod_vcpu: f64,
    /// The pods' Odoo processes at their fresh resident size (`worker_base_memory`), GiB.
    pub pod_memory_gib: f64,
    /// PostgreSQL cores, the primary's and the replica's.
    pub postgres_cores: f64,
    /// PostgreSQL memory as stated (`estate.postgres.memory`, the replica's), GiB.
    pub postgres_memory_gib: f64,
    /// Provisioned IOPS of the PostgreSQL volumes.
    pub iops: f64,
    /// Redis `maxmemory`, GiB.
    pub redis_gib: f64,
}

impl Footprint {
    pub fn of(m: &Model) -> Footprint {
        let o = &m.odoo;
        let pods = f64::from(o.pods);
        let processes = f64::from(m.processes_per_pod());
        let per_pod = o
            .cpu_millicores
            .map_or(processes, |c| f64::from(c) / 1000.0);
        let servers: Vec<_> = [
            Some(&m.postgres.primary),
            m.postgres.replica.as_ref().map(|r| &r.server),
        ]
        .into_iter()
        .flatten()
        .collect();
        Footprint {
            pod_vcpu: pods * per_pod,
            pod_memory_gib: pods * processes * o.worker_base_memory_mib / 1024.0,
            postgres_cores: servers.iter().map(|s| f64::from(s.cores)).sum(),
            postgres_memory_gib: servers
                .iter()
                .filter_map(|s| s.memory_bytes)
                .map(|b| b as f64 / GIB)
                .sum(),
            iops: servers
                .iter()
                .filter_map(|s| s.volume.as_ref())
                .map(|v| v.iops)
                .sum(),
            redis_gib: m
                .redis
                .as_ref()
                .map_or(0.0, |r| r.maxmemory_bytes as f64 / GIB),
        }
    }

    /// Total vCPU: the pods' and PostgreSQL's.
    pub fn vcpu(&self) -> f64 {
        self.pod_vcpu + self.postgres_cores
    }

    /// Memory: the pods' processes, PostgreSQL's and Redis's.
    pub fn memory_gib(&self) -> f64 {
        self.pod_memory_gib + self.postgres_memory_gib + self.redis_gib
    }

    /// The monthly price: Σ unit price × quantity over the priced resources.
    pub fn price(&self, p: &Prices) -> f64 {
        p.pod_vcpu.unwrap_or(0.0) * self.pod_vcpu
            + p.postgres_core.unwrap_or(0.0) * self.postgres_cores
            + p.iops_1000.unwrap_or(0.0) * self.iops / 1000.0
            + p.redis_gib.unwrap_or(0.0) * self.redis_gib
    }
}

/// A configuration's cost and the key it ranks by.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cost {
    /// Price per month (`None`: no prices given).
    pub per_month: Option<f64>,
    pub vcpu: f64,
    pub memory_gib: f64,
    pub footprint: Footprint,
}

impl Cost {
    pub fn of(m: &Model, prices: Option<&Prices>) -> Cost {
        let footprint = Footprint::of(m);
        Cost {
            per_month: prices.map(|p| footprint.price(p)),
            vcpu: footprint.vcpu(),
            memory_gib: footprint.memory_gib(),
            footprint,
        }
    }

    /// Cheaper first: price (when given), then vCPU, then memory.
    pub fn cheaper(&self, other: &Cost) -> Ordering {
        let price = |c: &Cost| c.per_month.unwrap_or(0.0);
        price(self)
            .total_cmp(&price(other))
            .then(self.vcpu.total_cmp(&other.vcpu))
            .then(self.memory_gib.total_cmp(&other.memory_gib))
    }
}

/// How costs are computed, in words (for the report and size.json).
pub fn basis(prices: Option<&Prices>) -> String {
    match prices {
        Some(p) => format!(
            "price per month in {}: pod vCPU × {}, PostgreSQL cores × {}, IOPS/1000 × {}, Redis GiB × {}; ties by vCPU, then memory, then the smaller settings",
            p.currency,
            shown(p.pod_vcpu),
            shown(p.postgres_core),
            shown(p.iops_1000),
            shown(p.redis_gib)
        ),
        None => "no prices: footprint — total vCPU (pods' vCPU + PostgreSQL cores), then memory (Odoo processes' base resident size + PostgreSQL memory + Redis maxmemory), then the smaller settings".into(),
    }
}

fn shown(x: Option<f64>) -> String {
    x.map_or_else(|| "— (not priced)".into(), |v| format!("{v}"))
}

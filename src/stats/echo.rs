//! The configuration a result echoes: what decides capacity, read from the validated
//! model, with every total (workers over all pods, usable connections, `maxmemory`) taken
//! from the gauge table rather than worked out again here.

use crate::model::{
    Change, Db, Effect, EvictionPolicy, HitBasis, Model, Part, PoolMode, RateLimit, SimTime, Volume,
};
use crate::result::{
    ChangeConfig, ChannelConfig, ClassMultiplier, ClassRateLimit, Configuration, EventConfig,
    HitRatioBasis, IngressConfig, IntegrationConfig, OdooConfig, PgBouncerConfig, PostgresConfig,
    RateLimitConfig, RedisCacheConfig, RedisConfig, ReplicaConfig, VolumeConfig, Window,
    WritePathConfig,
};
use crate::sim::{GaugeTable, Resource};

const MIB: f64 = 1024.0 * 1024.0;

fn hit_basis(b: HitBasis) -> Option<HitRatioBasis> {
    match b {
        HitBasis::WorkingSet {
            cache_bytes,
            working_set_bytes,
            skew,
        } => Some(HitRatioBasis {
            cache_mib: cache_bytes as f64 / MIB,
            working_set_mib: working_set_bytes as f64 / MIB,
            access_skew: skew,
        }),
        HitBasis::Given | HitBasis::Default => None,
    }
}

fn volume(v: Option<Volume>) -> Option<VolumeConfig> {
    v.map(|v| VolumeConfig {
        iops: v.iops,
        io_latency_s: v.io_latency.as_secs_f64(),
    })
}

fn rate_limit(r: &RateLimit) -> RateLimitConfig {
    RateLimitConfig {
        rate_per_s: r.rate_per_s,
        burst: r.burst,
    }
}

/// The configuration of `model`.
pub fn configuration(model: &Model) -> Configuration {
    let gauges = GaugeTable::of(model);
    let cap = |r: Resource| gauges.capacity(r);
    let o = &model.odoo;
    let p = &model.postgres;
    let local = |t: SimTime| model.horizon.local_time(t);
    let has_jobs = model.classes.iter().any(|c| c.job.is_some());
    Configuration {
        odoo: OdooConfig {
            pods: o.pods,
            http_workers_per_pod: o.workers,
            cpu_per_pod: o.cpu_millicores.map(|m| f64::from(m) / 1000.0),
            pod_cpu: cap(Resource::PodCpuBusy),
            http_workers: cap(Resource::OdooWorkersBusy),
            cron_workers_per_pod: o.max_cron_threads,
            cron_workers: cap(Resource::CronWorkersBusy),
            listen_backlog_per_pod: o.listen_backlog,
            listen_backlog: cap(Resource::Backlog),
            db_maxconn: o.db_maxconn,
            evented_worker: o.evented_worker,
            db_maxconn_gevent: o.db_maxconn_gevent,
            websocket_connections: cap(Resource::WebsocketConnections),
            limit_time_real_s: o.limit_time_real.map(SimTime::as_secs_f64),
            limit_time_cpu_s: o.limit_time_cpu.map(SimTime::as_secs_f64),
            limit_memory_soft_mib: o.limit_memory_soft_mib,
            limit_memory_hard_mib: o.limit_memory_hard_mib,
            limit_memory_soft_gevent_mib: o.limit_memory_soft_gevent_mib,
            limit_request: o.limit_request,
            worker_base_memory_mib: o.worker_base_memory_mib,
        },
        postgres: PostgresConfig {
            cores: p.primary.cores,
            max_connections: p.primary.max_connections,
            reserved_connections: p.primary.superuser_reserved,
            usable_connections: cap(Resource::PgConnections),
            buffer_hit_ratio: p.primary.buffer_hit_ratio,
            hit_ratio_from: hit_basis(p.primary.hit_basis),
            volume: volume(p.primary.volume),
            write_path: model.has_writes().then_some(WritePathConfig {
                commit_round_trip_s: p.write_path.commit_round_trip.as_secs_f64(),
                checkpoint_timeout_s: p.write_path.checkpoint_timeout.as_secs_f64(),
                checkpoint_completion_target: p.write_path.checkpoint_completion_target,
                dirty_pages_per_row: p.write_path.dirty_pages_per_row,
            }),
        },
        pgbouncer: p.pgbouncer.map(|b| PgBouncerConfig {
            pool_mode: match b.mode {
                PoolMode::Session => "session",
                PoolMode::Transaction => "transaction",
            }
            .to_string(),
            default_pool_size: b.default_pool_size,
            max_client_conn: b.max_client_conn,
            query_wait_timeout_s: b.query_wait_timeout.as_secs_f64(),
        }),
        replica: p.replica.map(|r| ReplicaConfig {
            cores: r.server.cores,
            max_connections: r.server.max_connections,
            reserved_connections: r.server.superuser_reserved,
            usable_connections: cap(Resource::ReplicaConnections),
            buffer_hit_ratio: r.server.buffer_hit_ratio,
            hit_ratio_from: hit_basis(r.server.hit_basis),
            volume: volume(r.server.volume),
            replay_ratio: r.replay_ratio,
            apply_delay_s: r.apply_delay.as_secs_f64(),
        }),
        redis: model.redis.as_ref().map(|r| RedisConfig {
            maxmemory_mib: cap(Resource::RedisMemory),
            policy: match r.policy {
                EvictionPolicy::NoEviction => "noeviction",
                EvictionPolicy::Volatile => "volatile-*",
                EvictionPolicy::AllKeys => "allkeys-*",
            }
            .to_string(),
            session_bytes: r.session_bytes,
            session_ttl_s: r.session_ttl.as_secs_f64(),
            cache: r.cache.map(|c| RedisCacheConfig {
                working_set_mib: c.working_set_bytes as f64 / MIB,
                entry_bytes: c.entry_bytes,
                hit_ratio: c.hit_ratio,
                ttl: c.ttl,
            }),
        }),
        queue_job_channels: if has_jobs {
            o.queue_job_channels
                .iter()
                .map(|c| ChannelConfig {
                    name: c.full_name.clone(),
                    capacity: c.capacity,
                    sequential: c.sequential,
                    throttle_s: c.throttle.as_secs_f64(),
                })
                .collect()
        } else {
            Vec::new()
        },
        ingress: IngressConfig {
            retry_attempts: model.ingress.retry_attempts,
            rate_limits: model
                .classes
                .iter()
                .filter_map(|c| {
                    c.rate_limit.as_ref().map(|r| ClassRateLimit {
                        class: c.name.clone(),
                        rate_per_s: r.rate_per_s,
                        burst: r.burst,
                    })
                })
                .collect(),
        },
        integrations: model
            .integrations
            .iter()
            .map(|i| IntegrationConfig {
                name: i.name.clone(),
                error_ratio: i.error_ratio,
                timeout_s: i.timeout.as_secs_f64(),
                rate_limit: i.rate_limit.as_ref().map(rate_limit),
                outages: i
                    .outages
                    .iter()
                    .map(|(a, b)| Window {
                        start_local: local(*a),
                        end_local: local(*b),
                    })
                    .collect(),
            })
            .collect(),
        calendar_events: model
            .calendar
            .events
            .iter()
            .map(|e| EventConfig {
                name: e.name.clone(),
                kind: serde_json::to_value(e.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                start_local: local(e.start),
                end_local: local(e.start + e.duration),
                start_s: Some(e.start.as_secs_f64()),
                end_s: Some((e.start + e.duration).as_secs_f64()),
                ramp_up_s: e.ramp_up.as_secs_f64(),
                ramp_down_s: e.ramp_down.as_secs_f64(),
                multipliers: model
                    .classes
                    .iter()
                    .zip(&e.multipliers)
                    .filter(|(_, m)| **m != 1.0)
                    .map(|(c, m)| ClassMultiplier {
                        class: c.name.clone(),
                        multiplier: *m,
                    })
                    .collect(),
            })
            .collect(),
        timeline: model.timeline.iter().map(|c| change(model, c)).collect(),
    }
}

/// One timeline change in words a reader of the result recognises: its action, target
/// and factor as a scenario writes them.
fn change(model: &Model, c: &Change) -> ChangeConfig {
    let db = |db: Db| match db {
        Db::Primary => "postgres",
        Db::Replica => "replica",
    };
    let (action, target, factor, threads) = match c.effect {
        Effect::Outage { integration } => (
            "outage",
            format!("integration.{}", model.integrations[integration].name),
            None,
            None,
        ),
        Effect::Slow { class, factor } => (
            "slow",
            format!("class.{}", model.classes[class].name),
            Some(factor),
            None,
        ),
        Effect::Degrade { db: d, part, share } => {
            let part = match part {
                Part::Cpu => "cpu",
                Part::Volume => "volume",
            };
            ("degrade", format!("{}.{part}", db(d)), Some(share), None)
        }
        Effect::Neighbour { db: d, threads } => (
            "noisy_neighbour",
            format!("{}.cpu", db(d)),
            None,
            Some(threads),
        ),
    };
    ChangeConfig {
        name: c.name.clone(),
        action: action.into(),
        target,
        start_local: model.horizon.local_time(c.start),
        end_local: c.end.map(|e| model.horizon.local_time(e)),
        factor,
        threads,
    }
}

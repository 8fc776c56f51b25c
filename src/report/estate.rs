//! The configuration a result echoes, in words: one (label, text) line per part of the
//! estate and per calendar event, shared by the terminal summary and the PDF's
//! assumptions. Formatting only: every figure is the result's.

use super::numbers::grouped;
use crate::result::{Configuration, HitRatioBasis, VolumeConfig, WritePathConfig};

/// `1,799`, or `12.5` when not whole.
fn count(x: f64) -> String {
    if x == x.trunc() && (0.0..1e18).contains(&x) {
        grouped(x as u64)
    } else {
        format!("{x:.1}")
    }
}

/// `2`, `0.5`, `1.25`: a number of cores as written, without trailing zeros.
fn trimmed(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A duration in the unit that reads best.
pub fn duration(s: f64) -> String {
    match s {
        0.0 => "0".into(),
        s if s < 1.0 => format!("{:.0} ms", s * 1e3),
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

/// " (a 40 GiB working set against 8 GiB of cache)", when the ratio was worked out.
fn hit_basis(b: &Option<HitRatioBasis>) -> String {
    b.as_ref().map_or(String::new(), |b| {
        format!(
            " (working set {} MiB against {} MiB of cache, skew {})",
            count(b.working_set_mib.round()),
            count(b.cache_mib.round()),
            b.access_skew
        )
    })
}

/// "; commits wait for a WAL flush (+ 1 ms standby round trip), checkpoints every 5 min…"
fn write_path(w: &Option<WritePathConfig>) -> String {
    w.as_ref().map_or(String::new(), |w| {
        let standby = if w.commit_round_trip_s > 0.0 {
            format!(" + a {} standby round trip", duration(w.commit_round_trip_s))
        } else {
            String::new()
        };
        format!(
            "; commits wait for a WAL flush{standby}; checkpoints every {} spread over {:.0} % of it, writing back {} page{} per row written",
            duration(w.checkpoint_timeout_s),
            w.checkpoint_completion_target * 100.0,
            w.dirty_pages_per_row,
            if w.dirty_pages_per_row == 1.0 { "" } else { "s" }
        )
    })
}

fn volume(v: &Option<VolumeConfig>) -> String {
    v.as_ref().map_or(String::new(), |v| {
        format!(
            "; volume {} IOPS, {} per I/O",
            count(v.iops),
            duration(v.io_latency_s)
        )
    })
}

/// Per part of the estate: its label and one line saying how it was configured.
pub fn lines(c: &Configuration) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let o = &c.odoo;
    // The totals are the gauge table's capacities; with one pod they say nothing more.
    let total = |x: Option<f64>| {
        x.filter(|_| o.pods > 1)
            .map_or(String::new(), |x| format!(" ({} in all)", count(x)))
    };
    // The CPU limit per pod, when one is modelled.
    let cores = o.cpu_per_pod.map_or(String::new(), |c| {
        let each = if o.pods == 1 { "" } else { " each" };
        let unit = if c == 1.0 { "core" } else { "cores" };
        format!(" on {} {unit}{each}", trimmed(c))
    });
    let mut odoo = format!(
        "{} {} × {} HTTP workers{}{}, {} cron per pod{}; listen backlog {} per pod; db_maxconn {}",
        o.pods,
        if o.pods == 1 { "pod" } else { "pods" },
        o.http_workers_per_pod,
        cores,
        total(o.http_workers),
        o.cron_workers_per_pod,
        total(o.cron_workers),
        o.listen_backlog_per_pod,
        o.db_maxconn
    );
    if let Some(ws) = o.websocket_connections {
        odoo += &format!(
            "; evented worker: db_maxconn_gevent {}, restarts at {} websocket connections in all",
            o.db_maxconn_gevent,
            count(ws)
        );
    }
    out.push(("Odoo".into(), odoo));
    out.push((
        "Odoo limits".into(),
        format!(
            "limit_time_real {}, limit_time_cpu {}; memory soft {} MiB, hard {} MiB (fresh worker {} MiB); limit_request {}",
            o.limit_time_real_s.map_or("unlimited".into(), duration),
            o.limit_time_cpu_s.map_or("unlimited".into(), duration),
            count(o.limit_memory_soft_mib),
            count(o.limit_memory_hard_mib),
            count(o.worker_base_memory_mib),
            grouped(u64::from(o.limit_request)),
        ),
    ));
    let p = &c.postgres;
    out.push((
        "PostgreSQL".into(),
        format!(
            "{} cores, {} connections (max_connections {}, {} reserved); buffer hit ratio {:.1} %{}{}{}",
            p.cores,
            p.usable_connections.map_or("—".into(), count),
            grouped(u64::from(p.max_connections)),
            p.reserved_connections,
            p.buffer_hit_ratio * 100.0,
            hit_basis(&p.hit_ratio_from),
            volume(&p.volume),
            write_path(&p.write_path)
        ),
    ));
    if let Some(b) = &c.pgbouncer {
        out.push((
            "PgBouncer".into(),
            format!(
                "{} pooling, default_pool_size {}, max_client_conn {}, query_wait_timeout {}",
                b.pool_mode,
                b.default_pool_size,
                grouped(u64::from(b.max_client_conn)),
                duration(b.query_wait_timeout_s)
            ),
        ));
    }
    if let Some(r) = &c.replica {
        out.push((
            "Read replica".into(),
            format!(
                "{} cores, {} connections (max_connections {}, {} reserved); buffer hit ratio {:.1} %{}{}; replay {:.0} % of primary CPU, apply delay {}",
                r.cores,
                r.usable_connections.map_or("—".into(), count),
                grouped(u64::from(r.max_connections)),
                r.reserved_connections,
                r.buffer_hit_ratio * 100.0,
                hit_basis(&r.hit_ratio_from),
                volume(&r.volume),
                r.replay_ratio * 100.0,
                duration(r.apply_delay_s)
            ),
        ));
    }
    if let Some(r) = &c.redis {
        let cache = r.cache.as_ref().map_or(String::new(), |k| {
            format!(
                "; cache working set {} MiB, hit ratio {:.0} % when resident",
                count(k.working_set_mib.round()),
                k.hit_ratio * 100.0
            )
        });
        out.push((
            "Redis".into(),
            format!(
                "maxmemory {} MiB, {}; sessions {} bytes, expire after {}{cache}",
                r.maxmemory_mib.map_or("—".into(), |m| count(m.round())),
                r.policy,
                grouped(r.session_bytes),
                duration(r.session_ttl_s)
            ),
        ));
    }
    if !c.queue_job_channels.is_empty() {
        let channels: Vec<String> = c
            .queue_job_channels
            .iter()
            .map(|ch| {
                let mut s = format!(
                    "{}:{}",
                    ch.name,
                    ch.capacity.map_or("unlimited".into(), |n| n.to_string())
                );
                if ch.sequential {
                    s += " sequential";
                }
                if ch.throttle_s > 0.0 {
                    s += &format!(" throttle {}", duration(ch.throttle_s));
                }
                s
            })
            .collect();
        out.push(("queue_job channels".into(), channels.join(", ")));
    }
    let i = &c.ingress;
    let mut traefik = if i.retry_attempts > 1 {
        format!("retry {} attempts", i.retry_attempts)
    } else {
        "no retry".to_string()
    };
    for r in &i.rate_limits {
        traefik += &format!(
            "; {} rate limit {}/s, burst {}",
            r.class,
            rate(r.rate_per_s),
            r.burst
        );
    }
    out.push(("Traefik".into(), traefik));
    for api in &c.integrations {
        let mut s = format!(
            "error ratio {:.2} %, timeout {}",
            api.error_ratio * 100.0,
            duration(api.timeout_s)
        );
        match &api.rate_limit {
            Some(r) => s += &format!(", rate limit {}/s, burst {}", rate(r.rate_per_s), r.burst),
            None => s += ", no rate limit",
        }
        for w in &api.outages {
            s += &format!("; down {} → {}", w.start_local, w.end_local);
        }
        out.push((format!("Integration {}", api.name), s));
    }
    out
}

fn rate(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Per calendar event: its name and one line with its kind, local times, ramps and
/// multipliers.
pub fn events(c: &Configuration) -> Vec<(String, String)> {
    c.calendar_events
        .iter()
        .map(|e| {
            let mult: Vec<String> = e
                .multipliers
                .iter()
                .map(|m| format!("{} ×{}", m.class, m.multiplier))
                .collect();
            let ramps = if e.ramp_up_s == 0.0 && e.ramp_down_s == 0.0 {
                "no ramps".to_string()
            } else {
                format!(
                    "ramps up {} / down {}",
                    duration(e.ramp_up_s),
                    duration(e.ramp_down_s)
                )
            };
            (
                e.name.clone(),
                format!(
                    "{} {} → {}, {ramps}{}",
                    e.kind.replace('_', " "),
                    e.start_local,
                    e.end_local,
                    if mult.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", mult.join(", "))
                    }
                ),
            )
        })
        .collect()
}

/// The timeline's changes, one line each: what, on what, from when to when.
pub fn changes(c: &Configuration) -> Vec<(String, String)> {
    c.timeline
        .iter()
        .map(|t| {
            let how = match (t.factor, t.threads) {
                (Some(f), _) if t.action == "slow" => format!(" ×{f} work"),
                (Some(f), _) => format!(", {:.0} % of capacity left", f * 100.0),
                (_, Some(n)) => format!(", {n} threads runnable"),
                _ => String::new(),
            };
            let until = t
                .end_local
                .as_ref()
                .map_or("the horizon's end".to_string(), |e| e.clone());
            (
                t.name.clone(),
                format!(
                    "{} {}{how}, {} → {until}",
                    t.action.replace('_', " "),
                    t.target,
                    t.start_local
                ),
            )
        })
        .collect()
}

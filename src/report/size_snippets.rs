//! The chosen configuration of `peakplan size` as files an operator can apply: the
//! scenario fragment (the knobs' values, YAML), `odoo.conf` (option names of Odoo's
//! `odoo/tools/config.py`), `postgresql.conf`, `pgbouncer.ini` and `redis.conf` lines —
//! each read from the chosen configuration's validated model, defaults included.

use super::OutFile;
use crate::model::{Channels, EvictionPolicy, Model};
use crate::study::size::Size;
use std::fmt::Write;

/// The settings files of the chosen configuration (none when nothing holds).
pub fn files(size: &Size) -> Vec<OutFile> {
    let (Some(chosen), Some(m)) = (&size.chosen, &size.chosen_model) else {
        return Vec::new();
    };
    let paths: Vec<&str> = size.knobs.iter().map(|k| k.path.as_str()).collect();
    let mut out = vec![
        file(
            "scenario-fragment.yaml",
            fragment(&paths, &chosen.values, m),
        ),
        file("odoo.conf", odoo_conf(m)),
        file("postgresql.conf", postgresql_conf(m)),
    ];
    if let Some(b) = &m.postgres.pgbouncer {
        let text = format!(
            "; pgbouncer.ini lines of the chosen configuration (peakplan size)\n[pgbouncer]\npool_mode = transaction\ndefault_pool_size = {}\nmax_client_conn = {}\nquery_wait_timeout = {}\n",
            b.default_pool_size,
            b.max_client_conn,
            b.query_wait_timeout.as_secs_f64().round()
        );
        out.push(file("pgbouncer.ini", text));
    }
    if let Some(r) = &m.redis {
        let text = format!(
            "# redis.conf lines of the chosen configuration (peakplan size)\nmaxmemory {}\n# maxmemory-policy: the scenario's ({})\n",
            r.maxmemory_bytes,
            match r.policy {
                EvictionPolicy::NoEviction => "noeviction",
                EvictionPolicy::Volatile => "volatile-*",
                EvictionPolicy::AllKeys => "allkeys-*",
            }
        );
        out.push(file("redis.conf", text));
    }
    out
}

fn file(name: &str, text: String) -> OutFile {
    OutFile {
        name: name.into(),
        bytes: text.into_bytes(),
    }
}

/// The knobs' values as a scenario fragment to merge into the scenario (`estate:` …).
pub fn fragment(paths: &[&str], values: &[String], m: &Model) -> String {
    let mut s = String::from(
        "# The chosen configuration (peakplan size): merge into the scenario's estate.\n",
    );
    // (section path, key, value), sections in first-seen order.
    let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (path, value) in paths.iter().zip(values) {
        let (section, key, value) = match path.strip_prefix("estate.odoo.queue_job_channels.") {
            Some(_) => (
                "estate.odoo".to_owned(),
                "queue_job_channels".to_owned(),
                format!("\"{}\"", channels(&m.odoo.queue_job_channels)),
            ),
            None => {
                let (sec, key) = path.rsplit_once('.').unwrap_or(("", path));
                (sec.to_owned(), key.to_owned(), yaml_scalar(value))
            }
        };
        match sections.iter_mut().find(|(s, _)| *s == section) {
            Some((_, keys)) if keys.iter().any(|(k, _)| *k == key) => {}
            Some((_, keys)) => keys.push((key, value)),
            None => sections.push((section, vec![(key, value)])),
        }
    }
    sections.sort_by(|a, b| a.0.cmp(&b.0));
    let mut open: Vec<String> = Vec::new();
    for (section, keys) in sections {
        let parts: Vec<String> = section.split('.').map(str::to_owned).collect();
        let common = open.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        for (depth, part) in parts.iter().enumerate().skip(common) {
            let _ = writeln!(s, "{}{part}:", "  ".repeat(depth));
        }
        for (k, v) in keys {
            let _ = writeln!(s, "{}{k}: {v}", "  ".repeat(parts.len()));
        }
        open = parts;
    }
    s
}

/// A value as YAML: numbers bare, anything else quoted.
fn yaml_scalar(v: &str) -> String {
    if v.parse::<f64>().is_ok() {
        v.to_owned()
    } else {
        format!("\"{v}\"")
    }
}

/// queue_job's channel string of the configured channels.
fn channels(c: &Channels) -> String {
    c.iter()
        .filter(|ch| ch.configured)
        .map(|ch| {
            let mut item = format!("{}:{}", ch.full_name, ch.capacity.unwrap_or(0));
            if ch.sequential {
                item.push_str(":sequential");
            }
            if ch.throttle.as_secs_f64() > 0.0 {
                let _ = write!(item, ":throttle={}", ch.throttle.as_secs_f64());
            }
            item
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn seconds(t: Option<crate::model::SimTime>) -> String {
    // odoo.conf: 0 disables a time limit.
    t.map_or_else(|| "0".into(), |t| format!("{}", t.as_secs_f64().round()))
}

fn bytes(mib: f64) -> u64 {
    (mib * 1024.0 * 1024.0).round() as u64
}

/// odoo.conf `[options]` (and `[queue_job]`) of the chosen configuration.
pub fn odoo_conf(m: &Model) -> String {
    let o = &m.odoo;
    let mut s = String::from(
        "; odoo.conf of the chosen configuration (peakplan size), per pod\n[options]\n",
    );
    let _ = writeln!(s, "workers = {}", o.workers);
    let _ = writeln!(s, "max_cron_threads = {}", o.max_cron_threads);
    let _ = writeln!(s, "db_maxconn = {}", o.db_maxconn);
    let _ = writeln!(s, "; Odoo ≥ 17: the evented worker's pool");
    let _ = writeln!(s, "db_maxconn_gevent = {}", o.db_maxconn_gevent);
    let _ = writeln!(s, "limit_time_real = {}", seconds(o.limit_time_real));
    let _ = writeln!(s, "limit_time_cpu = {}", seconds(o.limit_time_cpu));
    let _ = writeln!(
        s,
        "limit_time_real_cron = {}",
        seconds(o.limit_time_real_cron)
    );
    let _ = writeln!(s, "limit_memory_soft = {}", bytes(o.limit_memory_soft_mib));
    let _ = writeln!(s, "limit_memory_hard = {}", bytes(o.limit_memory_hard_mib));
    let _ = writeln!(s, "limit_request = {}", o.limit_request);
    if m.classes.iter().any(|c| c.job.is_some()) {
        let _ = writeln!(
            s,
            "\n[queue_job]\nchannels = {}",
            channels(&o.queue_job_channels)
        );
    }
    if let Some(mc) = o.cpu_millicores {
        let _ = writeln!(
            s,
            "\n; Kubernetes: resources.limits.cpu: {mc}m per pod, {} pods",
            o.pods
        );
    } else {
        let _ = writeln!(s, "\n; {} pods", o.pods);
    }
    s
}

/// postgresql.conf lines of the chosen configuration.
pub fn postgresql_conf(m: &Model) -> String {
    let p = &m.postgres.primary;
    let mut s =
        String::from("# postgresql.conf lines of the chosen configuration (peakplan size)\n");
    let _ = writeln!(s, "max_connections = {}", p.max_connections);
    let _ = writeln!(
        s,
        "superuser_reserved_connections = {}",
        p.superuser_reserved
    );
    let _ = writeln!(s, "# the instance: {} cores", p.cores);
    if let Some(v) = &p.volume {
        let _ = writeln!(s, "# the data volume: {} provisioned IOPS", v.iops);
    }
    if let Some(r) = &m.postgres.replica {
        let _ = writeln!(s, "# the read replica: {} cores", r.server.cores);
    }
    s
}

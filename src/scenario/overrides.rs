//! A candidate configuration of `peakplan size` written into the raw scenario before
//! validation, the way a load multiplier is threaded through it: the candidate is then
//! validated like a user's file, and refused with the same diagnostics. An overridden
//! value carries the position of its knob in `sizing.knobs`, so a refusal points there.

use super::located::{Located, Pos, Text};
use super::raw;
use crate::model::sizing::{Knob, KnobValue, channel_full_name};

/// Writes each (knob, value) into `s`. The knobs' parts exist: `validate::sizing`
/// refused the scenario otherwise.
pub fn apply(s: &mut raw::Scenario, overrides: &[(Knob, KnobValue)]) {
    for (knob, value) in overrides {
        let pos = knob_pos(s, knob);
        apply_one(s, knob, value, pos);
    }
}

/// Where `knob` is written in `sizing.knobs`.
fn knob_pos(s: &raw::Scenario, knob: &Knob) -> Pos {
    let path = knob.path();
    s.sizing
        .as_ref()
        .and_then(|z| z.value.knobs.as_ref())
        .and_then(|m| {
            m.value
                .0
                .iter()
                .find(|(k, _)| Knob::parse(&k.value).is_some_and(|k| k.path() == path))
        })
        .map_or_else(Pos::default, |(k, _)| k.pos)
}

fn apply_one(s: &mut raw::Scenario, knob: &Knob, v: &KnobValue, pos: Pos) {
    let whole = || {
        Some(Located {
            value: v.number as i64,
            pos,
        })
    };
    let text = || {
        Some(Located {
            value: Text(v.text.clone()),
            pos,
        })
    };
    let Some(estate) = s.estate.as_mut().map(|e| &mut e.value) else {
        return;
    };
    let odoo = estate.odoo.as_mut().map(|o| &mut o.value);
    let pg = estate.postgres.as_mut().map(|p| &mut p.value);
    match knob {
        Knob::Pods => odoo.map(|o| o.pods = whole()),
        Knob::Workers => odoo.map(|o| o.workers = whole()),
        Knob::PodCpu => odoo.map(|o| o.cpu = text()),
        Knob::CronThreads => odoo.map(|o| o.max_cron_threads = whole()),
        Knob::DbMaxconn => odoo.map(|o| o.db_maxconn = whole()),
        Knob::Channel(name) => odoo.map(|o| {
            let current = o.queue_job_channels.as_ref().map_or("root:1", |c| &c.value);
            let value = with_capacity(current, name, v.number as u64);
            o.queue_job_channels = Some(Located { value, pos });
        }),
        Knob::PgCores => pg.map(|p| p.cores = whole()),
        Knob::PgMaxConnections => pg.map(|p| p.max_connections = whole()),
        Knob::PoolSize => pg
            .and_then(|p| p.pgbouncer.as_mut())
            .map(|b| b.value.default_pool_size = whole()),
        Knob::Iops => pg.and_then(|p| p.volume.as_mut()).map(|vol| {
            vol.value.iops = Some(Located {
                value: v.number,
                pos,
            });
        }),
        Knob::ReplicaCores => pg
            .and_then(|p| p.replica.as_mut())
            .map(|r| r.value.cores = whole()),
        Knob::RedisMaxmemory => estate.redis.as_mut().map(|r| r.value.maxmemory = text()),
    };
}

/// queue_job's channel string with channel `name`'s capacity set to `capacity`; the
/// item's options (`:sequential`, `:throttle=…`) are kept.
pub fn with_capacity(channels: &str, name: &str, capacity: u64) -> String {
    channels
        .replace('\n', ",")
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let mut parts: Vec<&str> = item.split(':').collect();
            if channel_full_name(parts[0]) != name {
                return item.to_owned();
            }
            let cap = capacity.to_string();
            if parts.len() == 1 {
                parts.push(&cap);
            } else {
                parts[1] = &cap;
            }
            parts.join(":")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::with_capacity;

    #[test]
    fn channel_capacity_replaced_options_kept() {
        assert_eq!(
            with_capacity("root:4,sync:2", "root.sync", 5),
            "root:4,sync:5"
        );
        assert_eq!(with_capacity("root", "root", 3), "root:3");
        assert_eq!(
            with_capacity("root:1\nroot.io:2:throttle=1", "root.io", 6),
            "root:1,root.io:6:throttle=1"
        );
    }
}

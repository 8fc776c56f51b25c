//! Links between classes: which classes are jobs (their channel, priority and
//! retry policy) and which jobs each class spawns. Runs after the classes and the Odoo
//! tier are validated, since it needs both the class names and the channel tree; cron
//! classes need cron workers.

use super::super::located::{Located, OrderedMap};
use super::super::raw;
use super::super::suggest;
use super::Ctx;
use crate::model::{
    Channels, DEFAULT_PRIORITY, JobSettings, RetryPattern, RetryPolicy, Spawn, WorkloadClass,
};

/// Fills `job` and `spawns` of every class.
pub fn link(
    cx: &mut Ctx,
    w: &Located<OrderedMap<Located<raw::Workload>>>,
    classes: &mut [WorkloadClass],
    channels: &Channels,
    cron_threads: u32,
) {
    let names: Vec<&str> = w.value.0.iter().map(|(n, _)| n.value.as_str()).collect();
    for (name, class) in &w.value.0 {
        if let (Some(cron), 0) = (&class.value.cron, cron_threads) {
            cx.error(
                cron.pos,
                &format!("workloads.{}.cron", name.value),
                "a scheduled action, but `estate.odoo.max_cron_threads` is 0: it would never run",
                Some("set `max_cron_threads` (odoo.conf default 2) or remove `cron`".into()),
            );
        }
    }
    for (i, (name, class)) in w.value.0.iter().enumerate() {
        let path = format!("workloads.{}", name.value);
        if let Some(job) = &class.value.job {
            classes[i].job = settings(cx, job, &format!("{path}.job"), channels);
        }
    }
    for (i, (name, class)) in w.value.0.iter().enumerate() {
        let Some(spawns) = &class.value.spawns else {
            continue;
        };
        let path = format!("workloads.{}.spawns", name.value);
        let mut out = Vec::new();
        for (k, s) in spawns.value.iter().enumerate() {
            let p = format!("{path}[{k}]");
            let Some(job) = &s.value.job else {
                cx.missing(
                    s.pos,
                    &format!("{p}.job"),
                    "name the job class, e.g. `job: stock_sync`",
                );
                continue;
            };
            let Some(target) = names.iter().position(|n| *n == job.value) else {
                let hint = suggest::closest(&job.value, names.iter().copied()).map_or(
                    "spawned jobs are workload classes with a `job:` section".to_string(),
                    |c| format!("did you mean `{c}`?"),
                );
                cx.error(
                    job.pos,
                    &format!("{p}.job"),
                    format!("unknown class `{}`", job.value),
                    Some(hint),
                );
                continue;
            };
            if w.value.0[target].1.value.job.is_none() {
                cx.error(
                    job.pos,
                    &format!("{p}.job"),
                    format!("class `{}` is not a job", job.value),
                    Some(format!(
                        "give `workloads.{}` a `job:` section (channel, priority, retries)",
                        job.value
                    )),
                );
                continue;
            }
            let count = cx.int(
                s.value.count.as_ref(),
                s.pos,
                &format!("{p}.count"),
                Some(1),
                1..=100,
                "jobs enqueued per completed request",
            );
            if let Some(count) = count {
                out.push(Spawn {
                    class: target,
                    count,
                });
            }
        }
        classes[i].spawns = out;
    }
    if let Some(cycle) = spawn_cycle(classes) {
        let chain: Vec<&str> = cycle.iter().map(|c| names[*c]).collect();
        cx.error(
            w.pos,
            "workloads",
            format!("jobs spawn each other in a cycle: {}", chain.join(" → ")),
            Some("every completed job would enqueue more forever; break the cycle".into()),
        );
    }
}

fn settings(
    cx: &mut Ctx,
    job: &Located<raw::JobSpec>,
    path: &str,
    channels: &Channels,
) -> Option<JobSettings> {
    let j = &job.value;
    let channel = match &j.channel {
        None => Some(Channels::ROOT),
        Some(c) => match channels.find(&c.value) {
            Some(i) => Some(i),
            None => {
                let known: Vec<&str> = channels.iter().map(|ch| ch.full_name.as_str()).collect();
                let hint = match suggest::closest(&c.value, known.iter().copied()) {
                    Some(k) => format!("did you mean `{k}`? Channels: {}", known.join(", ")),
                    None => format!(
                        "declare it in `estate.odoo.queue_job_channels` (now: {})",
                        known.join(", ")
                    ),
                };
                cx.error(
                    c.pos,
                    &format!("{path}.channel"),
                    format!("unknown queue_job channel `{}`", c.value),
                    Some(hint),
                );
                None
            }
        },
    };
    let priority = cx.int(
        j.priority.as_ref(),
        job.pos,
        &format!("{path}.priority"),
        Some(DEFAULT_PRIORITY as u32),
        0..=1_000_000,
        "lower runs first; queue_job's default is 10",
    );
    let max_retries = cx.int(
        j.max_retries.as_ref(),
        job.pos,
        &format!("{path}.max_retries"),
        Some(5),
        0..=1000,
        "0 retries forever (queue_job semantics)",
    );
    let pattern = match &j.retry_pattern {
        None => Some(RetryPattern::default()),
        Some(t) => match RetryPattern::parse(&t.value) {
            Ok(p) => Some(p),
            Err(e) => {
                cx.error(
                    t.pos,
                    &format!("{path}.retry_pattern"),
                    e.message,
                    Some(e.hint),
                );
                None
            }
        },
    };
    Some(JobSettings {
        channel: channel?,
        priority: priority? as i32,
        retry: RetryPolicy {
            max_retries: max_retries?,
            pattern: pattern?,
        },
    })
}

/// A cycle in the spawn graph, as class indices (first = last), if any.
fn spawn_cycle(classes: &[WorkloadClass]) -> Option<Vec<usize>> {
    fn visit(
        c: usize,
        classes: &[WorkloadClass],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[c] = 1;
        stack.push(c);
        for s in &classes[c].spawns {
            if state[s.class] == 1 {
                let from = stack.iter().position(|x| *x == s.class).expect("on stack");
                let mut cycle = stack[from..].to_vec();
                cycle.push(s.class);
                return Some(cycle);
            }
            if state[s.class] == 0 {
                if let Some(cy) = visit(s.class, classes, state, stack) {
                    return Some(cy);
                }
            }
        }
        stack.pop();
        state[c] = 2;
        None
    }
    let mut state = vec![0u8; classes.len()];
    (0..classes.len()).find_map(|c| {
        if state[c] == 0 {
            visit(c, classes, &mut state, &mut Vec::new())
        } else {
            None
        }
    })
}

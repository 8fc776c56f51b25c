//! The queue_job runner's deployment: how jobs whose worker was killed are requeued (the
//! queue_job version) and where `/queue_job/runjob` goes (`ODOO_QUEUE_JOB_HOST`).

use super::super::located::Located;
use super::super::raw;
use super::super::suggest;
use super::super::units;
use super::Ctx;
use crate::model::{JobHost, Requeue, SimTime};

/// `estate.odoo.queue_job_requeue` and `queue_job_started_delta`.
pub fn requeue(cx: &mut Ctx, o: &raw::Odoo) -> Option<Requeue> {
    let delta = &o.queue_job_started_delta;
    let stuck = match choice(
        cx,
        o.queue_job_requeue.as_ref(),
        "estate.odoo.queue_job_requeue",
        &["dead_jobs", "stuck_cron"],
        "`dead_jobs`: recent queue_job (requeue_dead_jobs on every runner loop); `stuck_cron`: older versions (the Jobs Garbage Collector cron only)",
    )? {
        None | Some(0) => false,
        Some(_) => true,
    };
    if !stuck {
        if let Some(d) = delta {
            cx.error(
                d.pos,
                "estate.odoo.queue_job_started_delta",
                "only used with `queue_job_requeue: stuck_cron`",
                Some("recent runners requeue dead jobs on their own; set `queue_job_requeue: stuck_cron` or remove it".into()),
            );
            return None;
        }
        return Some(Requeue::DeadJobs);
    }
    let started_delta = match delta {
        None => None,
        Some(d) if d.value.0.trim() == "0" => None,
        Some(d) => match units::parse_duration(&d.value.0) {
            Ok(t) if t > SimTime::ZERO => Some(t),
            Ok(_) => None,
            Err(e) => {
                cx.error(
                    d.pos,
                    "estate.odoo.queue_job_started_delta",
                    e.message,
                    Some(format!(
                        "{}; `0` (queue_job's default) never requeues started jobs",
                        e.hint
                    )),
                );
                return None;
            }
        },
    };
    Some(Requeue::StuckCron { started_delta })
}

/// `estate.odoo.queue_job_host`.
pub fn host(cx: &mut Ctx, o: &raw::Odoo) -> Option<JobHost> {
    let hosts = ["runner_pod", "service"];
    let hint = "`runner_pod`: ODOO_QUEUE_JOB_HOST's default, the runner's own Odoo; `service`: a Kubernetes Service over the pods";
    match choice(
        cx,
        o.queue_job_host.as_ref(),
        "estate.odoo.queue_job_host",
        &hosts,
        hint,
    )? {
        None | Some(0) => Some(JobHost::RunnerPod),
        Some(_) => Some(JobHost::Service),
    }
}

/// Which of `names` the value at `path` is (`Some(None)`: absent); an error with "did you
/// mean" otherwise.
fn choice(
    cx: &mut Ctx,
    v: Option<&Located<String>>,
    path: &str,
    names: &[&str],
    hint: &str,
) -> Option<Option<usize>> {
    let Some(v) = v else {
        return Some(None);
    };
    let word = v.value.trim();
    if let Some(i) = names.iter().position(|n| *n == word) {
        return Some(Some(i));
    }
    let guess = suggest::closest(word, names.iter().copied())
        .map(|g| format!("did you mean `{g}`? "))
        .unwrap_or_default();
    cx.error(
        v.pos,
        path,
        format!("unknown value `{word}`"),
        Some(format!("{guess}{hint}")),
    );
    None
}

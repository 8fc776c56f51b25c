//! Replications → [`SimulationResult`]: every scalar becomes a mean with a 95 % interval
//! (series are averaged by [`super::SeriesSum`]), and the peak buckets are picked out.
//! Replications arrive in index order, so the result does not depend on how many threads
//! produced them.

use super::Estimate;
use super::replications::{Replications, ratio};
use crate::collect::RELATIVE_ERROR;
use crate::model::{Model, SimTime};
use crate::result::{
    Bottleneck, ClassResult, ClientResult, ClientTotals, Drain, FORMAT, FORMAT_VERSION, Peak,
    ReplicationClass, ReplicationResource, ReplicationResult, ResourceResult, RunInfo,
    ScenarioInfo, Series, SimulationResult, TimeBreakdown, Totals,
};
use crate::sim::{Cause, ClassObs, GaugeSpec, GaugeTable, Part, Replication, Resource};

/// A coarse bucket needs this many completions (mean per replication) to be the "worst
/// hour": its p95 then rests on at least 10 requests in the tail.
pub const WORST_BUCKET_MIN_COMPLETED: f64 = 200.0;

/// Builds the result of a run's replications: every estimate is the mean (and interval)
/// of the per-replication values, which the result also keeps as `per_replication`.
pub fn summarize(model: &Model, gathered: Replications) -> SimulationResult {
    let verdicts = super::verdicts(model, &gathered);
    let Replications {
        seed,
        per_replication: figures,
        reps,
        series,
        ..
    } = gathered;
    assert!(!reps.is_empty(), "at least one replication");
    let reps = &reps[..];
    let mut all_series = series.finish(model);
    let mut resources: Vec<ResourceResult> = GaugeTable::of(model)
        .gauges
        .into_iter()
        .enumerate()
        .map(|(i, g)| resource_result(g, i, reps, &figures))
        .collect();
    // Utilisation per bucket, computed once: the peak, the bottleneck and the charts
    // all read it.
    for (r, s) in resources.iter_mut().zip(&mut all_series.resources) {
        if let Some(cap) = r.capacity.filter(|c| *c > 0.0) {
            let u: Vec<f64> = s.level_mean.iter().map(|x| x / cap).collect();
            r.utilisation_peak = peak(model, all_series.fine_bucket_s, u.iter().map(|x| Some(*x)));
            s.utilisation = Some(u);
        }
    }
    let mut classes: Vec<ClassResult> = (0..model.classes.len())
        .map(|c| class_result(model, c, reps, &figures))
        .collect();
    for (c, s) in classes.iter_mut().zip(&all_series.classes) {
        let arrivals = s.arrivals_per_s.iter().map(|x| Some(*x));
        c.peak_arrivals_per_s = peak(model, all_series.fine_bucket_s, arrivals);
        let p95 = s
            .latency_s_p95
            .iter()
            .zip(&s.coarse_completed)
            .map(|(p, n)| p.filter(|_| *n >= WORST_BUCKET_MIN_COMPLETED));
        c.worst_latency_s_p95 = peak(model, all_series.coarse_bucket_s, p95);
    }
    let warnings = super::warnings::warnings(model, &classes, &resources, &figures, &all_series);
    let bottleneck = bottleneck(model, &resources, &all_series, &classes);
    let queue_job_drain = drains(model, &all_series);
    SimulationResult {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        peakplan_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioInfo {
            name: model.name.clone(),
            start_local: model.horizon.start_local.clone(),
            timezone: model.horizon.timezone.clone(),
            horizon_s: model.horizon.duration.as_secs_f64(),
            warmup_s: model.horizon.warmup.as_secs_f64(),
        },
        run: RunInfo {
            seed,
            replications: reps.len() as u32,
            events: reps.iter().map(|r| r.events).sum(),
            percentile_relative_error: RELATIVE_ERROR,
        },
        configuration: Some(super::configuration(model)),
        verdicts,
        warnings,
        bottleneck,
        queue_job_drain,
        classes,
        resources,
        per_replication: figures,
        series: all_series,
        headroom: None,
    }
}

/// The bucket with the largest value (the first one on ties).
pub(super) fn peak(
    model: &Model,
    width_s: f64,
    values: impl Iterator<Item = Option<f64>>,
) -> Option<Peak> {
    let (i, v) = values
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })?;
    let start_s = i as f64 * width_s;
    Some(Peak {
        start_s,
        start_local: model.horizon.local_time(SimTime::from_secs_f64(start_s)),
        value: v,
    })
}

fn class_kind(model: &Model, c: usize) -> &'static str {
    let k = &model.classes[c];
    if k.websocket.is_some() {
        "websocket"
    } else if k.job.is_some() {
        "job"
    } else if k.cron.is_some() {
        "cron"
    } else if k.population.is_some() {
        "closed"
    } else if k.readonly && model.postgres.replica.is_some() {
        "readonly"
    } else {
        "open"
    }
}

fn class_result(
    model: &Model,
    c: usize,
    reps: &[Replication],
    figures: &[ReplicationResult],
) -> ClassResult {
    fn pick(r: &Replication, c: usize) -> &ClassObs {
        &r.classes[c]
    }
    let obs = |r| pick(r, c);
    let per_rep = |f: &dyn Fn(&Replication, &ClassObs) -> f64| {
        Estimate::from_f64s(reps.iter().map(|r| f(r, obs(r))))
    };
    let opt_rep = |f: &dyn Fn(&Replication, &ClassObs) -> Option<f64>| {
        Estimate::from_values(reps.iter().map(|r| f(r, obs(r))))
    };
    // The figures `per_replication` keeps are averaged from there, so their mean is
    // exactly the estimate's.
    let fig = |f: fn(&ReplicationClass) -> f64| {
        Estimate::from_f64s(figures.iter().map(|x| f(&x.classes[c])))
    };
    let opt_fig = |f: fn(&ReplicationClass) -> Option<f64>| {
        Estimate::from_values(figures.iter().map(|x| f(&x.classes[c])))
    };
    ClassResult {
        name: model.classes[c].name.clone(),
        kind: class_kind(model, c).to_string(),
        arrivals_per_s: fig(|x| x.arrivals_per_s),
        throughput_per_s: fig(|x| x.throughput_per_s),
        error_ratio: fig(|x| x.error_ratio),
        errors_per_s: causes(model)
            .map(|cause| {
                (
                    cause.name().to_string(),
                    per_rep(&|r, o| o.errors[cause as usize] as f64 / r.window_s),
                )
            })
            .collect(),
        latency_s_mean: opt_fig(|x| x.latency_s_mean),
        latency_s_p50: opt_fig(|x| x.latency_s_p50),
        latency_s_p95: opt_fig(|x| x.latency_s_p95),
        latency_s_p99: opt_fig(|x| x.latency_s_p99),
        wait_s_mean: opt_rep(&|_, o| ratio(o.wait_s_sum, o.started as f64)),
        wait_probability: opt_rep(&|_, o| ratio(o.waited as f64, o.started as f64)),
        in_system_mean: per_rep(&|_, o| o.in_system_mean),
        ended_per_s: per_rep(&|r, o| o.ended as f64 / r.window_s),
        sojourn_s_mean: opt_rep(&|_, o| ratio(o.sojourn_s_sum_all, o.ended as f64)),
        time_breakdown: {
            let part = |p: Part| {
                opt_rep(&|_, o| ratio(o.parts_ns_sum[p as usize] as f64 / 1e9, o.completed as f64))
            };
            TimeBreakdown {
                queue_job_wait_s: model.classes[c]
                    .job
                    .as_ref()
                    .and_then(|_| part(Part::QueueJobWait)),
                ingress_s: part(Part::Ingress),
                backlog_wait_s: part(Part::Backlog),
                syn_retry_s: part(Part::SynRetry),
                odoo_cpu_s: part(Part::OdooCpu),
                pod_cpu_wait_s: model
                    .odoo
                    .cpu_millicores
                    .and_then(|_| part(Part::PodCpuWait)),
                connection_wait_s: part(Part::ConnWait),
                db_io_s: part(Part::DbIo),
                db_cpu_s: part(Part::DbCpu),
                lock_wait_and_retry_s: part(Part::LockRetry),
                external_calls_s: part(Part::External),
                commit_s: model.has_writes().then(|| part(Part::Commit)).flatten(),
            }
        },
        serialization_failures_per_s: per_rep(&|r, o| o.conflicts as f64 / r.window_s),
        jobs_failed_per_s: per_rep(&|r, o| o.jobs_failed as f64 / r.window_s),
        sessions_evicted_per_s: per_rep(&|r, o| o.sessions_evicted as f64 / r.window_s),
        websocket_drops_per_s: per_rep(&|r, o| o.websocket_drops as f64 / r.window_s),
        cache_hit_ratio: opt_rep(&|_, o| ratio(o.cache_hits as f64, o.cache_lookups as f64)),
        peak_arrivals_per_s: None,
        worst_latency_s_p95: None,
        totals: Totals {
            arrivals: reps.iter().map(|r| obs(r).arrivals_total).sum(),
            completed: reps.iter().map(|r| obs(r).completed_total).sum(),
            errors: causes(model)
                .map(|cause| {
                    (
                        cause.name().to_string(),
                        reps.iter()
                            .map(|r| obs(r).errors_total[cause as usize])
                            .sum(),
                    )
                })
                .collect(),
            in_flight_at_horizon: reps.iter().map(|r| r.in_flight_end[c]).sum(),
        },
        client: model.classes[c]
            .client
            .as_ref()
            .map(|_| client_result(reps, c)),
    }
}

/// The error causes a result lists: `client_timeout` only when a class has clients who
/// give up (a scenario without `client:` reads as it did before it existed).
fn causes(model: &Model) -> impl Iterator<Item = Cause> + '_ {
    let clients = model.classes.iter().any(|c| c.client.is_some());
    Cause::ALL
        .into_iter()
        .filter(move |c| clients || *c != Cause::ClientTimeout)
}

/// Class `c`'s abandonment figures (`client:`).
fn client_result(reps: &[Replication], c: usize) -> ClientResult {
    let per_s = |f: &dyn Fn(&ClassObs) -> f64| {
        Estimate::from_f64s(reps.iter().map(|r| f(&r.classes[c]) / r.window_s))
    };
    let abandoned = |o: &ClassObs| o.errors[Cause::ClientTimeout as usize] as f64;
    let total = |f: &dyn Fn(&ClassObs) -> u64| reps.iter().map(|r| f(&r.classes[c])).sum();
    let goodput: u64 = total(&|o| o.completed_total);
    let wasted: u64 = total(&|o| o.abandon.wasted_completions_total);
    ClientResult {
        // 0 without arrivals, as the error ratio.
        abandoned_share: Estimate::from_f64s(reps.iter().map(|r| {
            let o = &r.classes[c];
            ratio(abandoned(o), o.arrivals as f64).unwrap_or(0.0)
        })),
        abandoned_per_s: per_s(&abandoned),
        goodput_per_s: per_s(&|o| o.completed as f64),
        wasted_completions_per_s: per_s(&|o| o.abandon.wasted_completions as f64),
        odoo_throughput_per_s: per_s(&|o| (o.completed + o.abandon.wasted_completions) as f64),
        failed_after_abandon_per_s: per_s(&|o| o.abandon.failed_after as f64),
        resubmissions_per_s: per_s(&|o| o.abandon.resubmissions as f64),
        original_arrivals_per_s: per_s(&|o| (o.arrivals - o.abandon.resubmissions) as f64),
        wasted_odoo_cpu_s_per_s: per_s(&|o| o.abandon.wasted_odoo_cpu_ns as f64 / 1e9),
        wasted_db_s_per_s: per_s(&|o| o.abandon.wasted_db_ns as f64 / 1e9),
        totals: ClientTotals {
            abandoned: total(&|o| o.errors_total[Cause::ClientTimeout as usize]),
            goodput,
            wasted_completions: wasted,
            odoo_completed: goodput + wasted,
        },
    }
}

fn resource_result(
    g: GaugeSpec,
    i: usize,
    reps: &[Replication],
    figures: &[ReplicationResult],
) -> ResourceResult {
    let (slot, cap) = (g.slot, g.capacity);
    let fig = |f: fn(&ReplicationResource) -> f64| {
        Estimate::from_f64s(figures.iter().map(|x| f(&x.resources[i])))
    };
    ResourceResult {
        name: g.name,
        label: g.label,
        hard_limit: g.hard_limit,
        scope: g.scope.id().to_string(),
        capacity: cap,
        level_mean: fig(|x| x.level_mean),
        level_max: fig(|x| x.level_max),
        utilisation: cap
            .filter(|c| *c > 0.0)
            .map(|c| Estimate::from_f64s(reps.iter().map(|x| x.resource_mean[slot] / c))),
        utilisation_peak: None,
    }
}

/// Utilisation of a fine bucket counted as saturation for the first-bottleneck verdict.
pub const SATURATION: f64 = 0.9;

/// The first resource to saturate, and the dominant error cause.
fn bottleneck(
    model: &Model,
    resources: &[ResourceResult],
    series: &Series,
    classes: &[ClassResult],
) -> Bottleneck {
    let mut first: Option<(usize, f64, &ResourceResult)> = None;
    for (r, s) in resources.iter().zip(&series.resources) {
        let Some(util) = &s.utilisation else {
            continue;
        };
        if let Some((b, u)) = util
            .iter()
            .copied()
            .enumerate()
            .find(|(_, u)| *u >= SATURATION)
        {
            let better = match first {
                None => true,
                Some((fb, fu, _)) => b < fb || (b == fb && u > fu),
            };
            if better {
                first = Some((b, u, r));
            }
        }
    }
    let mut by_cause: Vec<(&str, f64)> = causes(model)
        .map(|c| {
            (
                c.name(),
                classes.iter().map(|k| k.errors_per_s[c.name()].mean).sum(),
            )
        })
        .filter(|(_, v): &(&str, f64)| *v > 0.0)
        .collect();
    by_cause.sort_by(|a, b| b.1.total_cmp(&a.1));
    Bottleneck {
        threshold: SATURATION,
        resource: first.map(|(_, _, r)| r.name.to_string()),
        at: first.map(|(b, u, _)| {
            let start_s = b as f64 * series.fine_bucket_s;
            Peak {
                start_s,
                start_local: model.horizon.local_time(SimTime::from_secs_f64(start_s)),
                value: u,
            }
        }),
        dominant_error: by_cause.first().map(|(n, _)| n.to_string()),
        dominant_error_per_s: by_cause.first().map(|(_, v)| *v),
    }
}

/// Drain time of the queue_job backlog after each calendar event.
fn drains(model: &Model, series: &Series) -> Vec<Drain> {
    if !model.classes.iter().any(|c| c.job.is_some()) {
        return Vec::new();
    }
    let Some(pending) = series
        .resources
        .iter()
        .find(|r| r.name == Resource::JobsPending.name())
    else {
        return Vec::new();
    };
    let w = series.fine_bucket_s;
    model
        .calendar
        .events
        .iter()
        .map(|e| {
            let end = e.start + e.duration;
            let first = (end.as_secs_f64() / w).ceil() as usize;
            let at_end = first
                .checked_sub(1)
                .and_then(|b| pending.level_mean.get(b))
                .copied()
                .unwrap_or(0.0);
            // Empty when the event ended: nothing to drain. Otherwise the first bucket
            // after the end whose mean backlog is below one job.
            let drain_s = if at_end < 1.0 {
                Some(0.0)
            } else {
                (first..pending.level_mean.len())
                    .find(|b| pending.level_mean[*b] < 1.0)
                    .map(|b| (b as f64 * w - end.as_secs_f64()).max(0.0))
            };
            Drain {
                event: e.name.clone(),
                end_local: model.horizon.local_time(end),
                drain_s,
                backlog_at_end: at_end,
            }
        })
        .collect()
}

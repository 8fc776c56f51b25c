//! What a summary must say first: classes that fail and limits that were reached.
//!
//! A 5-minute average washes out a burst: an EDI import refused 70 % of the time during
//! its minute can leave every bucket's mean utilisation under 90 %. So a resource whose
//! capacity is a hard limit (workers, connections, a backlog) is listed as soon as its
//! instantaneous level reached it in any replication (shared rates — cores, IOPS — are
//! full whenever work overlaps; their bucket averages count instead), and a class
//! as soon as its failed share is above `FAILING_SHARE` over the horizon or in any fine
//! bucket that holds at least one failed request per replication.

use super::Estimate;
use super::summarize::peak;
use crate::model::Model;
use crate::result::{
    ClassResult, ClassSeries, FailingClass, LimitReached, ReplicationResult, ResourceResult,
    Series, Warnings,
};

/// Share of failed requests above which a class is listed.
pub const FAILING_SHARE: f64 = 0.01;

/// A level within this relative distance of the capacity has reached it (levels are
/// sums of steps in floating point).
const AT_CAPACITY: f64 = 1e-9;

pub fn warnings(
    model: &Model,
    classes: &[ClassResult],
    resources: &[ResourceResult],
    figures: &[ReplicationResult],
    series: &Series,
) -> Warnings {
    let failing_classes = classes
        .iter()
        .zip(&series.classes)
        .filter_map(|(c, s)| failing(model, c, s, series.fine_bucket_s))
        .collect();
    let limits_reached = resources
        .iter()
        .enumerate()
        .filter_map(|(i, r)| limit_reached(r, i, figures))
        .collect();
    Warnings {
        failing_share: FAILING_SHARE,
        failing_classes,
        limits_reached,
    }
}

fn failing(model: &Model, c: &ClassResult, s: &ClassSeries, width_s: f64) -> Option<FailingClass> {
    // A bucket counts with at least one failed request per replication on average.
    let shares = s
        .errors_per_s
        .iter()
        .zip(&s.arrivals_per_s)
        .map(|(e, a)| (*e * width_s >= 1.0 && *a > 0.0).then(|| (e / a).min(1.0)));
    let worst_bucket = peak(model, width_s, shares);
    let over = c.error_ratio.mean > FAILING_SHARE
        || worst_bucket
            .as_ref()
            .is_some_and(|w| w.value > FAILING_SHARE);
    if !over {
        return None;
    }
    let dominant_cause = c
        .errors_per_s
        .iter()
        .filter(|(_, e)| e.mean > 0.0)
        .max_by(|a, b| a.1.mean.total_cmp(&b.1.mean))
        .map(|(k, _)| k.clone());
    Some(FailingClass {
        class: c.name.clone(),
        error_ratio: c.error_ratio,
        dominant_cause,
        worst_bucket,
    })
}

fn limit_reached(
    r: &ResourceResult,
    i: usize,
    figures: &[ReplicationResult],
) -> Option<LimitReached> {
    let cap = r.capacity.filter(|c| *c > 0.0 && r.hard_limit)?;
    let hit = figures
        .iter()
        .filter(|f| f.resources[i].level_max >= cap * (1.0 - AT_CAPACITY))
        .count() as u32;
    (hit > 0).then(|| LimitReached {
        resource: r.name.clone(),
        label: r.label.clone(),
        capacity: cap,
        level_max: Estimate::from_f64s(figures.iter().map(|f| f.resources[i].level_max)),
        in_replications: hit,
        replications: figures.len() as u32,
    })
}

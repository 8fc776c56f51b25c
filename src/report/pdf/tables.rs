//! The per-class and per-resource tables of the review.

use super::layout::{Align, Flow};
use super::{est, ms};
use crate::report::numbers::{RateUnit, table_number};
use crate::result::SimulationResult;

pub fn class_table(f: &mut Flow, r: &SimulationResult) {
    f.heading("3  Results per workload class");
    let arrivals = RateUnit::of(r.classes.iter().map(|c| c.arrivals_per_s.mean));
    let throughput = RateUnit::of(r.classes.iter().map(|c| c.throughput_per_s.mean));
    let arrivals_title = format!("arrivals{}", arrivals.suffix);
    let throughput_title = format!("throughput{}", throughput.suffix);
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                arrivals.est(Some(&c.arrivals_per_s), " ± "),
                throughput.est(Some(&c.throughput_per_s), " ± "),
                ms(c.latency_s_p50.as_ref()),
                ms(c.latency_s_p95.as_ref()),
                ms(c.latency_s_p99.as_ref()),
                est(Some(&c.error_ratio), 100.0, 2),
            ]
        })
        .collect();
    let mut align = vec![Align::Left];
    align.extend([Align::Right; 6]);
    f.table(
        &[
            "class",
            &arrivals_title,
            &throughput_title,
            "p50 (ms)",
            "p95 (ms)",
            "p99 (ms)",
            "errors %",
        ],
        &rows,
        &align,
    );
    f.paragraph(
        "Latency runs from arrival at the pod to the response, over completed requests; rates \
         are over the observation window, per second — or per minute or hour, as the column \
         says, when a class is too slow for a per-second figure to read.",
        8.5,
    );
}

pub fn resource_table(f: &mut Flow, r: &SimulationResult) {
    f.heading("4  Resources");
    let rows: Vec<Vec<String>> = r
        .resources
        .iter()
        .map(|x| {
            vec![
                x.name.clone(),
                x.capacity.map_or("—".into(), table_number),
                est(Some(&x.level_mean), 1.0, 2),
                format!("{:.0}", x.level_max.mean),
                est(x.utilisation.as_ref(), 100.0, 1),
                x.utilisation_peak
                    .as_ref()
                    .map_or("—".into(), |p| format!("{:.1}", p.value * 100.0)),
                x.utilisation_peak
                    .as_ref()
                    .map_or("—".into(), |p| p.start_local.clone()),
            ]
        })
        .collect();
    let mut align = vec![Align::Left];
    align.extend([Align::Right; 5]);
    align.push(Align::Left);
    f.table(
        &[
            "resource",
            "capacity",
            "mean level",
            "max",
            "utilisation %",
            "busiest %",
            "busiest from",
        ],
        &rows,
        &align,
    );
}

/// Where the time went, per class.
pub fn breakdown_table(f: &mut Flow, r: &SimulationResult) {
    let pod_cpu = r.has_pod_cpu();
    let jobs = r.has_jobs();
    let Some(first) = r.classes.first() else {
        return;
    };
    let parts = first.time_breakdown.parts(pod_cpu, jobs);
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            let mut row = vec![c.name.clone()];
            row.extend(
                c.time_breakdown
                    .parts(pod_cpu, jobs)
                    .iter()
                    .map(|(_, _, e)| e.map_or("—".into(), |e| format!("{:.1}", e.mean * 1e3))),
            );
            row
        })
        .collect();
    let mut header = vec!["class"];
    header.extend(parts.iter().map(|(_, label, _)| *label));
    let mut align = vec![Align::Left];
    align.extend(vec![Align::Right; parts.len()]);
    f.paragraph(
        "Where the time went, ms per completed request (the parts add up to the mean latency):",
        9.0,
    );
    f.table(&header, &rows, &align);
    if pod_cpu {
        f.paragraph(
            "odoo cpu is the CPU time a request demanded; pod cpu wait the rest of its CPU \
             phases, spent sharing its pod's cores (estate.odoo.cpu) with the pod's other \
             processes.",
            8.5,
        );
    }
}

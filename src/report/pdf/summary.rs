//! The executive summary: the verdicts on the service-level objectives first, then the
//! warnings (limits reached, classes failing), the busiest resource, the first
//! bottleneck and the dominant error, the worst hour per class and the errors by cause.

use super::layout::{Align, Flow};
use super::{est, verdicts};
use crate::report::numbers::{RateUnit, width_words};
use crate::report::warnings;
use crate::result::{ClassResult, SimulationResult};

pub fn executive_summary(f: &mut Flow, r: &SimulationResult) {
    f.heading("1  Executive summary");
    verdicts::section(f, r);
    let warnings = warnings::sentences(r);
    if !warnings.is_empty() {
        f.subheading("Warnings");
        f.paragraph(
            &format!(
                "Read these next — limits reached and classes failing, which averages over \
                 {} buckets and over the horizon do not show:",
                width_words(r.series.fine_bucket_s)
            ),
            10.5,
        );
        for w in &warnings {
            f.paragraph(&format!("• {}{}.", w[..1].to_uppercase(), &w[1..]), 10.5);
        }
        f.space(6.0);
    }
    f.subheading("Where the estate is busiest");
    busiest(f, r);
    bottleneck(f, r, !warnings.is_empty());
    worst_hours(f, r);
    errors(f, r);
    headroom(f, r);
}

/// The headroom study run with the simulation, when it was: the answer, then each
/// class's (its curve is among the charts).
fn headroom(f: &mut Flow, r: &SimulationResult) {
    let Some(h) = &r.headroom else { return };
    f.subheading("Headroom");
    let lines = crate::report::headroom::summary_lines(h);
    let first = lines[0].strip_prefix("headroom: ").unwrap_or(&lines[0]);
    f.paragraph(&format!("Headroom {first}."), 10.5);
    for line in &lines[1..] {
        f.paragraph(&format!("• {line}."), 10.0);
    }
    f.paragraph(
        &format!(
            "Every open class's rate and closed class's users multiplied by the load, on a \
             grid of steps of 2^(1/{}), each load with the same {} replications and seed; \
             the knee is where a class's median latency reaches {}× its median at a \
             sixteenth of the load. The headroom curve is among the charts.",
            h.steps_per_doubling, h.replications, h.knee_factor
        ),
        8.5,
    );
}

/// The resource closest to its capacity in its busiest bucket.
fn busiest(f: &mut Flow, r: &SimulationResult) {
    let busiest = r
        .resources
        .iter()
        .filter_map(|x| x.utilisation_peak.as_ref().map(|p| (x, p)))
        .max_by(|a, b| a.1.value.total_cmp(&b.1.value));
    let Some((x, p)) = busiest else { return };
    f.paragraph(
        &format!(
            "Busiest resource: {} at {:.1} % of its capacity in its busiest {} \
             bucket (from {}); {} over the whole observation window.",
            if x.label.is_empty() {
                &x.name
            } else {
                &x.label
            },
            p.value * 100.0,
            width_words(r.series.fine_bucket_s),
            p.start_local,
            est(x.utilisation.as_ref(), 100.0, 1) + " %"
        ),
        10.5,
    );
}

/// The first bottleneck, said honestly when the averages hide a warning, and the
/// dominant error.
fn bottleneck(f: &mut Flow, r: &SimulationResult, warned: bool) {
    let b = &r.bottleneck;
    let bucket = width_words(r.series.fine_bucket_s);
    let first = match (&b.resource, &b.at) {
        (Some(name), Some(at)) => format!(
            "First bottleneck: {name}, the first resource to reach {:.0} % in a {bucket} \
             bucket: {:.0} % from {}.",
            b.threshold * 100.0,
            at.value * 100.0,
            at.start_local
        ),
        _ if warned => format!(
            "First bottleneck by {bucket} averages: no resource reached {:.0} % in any \
             bucket — but see the limits and failures listed above.",
            b.threshold * 100.0
        ),
        _ => format!(
            "First bottleneck: none — no resource reached its limit or {:.0} % in any \
             {bucket} bucket, and no class failed above {:.0} %.",
            b.threshold * 100.0,
            r.warnings.failing_share * 100.0
        ),
    };
    let dominant = match (&b.dominant_error, b.dominant_error_per_s) {
        (Some(cause), Some(rate)) => {
            let u = RateUnit::of([rate]);
            format!(" Dominant error: {cause}, {} {}.", u.value(rate), u.words)
        }
        _ => " No request failed in the observation window.".to_string(),
    };
    f.paragraph(&(first + &dominant), 10.5);
}

/// Per class: the hour with the worst p95 and the busiest bucket's arrival rate.
fn worst_hours(f: &mut Flow, r: &SimulationResult) {
    f.subheading("Worst hour per class");
    let peaks = r
        .classes
        .iter()
        .filter_map(|c| c.peak_arrivals_per_s.as_ref());
    let u = RateUnit::of(peaks.map(|p| p.value));
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| {
            let (p95, at) = c
                .worst_latency_s_p95
                .as_ref()
                .map_or(("—".into(), "—".into()), |p| {
                    (format!("{:.1}", p.value * 1e3), p.start_local.clone())
                });
            let (peak, peak_at) = c
                .peak_arrivals_per_s
                .as_ref()
                .map_or(("—".into(), "—".into()), |p| {
                    (u.value(p.value), p.start_local.clone())
                });
            vec![c.name.clone(), p95, at, peak, peak_at]
        })
        .collect();
    let arrivals = format!("peak arrivals{}", u.suffix);
    f.table(
        &[
            "class",
            "worst p95 (ms)",
            "in the hour from",
            &arrivals,
            "from",
        ],
        &rows,
        &[
            Align::Left,
            Align::Right,
            Align::Left,
            Align::Right,
            Align::Left,
        ],
    );
}

/// Errors per class: the share of arrivals, then each cause that occurred, each cause's
/// column in the unit its rates need.
fn errors(f: &mut Flow, r: &SimulationResult) {
    f.subheading("Errors");
    // Only the causes that occurred: a column of zeros per cause would not fit the page.
    let causes: Vec<&String> = r
        .classes
        .first()
        .map_or(Vec::new(), |c| c.errors_per_s.keys().collect())
        .into_iter()
        .filter(|cause| {
            r.classes
                .iter()
                .any(|c| c.totals.errors.get(*cause).copied().unwrap_or(0) > 0)
        })
        .collect();
    let units: Vec<RateUnit> = causes
        .iter()
        .map(|cause| {
            RateUnit::of(
                r.classes
                    .iter()
                    .filter_map(|c| Some(c.errors_per_s.get(*cause)?.mean)),
            )
        })
        .collect();
    let rows: Vec<Vec<String>> = r
        .classes
        .iter()
        .map(|c| error_row(c, &causes, &units))
        .collect();
    let titles: Vec<String> = causes
        .iter()
        .zip(&units)
        .map(|(c, u)| format!("{c} ({})", u.suffix))
        .collect();
    let mut header = vec!["class", "errors (% of arrivals)"];
    header.extend(titles.iter().map(String::as_str));
    let mut align = vec![Align::Left];
    align.extend(std::iter::repeat_n(Align::Right, header.len() - 1));
    f.table(&header, &rows, &align);
    f.paragraph(
        "Per-cause columns are error rates, each in the unit its column names; causes that \
         never occurred are left out.",
        8.5,
    );
}

fn error_row(c: &ClassResult, causes: &[&String], units: &[RateUnit]) -> Vec<String> {
    let mut row = vec![c.name.clone(), est(Some(&c.error_ratio), 100.0, 2)];
    row.extend(
        causes
            .iter()
            .zip(units)
            .map(|(cause, u)| u.est(c.errors_per_s.get(*cause), " ± ")),
    );
    row
}

//! The charts of a result, as data: which lines, references and floors each one has.

use super::{Band, Chart, Line, Panel, RefKind, Reference, Style, XAxis};
use crate::report::numbers::{RateUnit, width_words};
use crate::report::verdicts::value;
use crate::result::{SimulationResult, Verdict};
use crate::stats::seconds;
use plotters::style::RGBColor;

/// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies; its
/// yellow left out, unreadable on white), then three darker hues for estates with many
/// resources (replica, websocket, queue_job channels).
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(117, 112, 179),
    RGBColor(166, 86, 40),
    RGBColor(120, 120, 120),
];

/// The charts of a simulation result, in reading order.
pub fn charts(r: &SimulationResult) -> Vec<Chart> {
    let x = XAxis::new(r);
    let events = bands(r, &x);
    let mut out: Vec<Chart> = demand(r, &x).into_iter().collect();
    out.extend(r.series.classes.iter().map(|c| latency(r, &x, &c.name)));
    out.push(utilisation(r, &x));
    out.extend(listen_backlog(r, &x));
    out.extend(queue_job(r, &x));
    for c in &mut out {
        c.events = events.clone();
    }
    out
}

/// The calendar's events inside the horizon (none in results written before events
/// recorded their offsets).
fn bands(r: &SimulationResult, x: &XAxis) -> Vec<Band> {
    let Some(c) = &r.configuration else {
        return Vec::new();
    };
    c.calendar_events
        .iter()
        .filter_map(|e| {
            let (s, t) = (e.start_s? / 3600.0, e.end_s? / 3600.0);
            (s < x.horizon_h && t > 0.0).then(|| Band {
                name: e.name.clone(),
                start_h: s.max(0.0),
                end_h: t.min(x.horizon_h),
            })
        })
        .collect()
}

fn safe_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn chart(stem: &str, title: String, panels: Vec<Panel>) -> Chart {
    Chart {
        stem: stem.into(),
        title,
        note: None,
        panels,
        events: Vec::new(),
    }
}

/// A fine series as a plain line, each value scaled by `scale`.
fn fine_line(x: &XAxis, w: f64, label: &str, colour: RGBColor, v: &[f64], scale: f64) -> Line {
    Line {
        label: label.into(),
        colour,
        points: v
            .iter()
            .enumerate()
            .map(|(i, v)| (x.mid_h(i, w), Some(v * scale)))
            .collect(),
        style: Style::Plain,
    }
}

/// Arrivals per class, one panel each in the unit its rates need. Cron classes are left
/// out (a few runs a day drawn per bucket is a comb, not a curve) and named in a note.
fn demand(r: &SimulationResult, x: &XAxis) -> Option<Chart> {
    let fine = r.series.fine_bucket_s;
    let kind = |name: &str| {
        r.classes
            .iter()
            .find(|c| c.name == name)
            .map_or("", |c| c.kind.as_str())
    };
    let panels: Vec<Panel> = r
        .series
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| kind(&c.name) != "cron")
        .map(|(k, c)| {
            let max = c.arrivals_per_s.iter().copied().fold(0.0, f64::max);
            let u = RateUnit::of([max]);
            let colour = PALETTE[k % PALETTE.len()];
            Panel {
                y_desc: format!("{} ({})", c.name, u.suffix),
                y_top: None,
                y_floor: 0.0,
                lines: vec![fine_line(x, fine, "", colour, &c.arrivals_per_s, u.per_s)],
                references: Vec::new(),
            }
        })
        .collect();
    if panels.is_empty() {
        return None;
    }
    let mut c = chart(
        "demand",
        format!("Demand: arrivals by class ({} means)", width_words(fine)),
        panels,
    );
    c.note = cron_note(r);
    Some(c)
}

/// `Cron classes, left out (a few runs per bucket at most): stock-scheduler 4.00/h.`
fn cron_note(r: &SimulationResult) -> Option<String> {
    let crons: Vec<String> = r
        .classes
        .iter()
        .filter(|c| c.kind == "cron")
        .map(|c| {
            let u = RateUnit::of([c.arrivals_per_s.mean]);
            format!("{} {}{}", c.name, u.value(c.arrivals_per_s.mean), u.suffix)
        })
        .collect();
    (!crons.is_empty()).then(|| {
        format!(
            "Scheduled actions left out (a run every few buckets would draw a comb): {}",
            crons.join(", ")
        )
    })
}

/// Latency percentiles of one class per coarse bucket, with the targets of the
/// objectives on its latency.
fn latency(r: &SimulationResult, x: &XAxis, class: &str) -> Chart {
    let coarse = r.series.coarse_bucket_s;
    let c = r
        .series
        .classes
        .iter()
        .find(|c| c.name == class)
        .expect("a class of the series");
    let line = |label: &str, colour: RGBColor, v: &[Option<f64>]| Line {
        label: label.into(),
        colour,
        points: v
            .iter()
            .enumerate()
            .map(|(i, v)| (x.mid_h(i, coarse), v.map(|s| s * 1e3)))
            .collect(),
        style: Style::Markers,
    };
    let references = r
        .verdicts
        .iter()
        .filter(|v| v.class.as_deref() == Some(class))
        .filter_map(|v| latency_target(r, v))
        .collect();
    chart(
        &format!("latency-{}", safe_stem(class)),
        format!(
            "Latency of {class}: percentiles per {} bucket",
            width_words(coarse)
        ),
        vec![Panel {
            y_desc: "latency (ms)".into(),
            y_top: None,
            y_floor: 0.0,
            lines: vec![
                line("p50", PALETTE[2], &c.latency_s_p50),
                line("p95", PALETTE[1], &c.latency_s_p95),
                line("p99", PALETTE[3], &c.latency_s_p99),
            ],
            references,
        }],
    )
}

/// An objective's line on a latency chart, in ms: a percentile's target, or the
/// threshold of an `over` objective.
fn latency_target(r: &SimulationResult, v: &Verdict) -> Option<Reference> {
    let op = if v.strict { "<" } else { "≤" };
    let (ms, what) = match (v.metric.as_str(), v.threshold_s) {
        (_, Some(t)) => (
            t * 1e3,
            format!("{op} {} over {}", value(v, v.target), seconds(t)),
        ),
        (m, None) if m.starts_with("latency_p") => (v.target * 1e3, v.objective.clone()),
        _ => return None,
    };
    Some(Reference {
        label: format!("SLO {}: {what}, {}", v.slo, v.window),
        value: ms,
        kind: RefKind::Target,
        span_h: window_span(r, v),
    })
}

/// The hours an objective is judged over when it names a calendar event.
fn window_span(r: &SimulationResult, v: &Verdict) -> Option<(f64, f64)> {
    let name = v.window.strip_prefix("event ")?;
    let e = r
        .configuration
        .as_ref()?
        .calendar_events
        .iter()
        .find(|e| e.name == name)?;
    Some((e.start_s? / 3600.0, e.end_s? / 3600.0))
}

/// Utilisation of every bounded resource, with the bottleneck threshold and the
/// utilisation objectives.
fn utilisation(r: &SimulationResult, x: &XAxis) -> Chart {
    let fine = r.series.fine_bucket_s;
    let lines = r
        .series
        .resources
        .iter()
        .filter_map(|s| s.utilisation.as_ref().map(|u| (s, u)))
        .enumerate()
        .map(|(k, (s, u))| fine_line(x, fine, &s.name, PALETTE[k % PALETTE.len()], u, 100.0))
        .collect();
    let threshold = r.bottleneck.threshold * 100.0;
    let mut references = vec![Reference {
        label: format!("{threshold:.0} %: a bucket this busy is a bottleneck"),
        value: threshold,
        kind: RefKind::Threshold,
        span_h: None,
    }];
    references.extend(
        r.verdicts
            .iter()
            .filter(|v| v.metric == "utilisation")
            .map(|v| Reference {
                label: format!("SLO {}: {}, {}", v.slo, v.objective, v.window),
                value: v.target * 100.0,
                kind: RefKind::Target,
                span_h: window_span(r, v),
            }),
    );
    chart(
        "utilisation",
        format!(
            "Utilisation per resource ({} means, % of capacity)",
            width_words(fine)
        ),
        vec![Panel {
            y_desc: "utilisation (%)".into(),
            y_top: Some(100.0),
            y_floor: 0.0,
            lines,
            references,
        }],
    )
}

/// A gauge's series by name.
fn series<'a>(r: &'a SimulationResult, name: &str) -> Option<&'a [f64]> {
    r.series
        .resources
        .iter()
        .find(|s| s.name == name)
        .map(|s| &s.level_mean[..])
}

/// Requests waiting in the pods' listen backlogs, against its capacity; at least one
/// request tall.
fn listen_backlog(r: &SimulationResult, x: &XAxis) -> Option<Chart> {
    let level = series(r, "listen_backlog")?;
    let fine = r.series.fine_bucket_s;
    let cap = r
        .resources
        .iter()
        .find(|x| x.name == "listen_backlog")
        .and_then(|x| x.capacity);
    Some(chart(
        "backlog",
        format!(
            "Listen backlog: requests waiting for a worker, all pods ({} means)",
            width_words(fine)
        ),
        vec![Panel {
            y_desc: "requests waiting".into(),
            y_top: None,
            y_floor: 1.0,
            lines: vec![fine_line(x, fine, "waiting", PALETTE[0], level, 1.0)],
            references: cap
                .map(|c| Reference {
                    label: format!("capacity: {c} slots"),
                    value: c,
                    kind: RefKind::Capacity,
                    span_h: None,
                })
                .into_iter()
                .collect(),
        }],
    ))
}

/// The queue_job backlog: pending jobs, and the age of the oldest (with the age
/// objectives), when the estate has job classes.
fn queue_job(r: &SimulationResult, x: &XAxis) -> Option<Chart> {
    let pending = series(r, "queue_job_pending")?;
    let age = series(r, "queue_job_oldest_age_s")?;
    let fine = r.series.fine_bucket_s;
    let targets: Vec<&Verdict> = r
        .verdicts
        .iter()
        .filter(|v| v.metric == "backlog_age_s")
        .collect();
    let longest = age
        .iter()
        .copied()
        .chain(targets.iter().map(|v| v.target))
        .fold(0.0, f64::max);
    let (scale, unit) = if longest >= 600.0 {
        (1.0 / 60.0, "min")
    } else {
        (1.0, "s")
    };
    let references = targets
        .iter()
        .map(|v| Reference {
            label: format!("SLO {}: {}, {}", v.slo, v.objective, v.window),
            value: v.target * scale,
            kind: RefKind::Target,
            span_h: window_span(r, v),
        })
        .collect();
    Some(chart(
        "queue-job",
        format!(
            "queue_job backlog: jobs pending and the oldest one's age ({} means)",
            width_words(fine)
        ),
        vec![
            Panel {
                y_desc: "jobs pending".into(),
                y_top: None,
                y_floor: 1.0,
                lines: vec![fine_line(x, fine, "", PALETTE[0], pending, 1.0)],
                references: Vec::new(),
            },
            Panel {
                y_desc: format!("oldest job's age ({unit})"),
                y_top: None,
                y_floor: 60.0 * scale,
                lines: vec![fine_line(x, fine, "", PALETTE[3], age, scale)],
                references,
            },
        ],
    ))
}

//! The verdicts on the service-level objectives, first in the review: one plain sentence,
//! then a table (objective, subject, window, target, estimate with its interval, status)
//! in which a breaking objective stands out in bold red and an undecided one in amber,
//! then what would settle an undecided verdict. The words are the terminal summary's
//! (`report/verdicts.rs`); `stats/verdicts.rs` decided every verdict.

use super::super::verdicts::{advice, interval, status_word, value};
use super::layout::{Align, Flow, Mark};
use crate::result::{SimulationResult, Verdict, VerdictStatus};
use crate::stats::{percent, seconds};

/// The verdict section; without objectives, a sentence saying there is no verdict.
pub fn section(f: &mut Flow, r: &SimulationResult) {
    f.subheading("Service-level objectives");
    if r.verdicts.is_empty() {
        f.paragraph(
            "The scenario declares no service-level objectives, so there is no pass/fail \
             verdict: read the busiest bucket and the worst hours below against your own \
             targets (see slos: in docs/scenario-format.md).",
            10.5,
        );
        return;
    }
    f.paragraph(&in_words(r), 10.5);
    let rows: Vec<Vec<String>> = r.verdicts.iter().map(row).collect();
    let marks: Vec<Mark> = r.verdicts.iter().map(|v| mark(v.status)).collect();
    let mut align = vec![Align::Left; 4];
    align.extend([Align::Right, Align::Left]);
    f.table_marked(
        &[
            "objective",
            "subject",
            "window",
            "target",
            "estimate [interval]",
            "status",
        ],
        &rows,
        &align,
        &marks,
    );
    let notes: Vec<String> = r
        .verdicts
        .iter()
        .filter_map(|v| advice(v).map(|a| format!("• {}: {a}.", v.slo)))
        .collect();
    for n in notes {
        f.paragraph(&n, 9.0);
    }
}

/// The run's verdict as a sentence: how many objectives break, are undecided, hold, and
/// what an interval means.
fn in_words(r: &SimulationResult) -> String {
    let v = &r.verdicts;
    let named = |s: VerdictStatus| -> Vec<String> {
        v.iter()
            .filter(|x| x.status == s)
            .map(subject_name)
            .collect()
    };
    let breaks = named(VerdictStatus::Breaks);
    let undecided = named(VerdictStatus::Undecided);
    let no_data = named(VerdictStatus::NoData);
    let holds = named(VerdictStatus::Holds).len();
    let mut parts = Vec::new();
    if !breaks.is_empty() {
        parts.push(format!(
            "{} BREAK{} ({})",
            breaks.len(),
            plural_verb(breaks.len()),
            breaks.join(", ")
        ));
    }
    if !undecided.is_empty() {
        parts.push(format!(
            "{} {} UNDECIDED ({})",
            undecided.len(),
            is_are(undecided.len()),
            undecided.join(", ")
        ));
    }
    if !no_data.is_empty() {
        parts.push(format!(
            "{} had nothing to measure ({})",
            no_data.len(),
            no_data.join(", ")
        ));
    }
    if holds > 0 {
        parts.push(format!("{holds} hold{}", if holds == 1 { "s" } else { "" }));
    }
    format!(
        "Of the {} objectives, {}. Each estimate is the mean over the replications of the \
         window's worst value; its interval is at {} so that all hold together at 95 %. An \
         objective breaks only when its whole interval lies beyond the target, and holds only \
         when it lies within.",
        v.len(),
        join_and(&parts),
        percent(v[0].confidence)
    )
}

fn subject_name(v: &Verdict) -> String {
    match (&v.class, &v.resource) {
        (Some(c), _) => format!("{} on {c}", v.slo),
        (_, Some(x)) => format!("{} on {x}", v.slo),
        _ => v.slo.clone(),
    }
}

fn plural_verb(n: usize) -> &'static str {
    if n == 1 { "S" } else { "" }
}

fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn row(v: &Verdict) -> Vec<String> {
    let subject = v
        .class
        .clone()
        .or_else(|| v.resource.clone())
        .unwrap_or_else(|| "queue_job".into());
    vec![
        v.slo.clone(),
        subject,
        v.window.clone(),
        target(v),
        interval(v),
        status_word(v.status).to_owned(),
    ]
}

/// The target, short enough for a table cell: `p95 < 1.5 s`, `≤ 1 % over 2 s`.
fn target(v: &Verdict) -> String {
    let op = if v.strict { "<" } else { "≤" };
    match (v.metric.as_str(), v.threshold_s) {
        (_, Some(t)) => format!("{op} {} over {}", value(v, v.target), seconds(t)),
        ("drain_s", _) => format!("drained {op} {}", value(v, v.target)),
        ("backlog_age_s", _) => format!("oldest job {op} {}", value(v, v.target)),
        _ => v.objective.clone(),
    }
}

fn mark(s: VerdictStatus) -> Mark {
    match s {
        VerdictStatus::Holds => Mark::Plain,
        VerdictStatus::Breaks => Mark::Alert,
        VerdictStatus::Undecided | VerdictStatus::NoData => Mark::Caution,
    }
}

//! The service-level objectives' verdicts in plain words: the terminal and the PDF open
//! with the same sentences. Formatting only: `stats/verdicts.rs` decided each verdict.

use super::numbers::significant;
use crate::result::{SimulationResult, Verdict, VerdictStatus};
use crate::stats::percent;

/// The first line: how many objectives hold, break, are undecided; `None` without any.
pub fn headline(r: &SimulationResult) -> Option<String> {
    let v = &r.verdicts;
    if v.is_empty() {
        return None;
    }
    let count = |s: VerdictStatus| v.iter().filter(|x| x.status == s).count();
    let (breaks, undecided) = (
        count(VerdictStatus::Breaks),
        count(VerdictStatus::Undecided),
    );
    let no_data = count(VerdictStatus::NoData);
    let level = v[0].confidence;
    let together = if v.len() > 1 {
        format!("each at {}, all together at 95 %", percent(level))
    } else {
        format!("at {}", percent(level))
    };
    let n = v.len();
    let verdict = match (n, breaks, undecided + no_data) {
        (1, 1, _) => "the one objective BREAKS".to_owned(),
        (1, _, 1) => "the one objective is UNDECIDED".to_owned(),
        (1, _, _) => "the one objective holds".to_owned(),
        (_, b, _) if b > 0 => format!("{b} of {n} objectives BREAK"),
        (_, _, u) if u > 0 => format!("no objective breaks, {u} of {n} UNDECIDED"),
        _ => format!("all {n} objectives hold"),
    };
    Some(format!("SLOs: {verdict} ({together})"))
}

/// The subject and objective: `checkout_p95 (checkout): p95 < 800 ms, hourly`.
pub fn subject(v: &Verdict) -> String {
    let on = match (&v.class, &v.resource) {
        (Some(c), _) => format!(" ({c})"),
        _ => String::new(),
    };
    format!("{}{on}: {}, {}", v.slo, v.objective, v.window)
}

/// A value in the verdict's unit, to three significant digits: `45.4 ms`, `15.5 %`.
pub fn value(v: &Verdict, x: f64) -> String {
    let (x, unit) = if v.unit != "s" {
        (x * 100.0, "%")
    } else if x == 0.0 {
        // A backlog drained at once: `0 s`, not `0 ms`.
        (x, "s")
    } else if x < 1.0 {
        (x * 1e3, "ms")
    } else if x < 120.0 {
        (x, "s")
    } else if x < 7200.0 {
        (x / 60.0, "min")
    } else {
        (x / 3600.0, "h")
    };
    format!("{} {unit}", significant(x, 3))
}

/// The estimate and its interval: `1.42 s [1.30 s, 1.55 s]`, `worst hour 0.84 % […]`.
pub fn estimate(v: &Verdict) -> String {
    let worst = match (&v.worst_span, v.window.as_str()) {
        (None, _) => "",
        _ if v.mean.is_none() => "",
        (Some(_), "hourly") => "worst hour ",
        (Some(_), _) => "worst occurrence ",
    };
    format!("{worst}{}", interval(v))
}

/// The estimate and its interval without saying which span it is: `1.42 s [1.30 s, 1.55 s]`.
pub fn interval(v: &Verdict) -> String {
    let Some(mean) = v.mean else {
        return "nothing to measure in the window".into();
    };
    match (v.low, v.high) {
        (Some(lo), Some(hi)) => format!(
            "{} [{}, {}]",
            value(v, mean),
            value(v, lo.max(0.0)),
            value(v, hi)
        ),
        _ => format!("{} (one replication: no interval)", value(v, mean)),
    }
}

/// What to do about an undecided verdict, or where the worst hour was.
pub fn advice(v: &Verdict) -> Option<String> {
    match v.status {
        VerdictStatus::Undecided => Some(match v.replications_needed {
            Some(n) => {
                format!("about {n} replications would likely settle it (--until-decided {n})")
            }
            None if v.replications < 2 => "run at least 2 replications for an interval".into(),
            None => "the estimate sits on the target: no number of replications settles it".into(),
        }),
        VerdictStatus::NoData => Some("the class had no request to measure in the window".into()),
        _ => v.worst_span.as_ref().map(|p| {
            let what = if v.window == "hourly" {
                "hour"
            } else {
                "occurrence"
            };
            format!("worst {what} from {}", p.start_local)
        }),
    }
}

/// One line per verdict: `BREAKS  name (class): objective, window — estimate; advice`.
pub fn lines(r: &SimulationResult) -> Vec<(VerdictStatus, String)> {
    r.verdicts
        .iter()
        .map(|v| {
            let mut s = format!("{} — {}", subject(v), estimate(v));
            if let Some(a) = advice(v) {
                s += &format!("; {a}");
            }
            (v.status, s)
        })
        .collect()
}

/// The status word, upper case for what needs action.
pub fn status_word(s: VerdictStatus) -> &'static str {
    match s {
        VerdictStatus::Holds => "holds",
        VerdictStatus::Breaks => "BREAKS",
        VerdictStatus::Undecided => "UNDECIDED",
        VerdictStatus::NoData => "NO DATA",
    }
}

//! A headroom study on the terminal and as CSV: the answer first (true of every
//! objective), then each class, then every load simulated.

use crate::result::VerdictStatus;
use crate::result::headroom::{Bracket, Headroom, Outcome, Point};
use crate::study::headroom::{MAX_STEP, load_of};
use std::fmt::Write;

/// `×1.19`.
fn times(load: f64) -> String {
    format!("×{load:.2}")
}

/// The answer for every objective together.
fn overall_line(b: &Bracket) -> String {
    let why = |b: &Bracket| {
        let mut s = b.because.join(", ");
        if let Some(r) = &b.first_bottleneck {
            let _ = write!(s, "; first bottleneck {r}");
        } else if let Some((r, u)) = &b.busiest {
            let _ = write!(s, "; busiest {r} at {:.1} %", u * 100.0);
        }
        s
    };
    match (b.passes, b.fails) {
        (None, _) => format!(
            "headroom: NONE — objectives fail even at ×1/16 ({})",
            why(b)
        ),
        (Some(p), None) => format!(
            "headroom: at least {} — every objective holds up to the search's end",
            times(p)
        ),
        (Some(p), Some(f)) if p < 1.0 => format!(
            "headroom: NONE — the scenario as written fails; every objective holds up to {}, at {} {}",
            times(p),
            times(f),
            why(b)
        ),
        (Some(p), Some(f)) => format!(
            "headroom: {} — every objective holds up to {}; at {}: {}",
            times(p),
            times(p),
            times(f),
            why(b)
        ),
    }
}

/// `×1.19 (×1.22 fails)`, or what the bracket's ends say.
fn cell(b: Option<&Bracket>) -> String {
    match b {
        None => "—".into(),
        Some(b) => match (b.passes, b.fails) {
            (None, _) => "below ×0.06".into(),
            (Some(p), None) => format!("≥ {}", times(p)),
            (Some(p), Some(f)) => format!("{} ({} fails)", times(p), times(f)),
        },
    }
}

/// One load's objectives in a few words.
pub fn verdicts_word(p: &Point) -> String {
    if p.outcome != Outcome::Ran {
        return p.outcome.name().to_owned();
    }
    let count = |s| p.objectives.iter().filter(|o| o.status == s).count();
    let (breaks, undecided) = (
        count(VerdictStatus::Breaks),
        count(VerdictStatus::Undecided),
    );
    match (p.objectives.len(), breaks, undecided) {
        (0, ..) => "no objectives".into(),
        (_, 0, 0) => "all hold".into(),
        (_, b, 0) => format!("{b} break"),
        (_, 0, u) => format!("{u} undecided"),
        (_, b, u) => format!("{b} break, {u} undecided"),
    }
}

/// The study in a few lines, for a simulation's summary and its PDF: the answer for
/// every objective, then each class's own answer and knee.
pub fn summary_lines(h: &Headroom) -> Vec<String> {
    let mut lines = vec![match &h.overall {
        Some(b) => overall_line(b),
        None => "headroom: the scenario has no objectives (slos:); knees only".into(),
    }];
    for c in &h.classes {
        let mut parts = Vec::new();
        if let Some(b) = &c.objectives {
            parts.push(format!("its objectives hold up to {}", cell(Some(b))));
        }
        if let Some(k) = &c.knee {
            parts.push(format!("median twice nominal beyond {}", cell(Some(k))));
        }
        if !parts.is_empty() {
            lines.push(format!("{}: {}", c.class, parts.join("; ")));
        }
    }
    lines
}

/// The study on the terminal.
pub fn text(h: &Headroom) -> String {
    let mut s = String::new();
    match &h.overall {
        Some(b) => {
            let _ = writeln!(s, "{}", overall_line(b));
        }
        None => {
            let _ = writeln!(
                s,
                "headroom: the scenario has no objectives (slos:); knees only"
            );
        }
    }
    let _ = writeln!(
        s,
        "\n{}: loads ×1/16 to ×{:.0} in steps of ≈ {:.1} %, {} replications each, seed {}",
        h.scenario,
        load_of(MAX_STEP),
        (load_of(1) - 1.0) * 100.0,
        h.replications,
        h.seed
    );
    let _ = writeln!(
        s,
        "\nper class (knee: where the median latency reaches {}× its median at ×1/16)",
        h.knee_factor
    );
    let _ = writeln!(
        s,
        "  {:<24} {:>24} {:>24} {:>14}",
        "class", "objectives hold up to", "median < 2× nominal to", "nominal p50"
    );
    for c in &h.classes {
        let nominal = c
            .nominal_p50_s
            .map_or("—".into(), |n| format!("{:.1} ms", n * 1e3));
        let _ = writeln!(
            s,
            "  {:<24} {:>24} {:>24} {:>14}",
            c.class,
            cell(c.objectives.as_ref()),
            cell(c.knee.as_ref()),
            nominal
        );
    }
    let _ = writeln!(s, "\nloads simulated ({})", h.points.len());
    let _ = writeln!(
        s,
        "  {:>8} {:<22} {:<36} first bottleneck",
        "load", "objectives", "busiest resource"
    );
    for p in &h.points {
        let busiest = p
            .busiest
            .as_ref()
            .map_or("—".into(), |(r, u)| format!("{r} {:.1} %", u * 100.0));
        let _ = writeln!(
            s,
            "  {:>8} {:<22} {:<36} {}",
            times(p.load),
            verdicts_word(p),
            busiest,
            p.first_bottleneck.as_deref().unwrap_or("—")
        );
    }
    s
}

/// Every load simulated, one row per load and class: `load,outcome,class,throughput_per_s,
/// error_ratio,latency_s_p50,latency_s_p95,objectives`.
pub fn csv(h: &Headroom) -> String {
    let mut s = String::from(
        "load,outcome,class,throughput_per_s,error_ratio,latency_s_p50,latency_s_p95,objectives\n",
    );
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x}"));
    for p in &h.points {
        let words = verdicts_word(p);
        if p.classes.is_empty() {
            let _ = writeln!(s, "{},{},,,,,,{}", p.load, p.outcome.name(), words);
        }
        for c in &p.classes {
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{}",
                p.load,
                p.outcome.name(),
                c.class,
                c.throughput_per_s,
                c.error_ratio,
                opt(c.latency_s_p50),
                opt(c.latency_s_p95),
                words
            );
        }
    }
    s
}

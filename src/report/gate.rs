//! The gate in words: the terminal table, the Markdown summary a CI job posts on a pull
//! request, and the JSON document. Every figure was computed by `study::gate`; this file
//! only converts units (s → ms, shares → %) and lays rows out.

use super::numbers::significant;
use crate::model::gate::MarginKind;
use crate::study::gate::{Decision, Gate, Row};

/// The versioned `peakplan.gate` document, pretty-printed.
pub fn json(g: &Gate) -> String {
    let mut s = serde_json::to_string_pretty(g).expect("gate types serialise infallibly");
    s.push('\n');
    s
}

/// How a row's values read: a scale, a unit and its difference's unit.
struct Unit {
    scale: f64,
    unit: &'static str,
    diff_unit: &'static str,
}

fn unit_of(r: &Row) -> Unit {
    // The baseline's magnitude chooses (ms below a second), so a row reads in one unit.
    let reference = r.baseline.or(r.change).unwrap_or(0.0).abs();
    match r.unit.as_str() {
        "s" if reference < 1.0 => Unit {
            scale: 1e3,
            unit: " ms",
            diff_unit: " ms",
        },
        "s" => Unit {
            scale: 1.0,
            unit: " s",
            diff_unit: " s",
        },
        "share" => Unit {
            scale: 100.0,
            unit: " %",
            diff_unit: " pp",
        },
        _ => Unit {
            scale: 1.0,
            unit: "/s",
            diff_unit: "/s",
        },
    }
}

fn num(x: f64) -> String {
    significant(x, 4)
}

fn signed(x: f64) -> String {
    let s = num(x);
    if x > 0.0 {
        format!("+{s}")
    } else {
        s.replace('-', "−")
    }
}

/// A value in the row's unit, or `–`.
pub fn value(r: &Row, x: Option<f64>) -> String {
    let u = unit_of(r);
    x.map_or_else(|| "–".into(), |x| format!("{}{}", num(x * u.scale), u.unit))
}

/// `+148 ms [+120, +176] (+12.3 %)`.
pub fn difference(r: &Row) -> String {
    let u = unit_of(r);
    let Some(d) = r.difference else {
        return "–".into();
    };
    let mut s = format!("{}{}", signed(d * u.scale), u.diff_unit);
    if let (Some(l), Some(h)) = (r.low, r.high) {
        s += &format!(" [{}, {}]", signed(l * u.scale), signed(h * u.scale));
    }
    if let Some(rel) = r.relative_difference.filter(|_| r.unit != "share") {
        s += &format!(" ({} %)", signed(rel * 100.0));
    }
    s
}

/// `+120.2 ms (10 %)`, `+0.1 pp`, `+150 ms (10 % of target)`, `off`: how far the
/// difference may go the bad way.
pub fn tolerance(r: &Row) -> String {
    let (Some(t), Some(m)) = (r.tolerance, r.margin) else {
        return "off".into();
    };
    let u = unit_of(r);
    let bad = if r.higher_is_worse { m } else { -m };
    let margin = format!("{}{}", signed(bad * u.scale), u.diff_unit);
    match r.tolerance_kind {
        MarginKind::Absolute => margin,
        MarginKind::Relative => format!("{margin} ({} %)", num(t * 100.0)),
        MarginKind::OfTarget => format!("{margin} ({} % of target)", num(t * 100.0)),
    }
}

/// One row in a sentence: what a JUnit failure or an annotation says.
pub fn sentence(r: &Row) -> String {
    let verdicts = match (r.baseline_verdict, r.change_verdict) {
        (Some(b), Some(c)) => format!("; the objective {} → {}", b.name(), c.name()),
        _ => String::new(),
    };
    format!(
        "{} of {}: {} — baseline {}, change {}, difference {}, tolerance {}{verdicts}: {}",
        r.metric.name(),
        r.subject(),
        r.decision.name(),
        value(r, r.baseline),
        value(r, r.change),
        difference(r),
        tolerance(r),
        r.reason
    )
}

fn headline(g: &Gate) -> String {
    format!(
        "peakplan gate: {} — scenario {}, {} replications paired at seed {} ({} regression{}, {} undecided, {} pass, {} improved; intervals at {} % each)",
        g.decision.name().to_uppercase(),
        g.scenario,
        g.replications,
        g.seed,
        g.count(Decision::Regression),
        if g.count(Decision::Regression) == 1 {
            ""
        } else {
            "s"
        },
        g.count(Decision::Undecided),
        g.count(Decision::Pass),
        g.count(Decision::Improved),
        num(g.confidence * 100.0)
    )
}

const HEADER: [&str; 7] = [
    "decision",
    "metric",
    "class",
    "baseline",
    "change",
    "difference [interval]",
    "tolerance",
];

fn cells(r: &Row) -> [String; 7] {
    [
        r.decision.name().into(),
        r.metric.name().into(),
        r.subject(),
        value(r, r.baseline),
        value(r, r.change),
        difference(r),
        tolerance(r),
    ]
}

/// The terminal table, regressions first, then the notes.
pub fn text(g: &Gate) -> String {
    let rows: Vec<[String; 7]> = g.rows.iter().map(cells).collect();
    let mut width = HEADER.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(width)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    let mut out = format!("{}\n\n", headline(g));
    out += &line(&HEADER.map(String::from));
    for r in &rows {
        out += &line(r);
    }
    for n in &g.notes {
        out += &format!("  note: {n}\n");
    }
    out
}

fn badge(d: Decision) -> &'static str {
    match d {
        Decision::Regression => "❌ regression",
        Decision::Undecided => "⚠️ undecided",
        Decision::Pass => "✅ pass",
        Decision::Improved => "✅ improved",
        Decision::NotGated => "not gated",
        Decision::NoData => "no data",
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The Markdown summary: the decision, the table, how to read it.
pub fn markdown(g: &Gate) -> String {
    let mut out = format!("## {}\n\n", md_escape(&headline(g)));
    out += &format!("| {} |\n", HEADER.join(" | "));
    out += &format!("|{}\n", "---|".repeat(HEADER.len()));
    for r in &g.rows {
        let mut c = cells(r).map(|c| md_escape(&c));
        c[0] = badge(r.decision).into();
        out += &format!("| {} |\n", c.join(" | "));
    }
    if !g.notes.is_empty() {
        out += "\n";
        for n in &g.notes {
            out += &format!("- {}\n", md_escape(n));
        }
    }
    out += "\nEach difference is change − baseline, paired replication by replication (same seed, common random numbers), with its Student-t interval. A regression: the whole interval is beyond the tolerance; a pass: the whole interval is within it; otherwise undecided. See docs/ci.md.\n";
    out
}

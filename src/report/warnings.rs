//! The warnings every summary opens with, in plain words: the terminal and the PDF say the
//! same sentences. Formatting only: `stats/warnings.rs` decided what to list.

use super::numbers::grouped;
use crate::result::SimulationResult;

/// One sentence per limit reached, then one per failing class.
pub fn sentences(r: &SimulationResult) -> Vec<String> {
    let w = &r.warnings;
    let bucket = super::numbers::width_words(r.series.fine_bucket_s);
    let limits = w.limits_reached.iter().map(|l| {
        let label = if l.label.is_empty() {
            &l.resource
        } else {
            &l.label
        };
        format!(
            "{label} ({}) reached its capacity of {} in {} of {} replications",
            l.resource,
            amount(l.capacity),
            l.in_replications,
            l.replications
        )
    });
    let classes = w.failing_classes.iter().map(|c| {
        let mut s = format!(
            "class {}: {} of its requests failed",
            c.class,
            percent(c.error_ratio.mean)
        );
        if let Some(cause) = &c.dominant_cause {
            s += &format!(", mostly {cause}");
        }
        if let Some(b) = &c.worst_bucket {
            s += &format!(
                "; {} in its worst {bucket} bucket (from {})",
                percent(b.value),
                b.start_local
            );
        }
        s
    });
    limits.chain(classes).collect()
}

/// Whether the run is clean: no limit reached, no class failing.
pub fn clean(r: &SimulationResult) -> bool {
    r.warnings.limits_reached.is_empty() && r.warnings.failing_classes.is_empty()
}

/// A capacity: grouped digits when whole (1,799), one decimal otherwise (512.5).
fn amount(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        grouped(x as u64)
    } else {
        format!("{x:.1}")
    }
}

/// A share as a percentage with the digits that matter (57 %, 1.4 %, 0.04 %).
fn percent(x: f64) -> String {
    let p = x * 100.0;
    match p {
        p if p >= 10.0 => format!("{p:.0} %"),
        p if p >= 1.0 => format!("{p:.1} %"),
        p => format!("{p:.2} %"),
    }
}

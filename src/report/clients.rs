//! The clients who give up (`client:`), as one table for the terminal and the PDF: per
//! class with clients, the share abandoned, goodput against the completions Odoo wasted,
//! the requests sent again, and the cores' worth of work done for nobody.

use super::numbers::{RateUnit, est};
use crate::result::SimulationResult;

/// What the table says under it.
pub const NOTE: &str = "A user whose response does not come within its client's timeout \
     counts the request as failed (client_timeout); Odoo still runs it, so its completion is \
     wasted (throughput, not goodput) and its CPU and database time is work for nobody, in \
     cores (seconds of work per second). Resubmissions are counted in the arrivals.";

/// The header and one row per class with clients who give up; `None` when no class
/// has any. `sep` joins a mean and its half-width.
pub fn table(r: &SimulationResult, sep: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let classes: Vec<_> = r
        .classes
        .iter()
        .filter_map(|c| c.client.as_ref().map(|k| (c, k)))
        .collect();
    if classes.is_empty() {
        return None;
    }
    let u = RateUnit::of(classes.iter().flat_map(|(_, k)| {
        [
            k.goodput_per_s.mean,
            k.wasted_completions_per_s.mean,
            k.resubmissions_per_s.mean,
        ]
    }));
    let header = vec![
        "class".to_string(),
        "abandoned %".to_string(),
        format!("goodput{}", u.suffix),
        format!("wasted{}", u.suffix),
        format!("resubmits{}", u.suffix),
        "wasted cpu (cores)".to_string(),
        "wasted db (cores)".to_string(),
    ];
    let rows = classes
        .iter()
        .map(|(c, k)| {
            vec![
                c.name.clone(),
                est(Some(&k.abandoned_share), 100.0, 2, sep),
                u.est(Some(&k.goodput_per_s), sep),
                u.est(Some(&k.wasted_completions_per_s), sep),
                u.est(Some(&k.resubmissions_per_s), sep),
                est(Some(&k.wasted_odoo_cpu_s_per_s), 1.0, 2, sep),
                est(Some(&k.wasted_db_s_per_s), 1.0, 2, sep),
            ]
        })
        .collect();
    Some((header, rows))
}

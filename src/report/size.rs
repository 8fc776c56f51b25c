//! A sizing study on the terminal: the answer first (the cheapest configuration that
//! holds, its cost and margins), then its certificate (each neighbour one step down and
//! what breaks there), the runners-up, Odoo's rule of thumb beside it, and the counts.

use crate::study::size::{Config, ObjectiveAt, Size};
use std::fmt::Write;

/// The configuration in words: `estate.odoo.pods = 4, estate.odoo.workers = 6`.
fn configuration(size: &Size, c: &Config) -> String {
    size.knobs
        .iter()
        .zip(&c.values)
        .map(|(k, v)| format!("{} = {v}", k.path))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `€ 1,234.00/month; 14 vCPU, 9.2 GiB`.
fn cost(size: &Size, c: &Config) -> String {
    let Some(x) = &c.cost else {
        return "no cost (refused)".into();
    };
    let footprint = format!("{:.2} vCPU, {:.1} GiB", x.vcpu, x.memory_gib);
    match (x.per_month, &size.currency) {
        (Some(p), Some(cur)) => format!("{p:.2} {cur}/month; {footprint}"),
        _ => footprint,
    }
}

/// A value in its unit: `1.23 s`, `0.41 %`.
fn value(o: &ObjectiveAt, x: Option<f64>) -> String {
    match (x, o.unit.as_str()) {
        (None, _) => "—".into(),
        // A share's interval may dip below 0 by rounding: `-0.000 %` reads as a sign.
        (Some(v), "share") => format!("{:.3} %", (v * 100.0).max(0.0)),
        (Some(v), "s") => format!("{v:.3} s"),
        (Some(v), u) => format!("{v:.4} {u}"),
    }
}

/// One objective: `checkout-p95 (checkout) p95 < 1.5 s: 1.21 s [1.18 s, 1.24 s] holds`.
pub fn objective_line(o: &ObjectiveAt) -> String {
    let class = o
        .class
        .as_deref()
        .map_or(String::new(), |c| format!(" ({c})"));
    format!(
        "{}{class} {}: {} [{}, {}] {}",
        o.slo,
        o.objective,
        value(o, o.value),
        value(o, o.low),
        value(o, o.high),
        o.status.name().to_uppercase()
    )
}

/// What a failing configuration shows: the objectives that do not hold, with values.
fn evidence(c: &Config) -> Vec<String> {
    match c.outcome {
        crate::study::size::Outcome::Fails => c
            .objectives
            .iter()
            .filter(|o| o.status != crate::result::VerdictStatus::Holds)
            .map(objective_line)
            .collect(),
        _ => c.failing(),
    }
}

pub fn text(size: &Size) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "peakplan size — {}", size.scenario);
    let _ = writeln!(
        s,
        "seed {}, {} replications per configuration (up to {} while undecided)",
        size.seed, size.replications, size.max_replications
    );
    let _ = writeln!(s, "cost: {}", size.cost_basis);
    match &size.chosen {
        Some(c) => chosen(&mut s, size, c),
        None => nothing_holds(&mut s, size),
    }
    let n = &size.counts;
    let _ = writeln!(
        s,
        "\nsearched: {:.0} configurations in the ranges; {} simulated, {} pruned analytically, {} refused by validation, {} verdicts inferred by monotonicity",
        n.space, n.simulated, n.pruned, n.refused, n.inferred
    );
    let _ = writeln!(s, "not covered: {}", size.not_simulated);
    s
}

fn chosen(s: &mut String, size: &Size, c: &Config) {
    let _ = writeln!(
        s,
        "\ncheapest configuration that holds: {}",
        configuration(size, c)
    );
    let _ = writeln!(s, "  cost: {}", cost(size, c));
    let _ = writeln!(
        s,
        "  {} replications; every objective holds:",
        c.replications
    );
    for o in &c.objectives {
        let _ = writeln!(s, "    {}", objective_line(o));
    }
    if let Some(cert) = &size.certificate {
        let verdict = if cert.holds {
            "every neighbour one step down fails"
        } else {
            "NOT ESTABLISHED: a neighbour one step down passes too"
        };
        let _ = writeln!(s, "\ncertificate: {verdict}");
        if cert.neighbours.is_empty() {
            let _ = writeln!(s, "  (every knob is at its smallest value)");
        }
        for nb in &cert.neighbours {
            let _ = writeln!(
                s,
                "  {} {} → {}: {}",
                nb.knob,
                nb.from,
                nb.to,
                nb.config.outcome.name()
            );
            for e in evidence(&nb.config) {
                let _ = writeln!(s, "    {e}");
            }
        }
    }
    if !size.runners_up.is_empty() {
        let _ = writeln!(s, "\nrunners-up:");
        for r in &size.runners_up {
            let margin = r
                .margin()
                .map_or("—".into(), |m| format!("{:.1} %", m * 100.0));
            let _ = writeln!(
                s,
                "  {}: {}; smallest margin {margin}",
                configuration(size, r),
                cost(size, r)
            );
        }
    }
    if let Some(r) = &size.rule_of_thumb {
        let _ = writeln!(s, "\nrule of thumb: {}", r.rule);
        if let (Some(w), Some(u), Some(c)) = (r.workers, r.concurrent_users, &r.config) {
            let _ = writeln!(
                s,
                "  {w} workers per pod (≈ {u} concurrent users): {} — {}",
                c.outcome.name(),
                cost(size, c)
            );
            for e in evidence(c) {
                let _ = writeln!(s, "    {e}");
            }
        }
    }
}

fn nothing_holds(s: &mut String, size: &Size) {
    let _ = writeln!(s, "\nNOTHING HOLDS in the ranges given.");
    if let Some(l) = &size.largest {
        let _ = writeln!(
            s,
            "  at the largest configuration ({}): {}",
            configuration(size, l),
            l.outcome.name()
        );
        for e in evidence(l) {
            let _ = writeln!(s, "    {e}");
        }
    }
}

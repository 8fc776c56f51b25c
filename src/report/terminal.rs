//! The terminal summary: aligned plain-text tables, the busiest resource first.

use super::estate;
use super::numbers::{self, RateUnit, grouped as group};
use super::verdicts;
use super::warnings;
use crate::result::SimulationResult;
use crate::result::VerdictStatus;
use crate::stats::Estimate;
use std::fmt::Write;

fn est(e: Option<&Estimate>, scale: f64, digits: usize) -> String {
    numbers::est(e, scale, digits, "±")
}

fn ms(e: Option<&Estimate>) -> String {
    numbers::ms(e, "±")
}

/// ANSI styling, used only when the summary goes to a terminal (`colour`); piped output
/// stays plain text. Escape codes rather than a crate: four styles do not need one.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    /// Red from 90 % utilisation, yellow from 70 %, green below: how close to saturation.
    fn level(&self, utilisation: f64, text: &str) -> String {
        let code = match utilisation {
            u if u >= 0.9 => "1;31",
            u if u >= 0.7 => "1;33",
            _ => "1;32",
        };
        self.paint(code, text)
    }
}

/// The headline: the resource closest to saturation in its busiest bucket.
fn headline(r: &SimulationResult, st: &Style) -> Option<String> {
    let (name, p) = r
        .resources
        .iter()
        .filter_map(|x| x.utilisation_peak.as_ref().map(|p| (x.name.as_str(), p)))
        .max_by(|a, b| a.1.value.total_cmp(&b.1.value))?;
    Some(format!(
        "busiest resource: {}, {} utilised in its busiest {} bucket (from {})",
        st.bold(name),
        st.level(p.value, &format!("{:.1} %", p.value * 100.0)),
        super::numbers::width_words(r.series.fine_bucket_s),
        p.start_local
    ))
}

/// Renders the summary of a simulation, the busiest resource first. `wall_s` (the run's
/// wall-clock time) is printed only here, never in JSON; `None` when re-rendering a saved
/// result. `colour` adds ANSI styles (for a terminal).
pub fn summary(r: &SimulationResult, wall_s: Option<f64>, colour: bool) -> String {
    let st = Style { on: colour };
    let mut o = String::new();
    if let Some(line) = verdicts::headline(r) {
        let _ = writeln!(o, "{}", st.bold(&line));
        for (status, line) in verdicts::lines(r) {
            let word = format!("{:<9}", verdicts::status_word(status));
            let code = match status {
                VerdictStatus::Holds => "1;32",
                VerdictStatus::Breaks => "1;31",
                _ => "1;33",
            };
            let _ = writeln!(o, "  {} {line}", st.paint(code, &word));
        }
    }
    for line in warnings::sentences(r) {
        let _ = writeln!(o, "{} {line}", st.paint("1;31", "WARNING"));
    }
    if let Some(line) = headline(r, &st) {
        let _ = writeln!(o, "{line}");
    }
    let b = &r.bottleneck;
    match (&b.resource, &b.at) {
        (Some(name), Some(at)) => {
            let _ = writeln!(
                o,
                "first bottleneck: {} reached {} at {}",
                st.bold(name),
                st.level(at.value, &format!("{:.0} %", at.value * 100.0)),
                at.start_local
            );
        }
        _ if !warnings::clean(r) => {
            let _ = writeln!(
                o,
                "first bottleneck by {} averages: none reached {:.0} % — but see the warnings above",
                super::numbers::width_words(r.series.fine_bucket_s),
                b.threshold * 100.0
            );
        }
        _ => {
            let _ = writeln!(
                o,
                "first bottleneck: none — no resource reached its capacity or {:.0} % in any bucket, and no class failed above {:.0} %",
                b.threshold * 100.0,
                r.warnings.failing_share * 100.0
            );
        }
    }
    if let (Some(cause), Some(rate)) = (&b.dominant_error, b.dominant_error_per_s) {
        let u = RateUnit::of([rate]);
        let _ = writeln!(
            o,
            "dominant error: {cause} at {}{}",
            u.value(rate),
            u.suffix
        );
    }
    if let Some(h) = &r.headroom {
        let lines = super::headroom::summary_lines(h);
        let _ = writeln!(o, "{}", st.bold(&lines[0]));
        for line in &lines[1..] {
            let _ = writeln!(o, "  {line}");
        }
    }
    let _ = writeln!(o);
    let sc = &r.scenario;
    let _ = writeln!(
        o,
        "{}: {:.1} h from {} ({}), warm-up {:.0} min",
        st.bold(&sc.name),
        sc.horizon_s / 3600.0,
        sc.start_local,
        sc.timezone,
        sc.warmup_s / 60.0
    );
    let timing = wall_s.map_or(String::new(), |w| {
        format!(
            " in {:.2} s ({:.1} M events/s)",
            w,
            r.run.events as f64 / w.max(1e-9) / 1e6
        )
    });
    let _ = writeln!(
        o,
        "{} replications, seed {}, {} events{timing}; ± is the 95 % confidence half-width",
        r.run.replications,
        r.run.seed,
        group(r.run.events),
    );

    if let Some(c) = &r.configuration {
        let _ = writeln!(o, "\n{}", st.bold("simulated configuration"));
        for (label, line) in estate::lines(c) {
            let _ = writeln!(o, "  {label}: {line}");
        }
        for (name, line) in estate::events(c) {
            let _ = writeln!(o, "  event {name}: {line}");
        }
        for (name, line) in estate::changes(c) {
            let _ = writeln!(o, "  change {name}: {line}");
        }
    }

    class_table(&mut o, r, &st);
    clients_table(&mut o, r, &st);
    peaks_table(&mut o, r, &st);
    let _ = writeln!(o, "\nwhere the time went (ms per completed request)");
    let shown = r.shown_parts();
    let width = |label: &str| label.len().max(9);
    if let Some(c) = r.classes.first() {
        let mut head = format!("  {:<20}", "class");
        for (_, label, _) in c.time_breakdown.parts(shown) {
            head += &format!(" {label:>w$}", w = width(label));
        }
        let _ = writeln!(o, "{head}");
    }
    for c in &r.classes {
        let f = |e: &Option<Estimate>| e.map_or("—".into(), |e| format!("{:.1}", e.mean * 1e3));
        let mut line = format!("  {:<20}", c.name);
        for (_, label, e) in c.time_breakdown.parts(shown) {
            line += &format!(" {:>w$}", f(&e), w = width(label));
        }
        let _ = writeln!(o, "{line}");
    }

    if !r.queue_job_drain.is_empty() {
        let _ = writeln!(o, "\nqueue_job backlog after each event");
        for d in &r.queue_job_drain {
            let drain = d
                .drain_s
                .map_or("not drained by the horizon".to_string(), |s| {
                    format!("drained {:.0} min later", s / 60.0)
                });
            let _ = writeln!(
                o,
                "  {:<28} ended {}: {:.0} jobs pending, {drain}",
                d.event, d.end_local, d.backlog_at_end
            );
        }
    }

    let notes = estate_notes(r);
    if !notes.is_empty() {
        let _ = writeln!(o, "\nestate");
        for line in notes {
            let _ = writeln!(o, "  {line}");
        }
    }

    errors_table(&mut o, r, &st);
    let _ = writeln!(o, "\n{}", st.bold("resources"));
    let shown: Vec<_> = r
        .resources
        .iter()
        .filter(|x| x.capacity.is_some() || x.level_max.mean > 0.0)
        .collect();
    // Per-channel gauges have long names (`queue_job_running[root.marketplace]`).
    let width = shown
        .iter()
        .map(|x| x.name.chars().count())
        .fold(20, usize::max);
    let _ = writeln!(
        o,
        "  {:<width$} {:>10} {:>14} {:>10} {:>16} {:>16}",
        "resource", "capacity", "mean level", "max level", "utilisation %", "busiest bucket %"
    );
    for x in shown {
        // Small levels (a replication lag in seconds) keep their decimals.
        let max = x.level_max.mean;
        let max = match max.abs() {
            m if m >= 100.0 || max == max.trunc() => format!("{max:.0}"),
            m if m >= 10.0 => format!("{max:.1}"),
            m if m >= 1.0 => format!("{max:.2}"),
            _ => format!("{max:.3}"),
        };
        let _ = writeln!(
            o,
            "  {:<width$} {:>10} {:>14} {:>10} {:>16} {:>16}",
            x.name,
            x.capacity.map_or("—".into(), |c| format!("{c}")),
            est(Some(&x.level_mean), 1.0, 2),
            max,
            est(x.utilisation.as_ref(), 100.0, 1),
            x.utilisation_peak
                .as_ref()
                .map_or("—".into(), |p| format!("{:.1}", p.value * 100.0)),
        );
    }
    o
}

/// Per class: rates (in the unit each column needs), latency percentiles, errors.
fn class_table(o: &mut String, r: &SimulationResult, st: &Style) {
    let arrivals = RateUnit::of(r.classes.iter().map(|c| c.arrivals_per_s.mean));
    let throughput = RateUnit::of(r.classes.iter().map(|c| c.throughput_per_s.mean));
    let _ = writeln!(o, "\n{}", st.bold("per class (latency in ms)"));
    let _ = writeln!(
        o,
        "  {:<20} {:>14} {:>14} {:>14} {:>16} {:>16} {:>12}",
        "class",
        format!("arrivals{}", arrivals.suffix),
        format!("throughput{}", throughput.suffix),
        "p50",
        "p95",
        "p99",
        "errors %"
    );
    for c in &r.classes {
        let _ = writeln!(
            o,
            "  {:<20} {:>14} {:>14} {:>14} {:>16} {:>16} {:>12}",
            c.name,
            arrivals.est(Some(&c.arrivals_per_s), "±"),
            throughput.est(Some(&c.throughput_per_s), "±"),
            ms(c.latency_s_p50.as_ref()),
            ms(c.latency_s_p95.as_ref()),
            ms(c.latency_s_p99.as_ref()),
            est(Some(&c.error_ratio), 100.0, 2),
        );
    }
}

/// Per class with clients who give up: abandoned, goodput, wasted (`client:`).
fn clients_table(o: &mut String, r: &SimulationResult, st: &Style) {
    let Some((header, rows)) = super::clients::table(r, "±") else {
        return;
    };
    let _ = writeln!(
        o,
        "\n{}",
        st.bold("clients who give up (wasted work in cores)")
    );
    let line = |cells: &[String]| {
        let mut l = format!("  {:<20}", cells[0]);
        for c in &cells[1..] {
            l += &format!(" {c:>16}");
        }
        l
    };
    let _ = writeln!(o, "{}", line(&header));
    for row in rows {
        let _ = writeln!(o, "{}", line(&row));
    }
}

/// Per class: the busiest bucket's arrival rate and the worst hour's p95.
fn peaks_table(o: &mut String, r: &SimulationResult, st: &Style) {
    let peaks = r
        .classes
        .iter()
        .filter_map(|c| c.peak_arrivals_per_s.as_ref());
    let u = RateUnit::of(peaks.map(|p| p.value));
    let _ = writeln!(o, "\n{}", st.bold("peaks (means over replications)"));
    let _ = writeln!(
        o,
        "  {:<20} {:>14} {:<18} {:>16} {:<18}",
        "class",
        format!("arrivals{}", u.suffix),
        "at",
        "p95 ms (worst)",
        "in the hour from"
    );
    for c in &r.classes {
        let (a, at) = c
            .peak_arrivals_per_s
            .as_ref()
            .map_or(("—".into(), String::new()), |p| {
                (u.value(p.value), p.start_local.clone())
            });
        let (l, lat) = c
            .worst_latency_s_p95
            .as_ref()
            .map_or(("—".into(), String::new()), |p| {
                (format!("{:.1}", p.value * 1e3), p.start_local.clone())
            });
        let _ = writeln!(
            o,
            "  {:<20} {:>14} {:<18} {:>16} {:<18}",
            c.name, a, at, l, lat
        );
    }
}

/// Every (class, cause) that occurred, its rate in one unit for the column.
fn errors_table(o: &mut String, r: &SimulationResult, st: &Style) {
    let occurred: Vec<_> = r
        .classes
        .iter()
        .flat_map(|c| {
            c.errors_per_s
                .iter()
                .filter(|(_, e)| e.mean > 0.0)
                .map(move |(cause, e)| (&c.name, cause, e))
        })
        .collect();
    let u = RateUnit::of(occurred.iter().map(|x| x.2.mean));
    let _ = writeln!(
        o,
        "\n{}",
        st.bold(&format!("errors by cause ({})", u.words))
    );
    if occurred.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for (class, cause, e) in occurred {
        let _ = writeln!(
            o,
            "  {:<20} {:<24} {:>16}",
            class,
            cause,
            u.est(Some(e), "±")
        );
    }
}

/// One line per thing the tables above do not say: what a websocket class's figures
/// count, the Redis cache's hit ratio, the replication lag.
fn estate_notes(r: &SimulationResult) -> Vec<String> {
    let mut notes = Vec::new();
    for c in &r.classes {
        if c.kind == "websocket" {
            let u = RateUnit::of([c.websocket_drops_per_s.mean]);
            notes.push(format!(
                "{}: websocket route, figures per message; connections dropped by evented-worker restarts {}{}",
                c.name,
                u.est(Some(&c.websocket_drops_per_s), "±"),
                u.suffix
            ));
        }
        if c.kind == "readonly" {
            notes.push(format!("{}: readonly, runs on the read replica", c.name));
        }
        if let Some(h) = &c.cache_hit_ratio {
            notes.push(format!(
                "{}: Redis cache hit ratio {}",
                c.name,
                est(Some(h), 1.0, 3)
            ));
        }
    }
    if let Some(lag) = r.resources.iter().find(|x| x.name == "replication_lag_s") {
        notes.push(format!(
            "replication lag: mean {} s, max {:.3} s (mean over replications)",
            est(Some(&lag.level_mean), 1.0, 3),
            lag.level_max.mean
        ));
    }
    notes
}

//! The files a calibration writes: `scenario.yaml` (the calendar, each class's rate and
//! weekly baseline, an estate), `profiles/CLASS.yaml` (each class's demand) and
//! `report.md` (what was found). Every estimated value carries a comment saying how it
//! was measured: the requests behind it, the period, the fit.

use super::civil;
use super::fit::{Family, Fit, KS_ACCEPT, METHOD_OF_MOMENTS};
use super::record::Source;
use super::weekly::Weekly;
use super::{Calibration, ClassCalibration, CpuFrom};
use crate::report::OutFile;
use std::fmt::Write as _;

/// `x` to `digits` significant digits, plainly (no exponent).
pub fn sig(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A duration for the scenario: milliseconds below 10 s, else seconds.
pub fn duration(s: f64) -> String {
    if s < 10.0 {
        format!("{}ms", sig(s * 1e3, 4))
    } else {
        format!("{}s", sig(s, 4))
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn source_name(s: Source) -> &'static str {
    match s {
        Source::Odoo => "Odoo",
        Source::Traefik => "Traefik",
    }
}

fn period_text(w: &Weekly, first_ns: i64, last_ns: i64) -> String {
    format!(
        "{} to {} UTC ({} h)",
        civil::format(first_ns),
        civil::format(last_ns),
        sig(w.seconds / 3600.0, 4)
    )
}

/// A distribution in the scenario's flow form; `unit` formats a value.
fn dist(f: &Fit, unit: &dyn Fn(f64) -> String) -> String {
    match f.family {
        Family::Constant => format!("{{dist: constant, value: {}}}", unit(f.mean)),
        Family::Lognormal | Family::Gamma => format!(
            "{{dist: {}, mean: {}, cv: {}}}",
            f.family.name(),
            unit(f.mean),
            sig(f.cv, 4)
        ),
        Family::Empirical => {
            let values: Vec<String> = f.values.iter().map(|(v, _)| unit(*v)).collect();
            let weights: Vec<String> = f.values.iter().map(|(_, c)| c.to_string()).collect();
            format!(
                "{{dist: empirical, values: [{}], weights: [{}]}}",
                values.join(", "),
                weights.join(", ")
            )
        }
    }
}

/// How a fit was chosen, in one comment line.
fn fit_comment(f: &Fit) -> String {
    let on = if f.method == METHOD_OF_MOMENTS {
        "the integers"
    } else {
        "the binned data"
    };
    let figures = format!(
        "KS distance on {on}: lognormal {} (mean {}, CV {}), gamma {} (mean {}, CV {})",
        sig(f.ks_lognormal, 3),
        sig(f.lognormal.0, 4),
        sig(f.lognormal.1, 3),
        sig(f.ks_gamma, 3),
        sig(f.gamma.0, 4),
        sig(f.gamma.1, 3)
    );
    match f.family {
        Family::Constant => format!("n = {}, {}", thousands(f.n), f.method),
        Family::Empirical => format!(
            "n = {}, empirical (the histogram: neither family within KS {KS_ACCEPT}; mean {}, CV {}); {figures}",
            thousands(f.n),
            sig(f.mean, 4),
            sig(f.cv, 3)
        ),
        _ => format!(
            "n = {}, {} by {}; {figures}; a family is written when within {KS_ACCEPT}",
            thousands(f.n),
            f.family.name(),
            f.method
        ),
    }
}

fn weekly_block(w: &Weekly, indent: &str) -> String {
    let hours: Vec<String> = w.hours.iter().map(|h| sig(*h, 3)).collect();
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let days: Vec<String> = DAYS
        .iter()
        .zip(&w.weekdays)
        .map(|(d, x)| format!("{d}: {}", sig(*x, 3)))
        .collect();
    let unseen_h: Vec<String> = (0..24)
        .filter(|&h| !w.hour_observed[h])
        .map(|h| h.to_string())
        .collect();
    let unseen_d: Vec<&str> = (0..7)
        .filter(|&d| !w.day_observed[d])
        .map(|d| DAYS[d])
        .collect();
    let mut s = String::new();
    if !unseen_h.is_empty() {
        let _ = writeln!(
            s,
            "{indent}# hours not in the logged period (factor 1, not measured): {}",
            unseen_h.join(", ")
        );
    }
    if !unseen_d.is_empty() {
        let _ = writeln!(
            s,
            "{indent}# days not in the logged period (factor 1, not measured): {}",
            unseen_d.join(", ")
        );
    }
    let _ = writeln!(s, "{indent}hours: [{}]", hours.join(", "));
    let _ = writeln!(s, "{indent}weekdays: {{{}}}", days.join(", "));
    s
}

fn weekly_comment(w: &Weekly, indent: &str) -> String {
    format!(
        "{indent}# weekly: Poisson maximum likelihood of rate × hours × weekdays over the {} requests per hour of the week;\n{indent}# busiest hour {} with {} requests, {}× the mean hour (fitted peak {}× the mean); largest Pearson residual {}\n",
        thousands(w.requests),
        civil::format_hour(w.busiest.0),
        thousands(w.busiest.1),
        sig(w.peak_to_mean, 3),
        sig(w.fitted_peak_to_mean, 3),
        sig(w.worst_cell_z, 3)
    )
}

/// `scenario.yaml`.
pub fn scenario(c: &Calibration) -> String {
    let p = c.period;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Calibrated by `peakplan calibrate` from {} log file{} ({} request lines), {}.",
        c.files.len(),
        if c.files.len() == 1 { "" } else { "s" },
        thousands(c.read.requests()),
        period_text(&c.all, p.first_ns, p.last_ns)
    );
    let _ = writeln!(
        s,
        "# Classes by {}. The workloads' rates, weekly baselines and demands are\n# measured (each comment says how); the estate is NOT: replace it with yours, then\n# `peakplan calibrate --check scenario.yaml LOGS…` compares the simulation with the logs.",
        c.rules_origin
    );
    s += "version: 1\nname: calibrated\nhorizon:\n";
    let seconds = ((p.last_ns - p.first_ns) as f64 / 1e9).ceil().max(1.0) as u64;
    let _ = writeln!(
        s,
        "  start: {}   # the first request logged",
        civil::format(p.first_ns)
    );
    s += "  timezone: UTC   # log times are read as UTC (Traefik's carry their offset)\n";
    let _ = writeln!(s, "  duration: {seconds}s   # the logged period");
    s += "run:\n  replications: 5\n";
    s += "calendar:\n  weekly:   # every class together; each class below has its own\n";
    s += &weekly_comment(&c.all, "    ");
    s += &weekly_block(&c.all, "    ");
    s += "workloads:\n";
    for k in &c.classes {
        s += &workload(k);
    }
    s += &estate(c);
    s
}

fn workload(k: &ClassCalibration) -> String {
    let w = &k.weekly;
    let mut s = format!(
        "  {}:\n    profile: profiles/{}.yaml\n",
        k.obs.name, k.obs.name
    );
    let _ = writeln!(
        s,
        "    # rate: {} requests counted by {} over {}, at an average hour of an average day",
        thousands(w.requests),
        source_name(k.source),
        period_text(w, k.period.first_ns, k.period.last_ns)
    );
    let _ = writeln!(s, "    rate: {}/h", sig(w.rate_per_s * 3600.0, 6));
    s += "    weekly:\n";
    s += &weekly_comment(w, "      ");
    s += &weekly_block(w, "      ");
    s
}

fn estate(c: &Calibration) -> String {
    let e = &c.estate;
    let sized = |given: bool, load: f64, what: &str| {
        if given {
            "given on the command line".to_owned()
        } else {
            format!(
                "ASSUMPTION, not measured: the fewest (≥ 2) with which a request waits with probability ≤ 1 % (Erlang C) under the busiest logged hour's {what} load of {} erlangs",
                sig(load, 3)
            )
        }
    };
    let connections = e.pods * (e.workers + 3) + 3 + 20;
    format!(
        "estate:\n  odoo:\n    pods: {}\n    workers: {}   # {}\n  postgres:\n    cores: {}   # {}\n    max_connections: {}   # room for every worker, cron and evented process\n",
        e.pods,
        e.workers,
        sized(e.workers_given, e.worker_load, "worker"),
        e.db_cores,
        sized(e.db_cores_given, e.db_load, "database"),
        connections.max(100)
    )
}

/// `profiles/CLASS.yaml`.
pub fn profile(k: &ClassCalibration) -> String {
    let mut s = format!(
        "# Class `{}`: what one request needs, calibrated by `peakplan calibrate`.\n",
        k.obs.name
    );
    let ms = |x: f64| duration(x);
    let count = |x: f64| sig(x, 4);
    match k.cpu_from {
        CpuFrom::Odoo => {
            let _ = writeln!(
                s,
                "# odoo_cpu: Odoo's remaining time per request (the third number of its werkzeug line:\n#   the request's time less its query time); {}",
                fit_comment(&k.cpu)
            );
        }
        CpuFrom::TraefikUpstream => {
            let _ = writeln!(
                s,
                "# odoo_cpu: no Odoo line for this class: Traefik's time on the upstream stands in for the whole of the\n#   work, queries unknown (none written); {}",
                fit_comment(&k.cpu)
            );
        }
    }
    let _ = writeln!(s, "odoo_cpu: {}", dist(&k.cpu, &ms));
    if let Some(q) = &k.queries {
        let _ = writeln!(
            s,
            "# queries: Odoo's query count per request; {}",
            fit_comment(q)
        );
        let _ = writeln!(s, "queries: {}", dist(q, &count));
    }
    if let Some((mean, cv)) = k.per_query {
        let _ = writeln!(
            s,
            "# db_time_per_query: Odoo's query time over its query count, {} requests with queries;\n#   mean = Σ time / Σ count; the spread from Var(time | count) = count × σ² less the\n#   rounding to 1 ms (only each request's total is logged), gamma written{}",
            thousands(k.obs.per_query.requests),
            if cv == 0.0 {
                ": no spread measurable, constant"
            } else {
                ""
            }
        );
        let d = if cv == 0.0 {
            format!("{{dist: constant, value: {}}}", duration(mean))
        } else {
            format!(
                "{{dist: gamma, mean: {}, cv: {}}}",
                duration(mean),
                sig(cv, 3)
            )
        };
        let _ = writeln!(s, "db_time_per_query: {d}");
    }
    s += "cursors: 1\n";
    s
}

/// `report.md`: what was found, for a reader.
pub fn report(c: &Calibration) -> String {
    let mut s = String::from("# Calibration report\n\n");
    let _ = writeln!(
        s,
        "{} request lines from {} file{}, {}; classes by {}.\n",
        thousands(c.read.requests()),
        c.files.len(),
        if c.files.len() == 1 { "" } else { "s" },
        period_text(&c.all, c.period.first_ns, c.period.last_ns),
        c.rules_origin
    );
    s += "| file | lines | Odoo requests | Traefik requests | other lines | skipped |\n|---|---:|---:|---:|---:|---:|\n";
    for f in &c.read.files {
        let _ = writeln!(
            s,
            "| {}{} | {} | {} | {} | {} | {} |",
            f.path.display(),
            if f.gzip { " (gzip)" } else { "" },
            thousands(f.lines),
            thousands(f.odoo),
            thousands(f.traefik),
            thousands(f.other),
            thousands(f.skipped)
        );
    }
    for f in &c.read.files {
        if let Some(e) = &f.ended_early {
            let _ = writeln!(s, "\n**{e}**");
        }
    }
    if let Some(k) = c.read.skipped_report() {
        let _ = write!(s, "\n```\n{k}```\n");
    }
    s += "\n| class | requests (source) | rate | busiest hour | peak / mean | Odoo CPU | queries | per query | p50 / p95 | backlog wait |\n|---|---:|---:|---|---:|---|---|---|---|---:|\n";
    for k in &c.classes {
        s += &class_row(k);
    }
    let _ = writeln!(
        s,
        "\nAll classes: {} requests, busiest hour {} ({} requests, {}× the mean hour).",
        thousands(c.all.requests),
        civil::format_hour(c.all.busiest.0),
        thousands(c.all.busiest.1),
        sig(c.all.peak_to_mean, 3)
    );
    if !c.empty_classes.is_empty() {
        let _ = writeln!(
            s,
            "\nClasses of the rules no request reached (left out): {}.",
            c.empty_classes.join(", ")
        );
    }
    if c.dropped > 0 {
        let _ = writeln!(
            s,
            "\n{} requests dropped by rules naming `-` (long-lived websocket connections, by default).",
            thousands(c.dropped)
        );
    }
    if c.unmatched > 0 {
        let _ = writeln!(
            s,
            "\n{} requests matched no rule and were left out, e.g. {}.",
            thousands(c.unmatched),
            c.unmatched_paths.join(", ")
        );
    }
    let e = &c.estate;
    let _ = writeln!(
        s,
        "\nEstate written (not measured unless given): {} pod{} × {} workers, PostgreSQL {} cores; the busiest hour offers {} erlangs to the workers and {} to PostgreSQL.",
        e.pods,
        if e.pods == 1 { "" } else { "s" },
        e.workers,
        e.db_cores,
        sig(e.worker_load, 3),
        sig(e.db_load, 3)
    );
    s
}

fn class_row(k: &ClassCalibration) -> String {
    let w = &k.weekly;
    let seen = match k.source {
        Source::Traefik => &k.obs.traefik,
        Source::Odoo => &k.obs.odoo,
    };
    let q = |p: f64| {
        seen.latency
            .quantile(p)
            .map_or("–".to_owned(), |ns| duration(ns / 1e9))
    };
    format!(
        "| {} | {} ({}) | {}/h | {} | {} | {} {} | {} | {} | {} / {} | {} |\n",
        k.obs.name,
        thousands(w.requests),
        source_name(k.source),
        sig(w.rate_per_s * 3600.0, 4),
        civil::format_hour(w.busiest.0),
        sig(w.peak_to_mean, 3),
        k.cpu.family.name(),
        duration(k.cpu.mean),
        k.queries.as_ref().map_or("–".into(), |f| format!(
            "{} {}",
            f.family.name(),
            sig(f.mean, 4)
        )),
        k.per_query.map_or("–".into(), |(m, _)| duration(m)),
        q(0.5),
        q(0.95),
        k.backlog_wait_s.map_or("–".into(), |(d, _)| duration(d)),
    )
}

/// Every file, for `report::write::files`.
pub fn files(c: &Calibration) -> Vec<OutFile> {
    let mut out = vec![OutFile {
        name: "scenario.yaml".into(),
        bytes: scenario(c).into_bytes(),
    }];
    for k in &c.classes {
        out.push(OutFile {
            name: format!("profiles/{}.yaml", k.obs.name),
            bytes: profile(k).into_bytes(),
        });
    }
    out.push(OutFile {
        name: "report.md".into(),
        bytes: report(c).into_bytes(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(sig(95.123456, 4), "95.12");
        assert_eq!(sig(0.000812345, 4), "0.0008123");
        assert_eq!(sig(12345.6, 4), "12346");
        assert_eq!(duration(0.0951234), "95.12ms");
        assert_eq!(duration(12.5), "12.5s");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}

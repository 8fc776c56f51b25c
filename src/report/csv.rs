//! Tidy CSV tables for spreadsheets (docs/results-format.md lists every column).
//!
//! Long format where a result is long (one row per class × metric, per bucket × series ×
//! metric), one row per resource where a resource is the observation. Whole numbers are
//! printed in full, other numbers to 6 significant digits (the JSON keeps every bit); local
//! times carry their UTC offset, so the hour repeated when summer time ends gives two
//! different times. Formatting only: every figure comes from the result as it is.

use super::numbers::table_number;
use super::time::Clock;
use super::{OutFile, RenderError};
use crate::result::SimulationResult;
use crate::stats::Estimate;

fn num(x: f64) -> String {
    table_number(x)
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), num)
}

/// A CSV writer into memory; the csv crate quotes names with commas or quotes.
struct Table(csv::Writer<Vec<u8>>);

impl Table {
    fn new(header: &[&str]) -> Result<Table, RenderError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header).map_err(RenderError::from)?;
        Ok(Table(w))
    }
    fn row<I: IntoIterator<Item = String>>(&mut self, cells: I) -> Result<(), RenderError> {
        let cells: Vec<String> = cells.into_iter().collect();
        self.0.write_record(&cells).map_err(RenderError::from)
    }
    fn finish(self, name: &str) -> Result<OutFile, RenderError> {
        let bytes = self
            .0
            .into_inner()
            .map_err(|e| RenderError(format!("csv: {e}")))?;
        Ok(OutFile {
            name: name.to_string(),
            bytes,
        })
    }
}

/// Every table, in a fixed order.
pub fn tables(r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
    Ok(vec![
        summary(r)?,
        peaks(r)?,
        resources(r)?,
        series_fine(r)?,
        series_coarse(r)?,
    ])
}

/// `summary.csv`: class, metric, mean, ci95_half_width.
fn summary(r: &SimulationResult) -> Result<OutFile, RenderError> {
    let mut t = Table::new(&["class", "metric", "mean", "ci95_half_width"])?;
    for c in &r.classes {
        let mut rows: Vec<(String, Option<Estimate>)> = vec![
            ("arrivals_per_s".into(), Some(c.arrivals_per_s)),
            ("throughput_per_s".into(), Some(c.throughput_per_s)),
            ("error_ratio".into(), Some(c.error_ratio)),
        ];
        for (cause, e) in &c.errors_per_s {
            rows.push((format!("errors_per_s.{cause}"), Some(*e)));
        }
        rows.extend([
            ("latency_s_mean".into(), c.latency_s_mean),
            ("latency_s_p50".into(), c.latency_s_p50),
            ("latency_s_p95".into(), c.latency_s_p95),
            ("latency_s_p99".into(), c.latency_s_p99),
            ("wait_s_mean".into(), c.wait_s_mean),
            ("wait_probability".into(), c.wait_probability),
            ("in_system_mean".into(), Some(c.in_system_mean)),
            ("ended_per_s".into(), Some(c.ended_per_s)),
            ("sojourn_s_mean".into(), c.sojourn_s_mean),
        ]);
        for (name, _, e) in c.time_breakdown.parts(r.has_pod_cpu(), r.has_jobs()) {
            rows.push((format!("time_breakdown.{name}"), e));
        }
        for (metric, e) in rows {
            t.row([
                c.name.clone(),
                metric,
                opt(e.map(|e| e.mean)),
                opt(e.and_then(|e| e.ci95_half_width)),
            ])?;
        }
    }
    t.finish("summary.csv")
}

/// `peaks.csv`: class, metric, value, start_s, start_local — the busiest buckets per class.
fn peaks(r: &SimulationResult) -> Result<OutFile, RenderError> {
    let clock = Clock::new(&r.scenario);
    let mut t = Table::new(&["class", "metric", "value", "start_s", "start_local"])?;
    for c in &r.classes {
        for (metric, p) in [
            ("peak_arrivals_per_s", &c.peak_arrivals_per_s),
            ("worst_latency_s_p95", &c.worst_latency_s_p95),
        ] {
            if let Some(p) = p {
                t.row([
                    c.name.clone(),
                    metric.into(),
                    num(p.value),
                    num(p.start_s),
                    clock.local_with_offset(p.start_s),
                ])?;
            }
        }
    }
    t.finish("peaks.csv")
}

/// `resources.csv`: one row per resource.
fn resources(r: &SimulationResult) -> Result<OutFile, RenderError> {
    let clock = Clock::new(&r.scenario);
    let mut t = Table::new(&[
        "resource",
        "capacity",
        "level_mean",
        "level_mean_ci95_half_width",
        "level_max",
        "level_max_ci95_half_width",
        "utilisation",
        "utilisation_ci95_half_width",
        "utilisation_peak",
        "utilisation_peak_start_s",
        "utilisation_peak_start_local",
    ])?;
    for x in &r.resources {
        let p = x.utilisation_peak.as_ref();
        t.row([
            x.name.clone(),
            opt(x.capacity),
            num(x.level_mean.mean),
            opt(x.level_mean.ci95_half_width),
            num(x.level_max.mean),
            opt(x.level_max.ci95_half_width),
            opt(x.utilisation.map(|u| u.mean)),
            opt(x.utilisation.and_then(|u| u.ci95_half_width)),
            opt(p.map(|p| p.value)),
            opt(p.map(|p| p.start_s)),
            p.map_or(String::new(), |p| clock.local_with_offset(p.start_s)),
        ])?;
    }
    t.finish("resources.csv")
}

const SERIES_HEADER: [&str; 6] = [
    "bucket_start_s",
    "bucket_start_local",
    "kind",
    "name",
    "metric",
    "value",
];

/// Writes one series (values per bucket) as long rows.
fn series_rows(
    t: &mut Table,
    clock: &Clock,
    width_s: f64,
    kind: &str,
    name: &str,
    metric: &str,
    values: impl Iterator<Item = Option<f64>>,
) -> Result<(), RenderError> {
    for (i, v) in values.enumerate() {
        let start_s = i as f64 * width_s;
        t.row([
            num(start_s),
            clock.local_with_offset(start_s),
            kind.into(),
            name.into(),
            metric.into(),
            opt(v),
        ])?;
    }
    Ok(())
}

/// `series_fine.csv`: counts and levels per fine bucket (5 min by default).
fn series_fine(r: &SimulationResult) -> Result<OutFile, RenderError> {
    let clock = Clock::new(&r.scenario);
    let w = r.series.fine_bucket_s;
    let mut t = Table::new(&SERIES_HEADER)?;
    for c in &r.series.classes {
        for (metric, v) in [
            ("arrivals_per_s", &c.arrivals_per_s),
            ("throughput_per_s", &c.throughput_per_s),
            ("errors_per_s", &c.errors_per_s),
        ] {
            series_rows(
                &mut t,
                &clock,
                w,
                "class",
                &c.name,
                metric,
                v.iter().map(|x| Some(*x)),
            )?;
        }
        let mean = c.latency_s_mean.iter().copied();
        series_rows(&mut t, &clock, w, "class", &c.name, "latency_s_mean", mean)?;
    }
    for x in &r.series.resources {
        let v = x.level_mean.iter().map(|x| Some(*x));
        series_rows(&mut t, &clock, w, "resource", &x.name, "level_mean", v)?;
        if let Some(u) = &x.utilisation {
            let v = u.iter().map(|x| Some(*x));
            series_rows(&mut t, &clock, w, "resource", &x.name, "utilisation", v)?;
        }
    }
    t.finish("series_fine.csv")
}

/// `series_coarse.csv`: latency percentiles and completions per coarse bucket (1 h).
fn series_coarse(r: &SimulationResult) -> Result<OutFile, RenderError> {
    let clock = Clock::new(&r.scenario);
    let w = r.series.coarse_bucket_s;
    let mut t = Table::new(&SERIES_HEADER)?;
    for c in &r.series.classes {
        for (metric, v) in [
            ("latency_s_p50", &c.latency_s_p50),
            ("latency_s_p95", &c.latency_s_p95),
            ("latency_s_p99", &c.latency_s_p99),
        ] {
            series_rows(
                &mut t,
                &clock,
                w,
                "class",
                &c.name,
                metric,
                v.iter().copied(),
            )?;
        }
        let n = c.coarse_completed.iter().map(|x| Some(*x));
        series_rows(&mut t, &clock, w, "class", &c.name, "completed", n)?;
    }
    t.finish("series_coarse.csv")
}

//! Reading speed of `peakplan calibrate` (docs/performance.md): `cargo bench --bench
//! calibrate [-- MB]`.
//!
//! Writes a log of about MB megabytes (default 256) in each format with tests/loggen —
//! Odoo's plain werkzeug lines, Odoo's JSON logging, Traefik's common log format and JSON,
//! and the Odoo log gzip-compressed — then reads each with `calibrate::observe` (read,
//! classify by the default rules, add to the per-class sums), on one thread, best of 3.
//! MB/s is the file's uncompressed size over the wall time; the peak resident set of the
//! process so far (generation included) shows memory flat in the log's size.

#[path = "../tests/loggen/mod.rs"]
mod loggen;

use loggen::{OdooFormat, Target, TraefikFormat};
use peakplan::calibrate::{self, rules::Rules};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn best_of(runs: usize, path: &Path) -> (f64, u64) {
    let mut best = f64::INFINITY;
    let mut requests = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let o = calibrate::observe(&[path.to_path_buf()], Rules::default_odoo())
            .expect("the generated log reads");
        best = best.min(t.elapsed().as_secs_f64());
        requests = o.read.requests();
    }
    (best, requests)
}

/// The process's peak resident set (VmHWM, Linux), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let mb: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(256.0);
    // PEAKPLAN_BENCH_DIR=DIR keeps the logs there (to measure the CLI's memory on them).
    let keep = std::env::var_os("PEAKPLAN_BENCH_DIR").map(PathBuf::from);
    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    // The shop's week scaled so the Odoo plain log is about `mb` MB (≈ 150 bytes a line).
    let week_plain_mb = 14.5; // MB of Odoo plain log per unit of scale, from loggen
    let scale = mb / week_plain_mb;
    let truth = loggen::shop_week(1, scale);
    let cases: [(&str, Option<OdooFormat>, Option<TraefikFormat>, bool); 5] = [
        ("Odoo plain", Some(OdooFormat::Plain), None, false),
        ("Odoo JSON", Some(OdooFormat::Json), None, false),
        (
            "Traefik common log format",
            None,
            Some(TraefikFormat::Clf),
            false,
        ),
        ("Traefik JSON", None, Some(TraefikFormat::Json), false),
        ("Odoo plain, gzip", Some(OdooFormat::Plain), None, true),
    ];
    println!(
        "{:<28} {:>10} {:>12} {:>10} {:>10} {:>12}",
        "log", "MB", "requests", "s", "MB/s", "requests/s"
    );
    for (name, odoo, traefik, gzip) in cases {
        let path: PathBuf = dir.join(format!("{}-{mb}MB.log", name.replace([' ', ','], "-")));
        let w = loggen::generate(
            &truth,
            odoo.map(|format| Target {
                path: &path,
                format,
                gzip,
            }),
            traefik.map(|format| Target {
                path: &path,
                format,
                gzip,
            }),
        );
        let bytes = w.bytes as f64 / 1e6;
        let (s, requests) = best_of(3, &path);
        println!(
            "{name:<28} {bytes:>10.1} {requests:>12} {s:>10.2} {:>10.1} {:>12.0} {:>14.1}",
            bytes / s,
            requests as f64 / s,
            peak_rss_mb()
        );
        if keep.is_none() {
            std::fs::remove_file(&path).ok();
        }
    }
}

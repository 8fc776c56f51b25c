//! Reading a saved result back (`peakplan report RESULT.json`), with errors a user can act
//! on: a truncated file, a result from a newer peakplan, or a JSON file that is not a
//! peakplan result at all each get their own message and hint.
//!
//! The header (`format`, `format_version`) is checked before the body, so a newer or foreign
//! file is named as such instead of failing on the first field it does not know. When
//! `compare`, `size` and `gate` write results of their own `format`, they are dispatched on
//! that header here.

use crate::model::readable;
use crate::result::{FORMAT, FORMAT_VERSION, SimulationResult};
use serde::Deserialize;
use serde_json::error::Category;
use std::fmt;
use std::path::{Path, PathBuf};

/// Results larger than this are refused rather than read into memory (a 366-day horizon
/// with a dozen classes stays well below it).
pub const MAX_RESULT_BYTES: u64 = 512 << 20;

/// Why a result file could not be read. Every case is bad input (exit code 2).
#[derive(Debug)]
pub struct ReadError {
    pub path: PathBuf,
    pub message: String,
    pub hint: &'static str,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error: {}: {}\n  hint: {}",
            self.path.display(),
            self.message,
            self.hint
        )
    }
}

/// Only the fields that say what a file is; the rest of the document is skipped.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
}

const HINT_RERUN: &str = "write it again with `peakplan simulate SCENARIO --out DIR`";

/// Reads and checks a result file.
pub fn read_result(path: &Path) -> Result<SimulationResult, ReadError> {
    let err = |message: String, hint| ReadError {
        path: path.to_path_buf(),
        message,
        hint,
    };
    let meta =
        std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}"), "check the path"))?;
    if !meta.is_file() {
        return Err(err(
            "not a regular file (a directory, device, FIFO or socket)".into(),
            "pass the result.json that `peakplan simulate --out DIR` wrote",
        ));
    }
    let too_big = |len: u64| {
        err(
            format!("{len} bytes, more than the {MAX_RESULT_BYTES} a result may have"),
            "is this really a peakplan result.json?",
        )
    };
    if meta.len() > MAX_RESULT_BYTES {
        return Err(too_big(meta.len()));
    }
    // Bounded even if the file grows while it is read.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            use std::io::Read;
            f.take(MAX_RESULT_BYTES + 1).read_to_end(&mut bytes)
        })
        .map_err(|e| err(format!("cannot read: {e}"), "check the path"))?;
    if bytes.len() as u64 > MAX_RESULT_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    parse_result(&bytes).map_err(|(message, hint)| err(message, hint))
}

/// Parses result bytes; the error is (message, hint).
pub fn parse_result(bytes: &[u8]) -> Result<SimulationResult, (String, &'static str)> {
    let header: Header = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        Category::Eof => (
            format!("the file ends early ({e}): it is truncated"),
            "an interrupted copy? peakplan itself writes results atomically; write it again with `peakplan simulate SCENARIO --out DIR`",
        ),
        Category::Syntax | Category::Io => (
            format!("not JSON ({e})"),
            "pass the result.json that `peakplan simulate --out DIR` wrote",
        ),
        Category::Data => (
            format!("not a peakplan result ({e})"),
            "pass the result.json that `peakplan simulate --out DIR` wrote",
        ),
    })?;
    let format = match &header.format {
        Some(serde_json::Value::String(s)) => s.as_str(),
        Some(other) => {
            return Err((
                format!("not a peakplan result: `format` is {other}, expected \"{FORMAT}\""),
                "pass the result.json that `peakplan simulate --out DIR` wrote",
            ));
        }
        None => {
            return Err((
                "not a peakplan result: it has no `format` field".into(),
                "pass the result.json that `peakplan simulate --out DIR` wrote",
            ));
        }
    };
    if format != FORMAT {
        let message = if format.starts_with("peakplan.") {
            format!("a `{format}` result, which this peakplan cannot report on")
        } else {
            format!("not a peakplan result: `format` is \"{format}\", expected \"{FORMAT}\"")
        };
        return Err((
            message,
            "a newer peakplan may read it; or pass a simulation result",
        ));
    }
    let version = header.format_version.as_ref().and_then(|v| v.as_u64());
    match version {
        None => {
            return Err((
                "`format_version` is missing or not a whole number".into(),
                HINT_RERUN,
            ));
        }
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            return Err((
                format!(
                    "written by a newer peakplan (format_version {v}; this peakplan {} reads up to {FORMAT_VERSION})",
                    env!("CARGO_PKG_VERSION")
                ),
                "upgrade peakplan, or re-render with the peakplan that wrote it",
            ));
        }
        Some(_) => {}
    }
    let result: SimulationResult = serde_json::from_slice(bytes)
        .map_err(|e| (format!("damaged peakplan result: {e}"), HINT_EDITED))?;
    plausible(&result).map_err(|m| (format!("damaged peakplan result: {m}"), HINT_EDITED))?;
    Ok(result)
}

const HINT_EDITED: &str =
    "was it edited by hand? write it again with `peakplan simulate SCENARIO --out DIR`";

/// Longest horizon a scenario may have (366 days), in seconds.
const MAX_HORIZON_S: f64 = 366.0 * 86_400.0;
/// Most fine buckets over a horizon (the scenario's limit is 200,000), plus the partial
/// bucket the horizon may cut.
const MAX_BUCKETS: f64 = 200_001.0;
/// Largest magnitude of any figure outside the run counters: far above what a simulation
/// of at most 366 days and 2e9 arrivals per replication writes (rates, seconds, levels),
/// and small enough that every axis and label stays drawable.
pub const MAX_RESULT_VALUE: f64 = 1e12;

/// What `simulate` could have written: times within the horizon, buckets that divide it
/// into at most [`MAX_BUCKETS`], series no longer than the finer cut, and every other
/// number finite and at most [`MAX_RESULT_VALUE`] in magnitude. A result edited by hand
/// (or by a fuzzer) would otherwise send the charts' axes and the local-time labels into
/// ranges they cannot draw.
fn plausible(r: &SimulationResult) -> Result<(), String> {
    let value = serde_json::to_value(r).map_err(|e| e.to_string())?;
    numbers_in_range(&value, &mut String::new())?;
    let h = r.scenario.horizon_s;
    if !(h > 0.0 && h <= MAX_HORIZON_S) {
        return Err(format!(
            "`scenario.horizon_s` is {}; a horizon is > 0 and at most 366 days ({MAX_HORIZON_S} s)",
            readable(h)
        ));
    }
    let w = r.scenario.warmup_s;
    if !(0.0..h).contains(&w) {
        return Err(format!(
            "`scenario.warmup_s` is {}; it must be ≥ 0 and below the horizon ({h} s)",
            readable(w)
        ));
    }
    let series = &r.series;
    let mut lengths = Vec::new();
    for (key, b) in [
        ("fine_bucket_s", series.fine_bucket_s),
        ("coarse_bucket_s", series.coarse_bucket_s),
    ] {
        if !(b > 0.0 && b.is_finite() && h / b <= MAX_BUCKETS) {
            return Err(format!(
                "`series.{key}` is {}; a bucket is > 0 s and divides the {h} s horizon into at most {MAX_BUCKETS} buckets",
                readable(b)
            ));
        }
        lengths.push((key, (h / b).ceil() as usize + 1));
    }
    // Latency means are kept per fine bucket, percentiles per coarse one: no series is
    // longer than the finer of the two cuts.
    let fine = lengths[0].1.max(lengths[1].1);
    for c in &series.classes {
        let n = [
            c.arrivals_per_s.len(),
            c.throughput_per_s.len(),
            c.errors_per_s.len(),
            c.latency_s_mean.len(),
            c.latency_s_p50.len(),
            c.latency_s_p95.len(),
            c.latency_s_p99.len(),
            c.coarse_completed.len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        if n > fine {
            return Err(format!(
                "series of class `{}` has {n} buckets, more than the {fine} its bucket widths allow",
                c.name
            ));
        }
    }
    for res in &series.resources {
        let n = res
            .level_mean
            .len()
            .max(res.utilisation.as_ref().map_or(0, Vec::len));
        if n > fine {
            return Err(format!(
                "series of resource `{}` has {n} buckets, more than the {fine} its bucket width allows",
                res.name
            ));
        }
    }
    Ok(())
}

/// Every number in `v` (but the run counters and totals, which are counts summed over
/// replications) is at most [`MAX_RESULT_VALUE`] in magnitude; `path` is where we are.
fn numbers_in_range(v: &serde_json::Value, path: &mut String) -> Result<(), String> {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::INFINITY);
            if x.abs() > MAX_RESULT_VALUE {
                return Err(format!(
                    "`{path}` is {}, beyond the ±{MAX_RESULT_VALUE:e} any result holds",
                    readable(x)
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                numbers_in_range(item, path)?;
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                if matches!(k.as_str(), "run" | "totals") {
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                numbers_in_range(item, path)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_result;

    /// Data-driven: input bytes → a phrase the message must contain.
    fn check(input: &str, expect: &str) {
        match parse_result(input.as_bytes()) {
            Ok(_) => panic!("{input:?} was accepted"),
            Err((msg, _)) => assert!(msg.contains(expect), "{input:?}: {msg}"),
        }
    }

    #[test]
    fn refuses_what_is_not_a_current_result() {
        check(
            r#"{"format": "peakplan.simulation", "format_vers"#,
            "truncated",
        );
        check("", "truncated");
        check("hello", "not JSON");
        check("[1, 2]", "not a peakplan result");
        check(r#"{"name": "x"}"#, "no `format` field");
        check(r#"{"format": "geojson"}"#, "not a peakplan result");
        check(
            r#"{"format": "peakplan.sizing", "format_version": 1}"#,
            "cannot report on",
        );
        check(
            r#"{"format": "peakplan.simulation", "format_version": 99}"#,
            "newer peakplan (format_version 99",
        );
        check(
            r#"{"format": "peakplan.simulation"}"#,
            "`format_version` is missing",
        );
        check(
            r#"{"format": "peakplan.simulation", "format_version": 1, "scenario": 3}"#,
            "damaged",
        );
    }
}

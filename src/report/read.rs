//! Reading a saved result back (`peakplan report RESULT.json`), with errors a user can act
//! on: a truncated file, a result from a newer peakplan, or a JSON file that is not a
//! peakplan result at all each get their own message and hint.
//!
//! The header (`format`, `format_version`) is checked before the body, so a newer or foreign
//! file is named as such instead of failing on the first field it does not know. When
//! `compare`, `size` and `gate` write results of their own `format`, they are dispatched on
//! that header here.

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
    let len = std::fs::metadata(path)
        .map_err(|e| err(format!("cannot read: {e}"), "check the path"))?
        .len();
    if len > MAX_RESULT_BYTES {
        return Err(err(
            format!("{len} bytes, more than the {MAX_RESULT_BYTES} a result may have"),
            "is this really a peakplan result.json?",
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| err(format!("cannot read: {e}"), "check the path"))?;
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
    serde_json::from_slice(bytes).map_err(|e| {
        (
            format!("damaged peakplan result: {e}"),
            "was it edited by hand? write it again with `peakplan simulate SCENARIO --out DIR`",
        )
    })
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

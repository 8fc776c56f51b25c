//! `manifest.json`: what a shard directory holds and what it was run from — enough for
//! `merge` to refuse shards of different runs, name what differs, and rebuild the model.
//!
//! It names the run (peakplan version, seed, replications, shard count and index) and
//! every input with its content hash, not the command that ran it: a later command
//! (`compare`, `size`, a study) can shard its replications into the same layout with
//! `command` saying whose shard it is.

use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "peakplan.shard";
pub const FORMAT_VERSION: u32 = 1;
pub const FILE: &str = "manifest.json";
/// A manifest is a few kilobytes; a larger `manifest.json` is not one.
const MAX_BYTES: u64 = 16 << 20;
/// The most replications a run has (`-r` is at most 1,000).
const MAX_REPLICATIONS: u32 = 1000;

/// A file the model was built from, as the loader named it (relative to the directory
/// `simulate` ran in, unless given absolute), with its [`super::hash::content_hash`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputHash {
    pub path: String,
    pub hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The command whose replications these are (`simulate`).
    pub command: String,
    /// `peakplan --version` of the binary that ran the shard.
    pub peakplan_version: String,
    /// The record format of the replication files (`record::VERSION`).
    pub record_version: u32,
    /// The scenario file as `simulate` was given it; `inputs[0]` is the same file.
    pub scenario: String,
    pub seed: u64,
    /// Replications of the whole run (all shards).
    pub replications: u32,
    pub shards: u32,
    pub shard: u32,
    /// The replication indices this directory holds, ascending.
    pub held: Vec<u32>,
    /// The scenario, then every profile it resolved.
    pub inputs: Vec<InputHash>,
}

/// Where replication `index`'s record lives in a shard directory.
pub fn record_path(index: u32) -> String {
    format!("replications/{index:06}.rep")
}

impl Manifest {
    pub fn to_json(&self) -> String {
        let text = serde_json::to_string_pretty(self).expect("a manifest is plain data");
        format!("{text}\n")
    }
}

/// Only the fields that say what a file is, read before the rest.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
}

/// Reads `DIR/manifest.json`; the error is (message, hint), the caller names the file.
pub fn read(dir: &Path) -> Result<Manifest, (String, &'static str)> {
    let path = dir.join(FILE);
    let hint = "pass directories written by `peakplan simulate FILE --shard I/N --out DIR`";
    let meta = std::fs::metadata(&path).map_err(|e| (format!("cannot read: {e}"), hint))?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err((
            "not a shard manifest (not a small regular file)".into(),
            hint,
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| (format!("cannot read: {e}"), hint))?;
    parse(&bytes)
}

pub fn parse(bytes: &[u8]) -> Result<Manifest, (String, &'static str)> {
    let rerun = "run the shard again (`peakplan simulate FILE --shard I/N --out DIR`)";
    let foreign = "pass directories written by `peakplan simulate FILE --shard I/N --out DIR`";
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        if e.classify() == serde_json::error::Category::Eof {
            (format!("the file ends early ({e}): it is truncated"), rerun)
        } else {
            (format!("not a shard manifest ({e})"), foreign)
        }
    })?;
    match header.format.as_ref().and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err((
                format!("not a shard manifest: `format` is \"{other}\", expected \"{FORMAT}\""),
                foreign,
            ));
        }
        None => return Err(("not a shard manifest: no `format` string".into(), foreign)),
    }
    match header.format_version.as_ref().and_then(|v| v.as_u64()) {
        None => {
            return Err((
                "`format_version` is missing or not a whole number".into(),
                rerun,
            ));
        }
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            return Err((
                format!(
                    "written by a newer peakplan (format_version {v}; this one reads up to {FORMAT_VERSION})"
                ),
                "merge with the peakplan that ran the shards",
            ));
        }
        Some(_) => {}
    }
    let m: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| (format!("damaged shard manifest: {e}"), rerun))?;
    // The bounds `simulate` puts on them, so a hand-edited manifest cannot ask `merge`
    // for a table of four billion replications.
    let run = (1..=MAX_REPLICATIONS).contains(&m.replications)
        && (1..=m.replications).contains(&m.shards)
        && m.shard < m.shards;
    let sorted = m.held.windows(2).all(|w| w[0] < w[1]);
    if !run || !sorted || m.held.last().is_some_and(|&i| i >= m.replications) || m.inputs.is_empty()
    {
        return Err((
            format!(
                "damaged shard manifest: `replications` must be 1 to {MAX_REPLICATIONS}, `shards` 1 to `replications`, `shard` below `shards`, `held` ascending indices below `replications`, and `inputs` not empty"
            ),
            rerun,
        ));
    }
    Ok(m)
}

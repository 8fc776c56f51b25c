//! Reports: they format results and never compute statistics. One file per format
//! (`terminal.rs`, `json.rs`, `csv.rs`, `charts/`, `pdf/`), each turning a
//! [`SimulationResult`] into named files behind the [`Format`] trait; `write.rs` puts
//! files on disk atomically and `read.rs` reads a saved result back.

pub(crate) mod charts;
mod clients;
mod csv;
mod estate;
mod font;
pub mod gate;
pub mod gate_ci;
pub mod headroom;
pub mod headroom_chart;
mod json;
mod numbers;
mod pdf;
mod read;
pub mod size;
pub mod size_snippets;
mod terminal;
mod time;
mod verdicts;
mod warnings;
pub mod write;

use crate::result::SimulationResult;
pub use json::to_json;
pub use read::{ReadError, read_result};
pub use terminal::summary;

/// A rendered file: a path relative to the output directory, and its bytes.
#[derive(Clone, Debug)]
pub struct OutFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A report that could not be rendered: always a bug in peakplan (exit code 1), since the
/// result it formats was produced or checked by peakplan itself.
#[derive(Debug)]
pub struct RenderError(pub String);

impl From<::csv::Error> for RenderError {
    fn from(e: ::csv::Error) -> Self {
        RenderError(format!("csv: {e}"))
    }
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "internal error while rendering a report: {}", self.0)
    }
}

/// One output format. `files` returns names relative to the format's own directory.
pub trait Format {
    /// Where the format's files go inside `--out DIR` (`""` for the top level).
    fn dir(&self) -> &'static str;
    fn files(&self, r: &SimulationResult) -> Result<Vec<OutFile>, RenderError>;
}

/// `result.json`.
pub struct Json;
/// `summary.csv`, `peaks.csv`, `resources.csv`, `series_fine.csv`, `series_coarse.csv`,
/// and `headroom.csv` with a headroom study.
pub struct Csv;
/// The charts, each as PNG and SVG (the headroom curve too, with a headroom study).
pub struct Charts;
/// `report.pdf`, the capacity review.
pub struct Pdf;

impl Format for Json {
    fn dir(&self) -> &'static str {
        ""
    }
    fn files(&self, r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
        Ok(vec![OutFile {
            name: "result.json".into(),
            bytes: to_json(r).into_bytes(),
        }])
    }
}

impl Format for Csv {
    fn dir(&self) -> &'static str {
        "csv"
    }
    fn files(&self, r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
        let mut files = csv::tables(r)?;
        if let Some(h) = &r.headroom {
            files.push(OutFile {
                name: "headroom.csv".into(),
                bytes: headroom::csv(h).into_bytes(),
            });
        }
        Ok(files)
    }
}

impl Format for Charts {
    fn dir(&self) -> &'static str {
        "charts"
    }
    fn files(&self, r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
        let mut files = charts::render_all(r)?;
        if let Some(h) = &r.headroom {
            files.extend(headroom_chart::files(h)?);
        }
        Ok(files)
    }
}

impl Format for Pdf {
    fn dir(&self) -> &'static str {
        ""
    }
    fn files(&self, r: &SimulationResult) -> Result<Vec<OutFile>, RenderError> {
        Ok(vec![OutFile {
            name: "report.pdf".into(),
            bytes: pdf::render(r)?,
        }])
    }
}

/// Renders `formats` into one list of files with paths relative to an output directory
/// (`csv/summary.csv`, `charts/demand.png`, …). Nothing is written here.
pub fn render(r: &SimulationResult, formats: &[&dyn Format]) -> Result<Vec<OutFile>, RenderError> {
    let mut out = Vec::new();
    for f in formats {
        for file in f.files(r)? {
            let name = match f.dir() {
                "" => file.name,
                d => format!("{d}/{}", file.name),
            };
            out.push(OutFile {
                name,
                bytes: file.bytes,
            });
        }
    }
    Ok(out)
}

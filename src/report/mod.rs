//! Reports: they format results and never compute statistics. One file per format.

mod json;
mod terminal;
pub mod write;

pub use json::to_json;
pub use terminal::summary;

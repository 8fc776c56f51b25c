//! Streaming collectors: a log-linear latency histogram and time-weighted levels.
//!
//! They sit below both the simulation, which feeds them during a replication, and the
//! statistics, which read what they hold: neither `sim/` nor `stats/` owns them, so data
//! flows one way (sim → stats) without a loop between the two stages.

pub mod histogram;
mod timeweighted;

pub use histogram::{Histogram, RELATIVE_ERROR};
pub use timeweighted::TimeWeighted;

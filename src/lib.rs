//! peakplan: a capacity planner for Odoo ERP estates.
//!
//! Data flows one way: scenario file → [`scenario`] (parse, validate) → [`model::Model`] →
//! [`sim`] (one replication, no I/O) → [`stats`] (aggregation over replications) →
//! [`report`] (terminal, JSON). [`calibrate`] sits above it all: it reads request logs
//! and writes scenarios. See ARCHITECTURE.md for the map and the invariants.

pub mod analytic;
pub mod calibrate;
pub mod collect;
pub mod engine;
pub mod model;
pub mod report;
pub mod result;
pub mod run;
pub mod scenario;
pub mod shard;
pub mod sim;
pub mod stats;
pub mod study;
pub mod validation;

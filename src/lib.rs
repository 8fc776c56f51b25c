//! peakplan: a capacity planner for Odoo ERP estates.
//!
//! Data flows one way: scenario file → [`scenario`] (parse, validate) → [`model::Model`] →
//! [`sim`] (one replication, no I/O) → [`stats`] (aggregation over replications) →
//! [`report`] (terminal, JSON). See ARCHITECTURE.md for the map and the invariants.

pub mod model;
pub mod scenario;

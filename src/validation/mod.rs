//! Validation models: small engine-driven models that have exact answers in queueing
//! theory, so the engine (event queue, integer time, seeded streams, statistics) can be
//! checked against `crate::analytic` without the Odoo semantics of `crate::sim` in the
//! way. `network` simulates networks of exponential FCFS stations (open Jackson and
//! closed MVA networks); `network_cases` holds validation cases 11–13 as one table of
//! networks, run lengths and exact values, read by the tests and by report generators.
//! Nothing here is used by the planner itself.

pub mod network;
pub mod network_cases;

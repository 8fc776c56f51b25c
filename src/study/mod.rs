//! Studies above [`crate::run`]: each builds variants of one scenario, runs every variant
//! with the same seed — so each request draws the same work in every variant (common
//! random numbers, `sim/draws.rs`) — and reads their results. Nothing here simulates by
//! itself or knows the simulation's insides.

pub mod gate;
pub mod headroom;
pub mod size;
pub mod size_cost;
pub mod size_prune;

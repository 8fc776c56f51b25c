//! The event engine: an event queue ordered by (time, sequence) and seeded random streams.
//!
//! This is the whole domain-free core. It owns no model and does no I/O; `crate::sim`
//! drives it with Odoo semantics, and the validation networks drive it directly.

mod queue;
mod rng;

pub use queue::{EventQueue, QueueFull};
pub use rng::{Draws, Key, Rng, draws, replication_seed, stream};

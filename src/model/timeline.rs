//! The timeline: changes to the estate during a run, each from a time, for a duration or
//! to the horizon's end. The simulation learns of a change only from its events — it
//! never asks the clock whether something is down.

use super::{Db, SimTime};

/// One change on the timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// For reports: the entry's `name`, or `ACTION TARGET`.
    pub name: String,
    pub start: SimTime,
    /// When the change is undone (`None`: it lasts to the horizon's end).
    pub end: Option<SimTime>,
    pub effect: Effect,
}

/// Which part of a PostgreSQL server a change acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Cpu,
    Volume,
}

/// What a change does while it lasts.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Integration `integration` does not answer: each call fails after its timeout.
    Outage { integration: usize },
    /// Class `class`'s requests starting a try need `factor` × their work (Odoo CPU,
    /// queries, reads): a slow module release, rolled back at `end`.
    Slow { class: usize, factor: f64 },
    /// Server `db`'s `part` keeps `share` of its capacity: each of its cores (or I/O
    /// streams) works at full speed, but only `share` of them are there.
    Degrade { db: Db, part: Part, share: f64 },
    /// Something else on server `db`'s CPU keeps `threads` threads runnable: they share
    /// the cores with the queries as the OS scheduler shares them, each like one query.
    Neighbour { db: Db, threads: f64 },
}

impl Change {
    /// Whether the change is in force at `t` (for reports and tests; the simulation is
    /// told by events).
    pub fn active_at(&self, t: SimTime) -> bool {
        self.start <= t && self.end.is_none_or(|e| t < e)
    }
}

//! The timeline's changes as the simulation sees them: an event at each change's start and
//! one at its end set what the rest of the estate reads — an integration down, a class's
//! work factor, a database server's cores or volume shrunk or shared with a neighbour.
//! Nothing here or elsewhere asks the clock whether a change is in force.

use super::{Ev, Sim, Step};
use crate::model::{Db, Effect, Model, Part};

/// What the changes in force have set.
pub struct TimelineState {
    /// Per integration: down (an outage in force).
    pub api_down: Vec<bool>,
    /// Per class: the factor on a try's work (1 without a `slow` change in force).
    pub slow: Vec<f64>,
}

impl TimelineState {
    pub fn new(model: &Model) -> Self {
        TimelineState {
            api_down: vec![false; model.integrations.len()],
            slow: vec![1.0; model.classes.len()],
        }
    }
}

/// Whether some change on the timeline scales the work of class `class`.
pub fn slows(model: &Model, class: usize) -> bool {
    model
        .timeline
        .iter()
        .any(|c| matches!(c.effect, Effect::Slow { class: k, .. } if k == class))
}

impl Sim<'_> {
    /// Schedules every change's start and, if it ends within the horizon, its end.
    pub(super) fn start_timeline(&mut self) -> Step {
        for (i, c) in self.model.timeline.iter().enumerate() {
            let index = i as u32;
            self.schedule(c.start, Ev::Change { index, end: false })?;
            if let Some(end) = c.end {
                self.schedule(end, Ev::Change { index, end: true })?;
            }
        }
        Ok(())
    }

    /// Change `index` starts, or ends (`end`): its effect set, or undone.
    pub(super) fn on_change(&mut self, index: u32, end: bool) -> Step {
        let now = self.now;
        match self.model.timeline[index as usize].effect {
            Effect::Outage { integration } => {
                self.timeline.api_down[integration] = !end;
                Ok(())
            }
            Effect::Slow { class, factor } => {
                self.timeline.slow[class] = if end { 1.0 } else { factor };
                Ok(())
            }
            Effect::Degrade { db, part, share } => {
                let share = if end { 1.0 } else { share };
                let server = &mut self.dbs[db as usize];
                match part {
                    Part::Cpu => server.cpu.set_share(now, share),
                    Part::Volume => server.io.set_share(now, share),
                }
                self.station_changed(db, part)
            }
            Effect::Neighbour { db, threads } => {
                let threads = if end { 0.0 } else { threads };
                self.dbs[db as usize].cpu.set_background(now, threads);
                self.station_changed(db, Part::Cpu)
            }
        }
    }

    /// A station's capacity or sharing changed: its gauges and next completion follow.
    fn station_changed(&mut self, db: Db, part: Part) -> Step {
        match part {
            Part::Cpu => {
                self.cpu_levels(db);
                self.cpu_reschedule(db)
            }
            Part::Volume => {
                self.io_levels(db);
                self.io_reschedule(db)
            }
        }
    }
}

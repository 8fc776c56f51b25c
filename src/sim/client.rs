//! Clients who give up (`client:` on a class): a browser user, a load balancer's idle
//! timeout, a marketplace's HTTP client waiting for a response.
//!
//! A request of such a class has a deadline, `arrival + timeout`, drawn at its arrival
//! from its client's own stream (`Streams::client`: the request's work is drawn as
//! without a client). One `Ev::ClientGivesUp` is scheduled at the deadline; a request
//! answered first leaves it stale (its incarnation has moved on), so nothing is
//! cancelled. At the deadline the user counts the request as failed (`client_timeout`)
//! and, with probability `resubmit` while fewer than `max_resubmits` were sent, sends it
//! again after a think time — a new request of the class, identified as a child of the
//! one it repeats. Odoo does not notice: it notices a closed socket only when it writes
//! the response, so the request stays where it is (listen backlog, worker, database) and
//! runs to its end; that end is counted as wasted work (`Observer::abandoned_ended`),
//! never as a second outcome of the request.

use super::draws;
use super::{Cause, Ev, Sim, Step};
use crate::engine::Key;
use crate::model::SimTime;
use rand::RngExt;

/// A request waiting to be sent again: its class, identity, rank and closed user.
#[derive(Clone, Copy, Debug)]
struct Pending {
    class: u32,
    key: Key,
    rank: u8,
    user: u32,
}

/// The requests users will send again, and the rank of the one arriving now.
#[derive(Debug, Default)]
pub struct Clients {
    pending: Vec<Pending>,
    free: Vec<u32>,
    /// The resubmission rank of the request `on_arrival` is creating (0: an original).
    arriving_rank: u8,
}

impl Sim<'_> {
    /// Request `req` has just arrived: its client's deadline is set.
    pub(super) fn client_waits(&mut self, req: u32) -> Step {
        let rank = std::mem::take(&mut self.clients.arriving_rank);
        let r = &mut self.requests[req as usize];
        r.resubmits = rank;
        let (class, key, inc) = (r.class, r.key, r.inc);
        let client = self.model.classes[class as usize]
            .client
            .as_ref()
            .expect("facts.client");
        let mut d = self.streams.client(key);
        let timeout = SimTime::from_secs_f64(client.timeout_s.sample(&mut d)).max(SimTime(1));
        self.schedule(timeout, Ev::ClientGivesUp { req, inc })
    }

    /// The deadline of request `req` (incarnation `inc`) has come: unless it was answered,
    /// its user gives up, and may send it again.
    pub(super) fn on_client_gives_up(&mut self, req: u32, inc: u32) -> Step {
        let r = &mut self.requests[req as usize];
        if r.inc != inc || !r.is_live() || r.abandoned {
            return Ok(());
        }
        r.abandoned = true;
        let (class, key, user, rank) = (r.class, r.key, r.user, r.resubmits);
        let sojourn = self.now - r.arrival;
        self.obs
            .failed(self.now, class as usize, Cause::ClientTimeout, sojourn);
        let client = self.model.classes[class as usize]
            .client
            .as_ref()
            .expect("facts.client");
        let mut d = self.streams.client(key);
        let _timeout = client.timeout_s.sample(&mut d);
        let again = d.random::<f64>() < client.resubmit;
        if again && u32::from(rank) < client.max_resubmits {
            let think = SimTime::from_secs_f64(client.think_s.sample(&mut d));
            let p = Pending {
                class,
                key: draws::resubmission(key),
                rank: rank + 1,
                user,
            };
            let slot = self.hold(p)?;
            return self.schedule(think, Ev::Resubmit { slot });
        }
        if self.facts[class as usize].closed && user != u32::MAX {
            // The user moves on to its next request.
            self.user_thinks(class, user)?;
        }
        Ok(())
    }

    /// A user who gave up sends the request again.
    pub(super) fn on_resubmit(&mut self, slot: u32) -> Step {
        let p = self.clients.pending[slot as usize];
        self.clients.free.push(slot);
        self.obs.resubmitted(p.class as usize);
        self.clients.arriving_rank = p.rank;
        self.on_arrival(p.class, p.key, p.user)
    }

    /// Keeps `p` until its user sends it; at most `run.max_in_flight` wait at once.
    fn hold(&mut self, p: Pending) -> Result<u32, Box<super::RunStopped>> {
        if let Some(slot) = self.clients.free.pop() {
            self.clients.pending[slot as usize] = p;
            return Ok(slot);
        }
        let held = self.clients.pending.len();
        if held >= self.model.run.max_in_flight as usize {
            return Err(self.stopped(
                format!("{held} users about to send a request again at once (run.max_in_flight)"),
                "the clients give up far more often than the estate answers; lower client.resubmit or the load, or raise run.max_in_flight",
            ));
        }
        self.clients.pending.push(p);
        Ok(held as u32)
    }
}
